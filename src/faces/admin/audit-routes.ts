import type { AppContext } from '../../platform/context.ts';
import type { FaceApp } from '../../platform/http/face.ts';
import { AUDIT_SORTS, type AuditRow, searchAudit } from '../../staff/console/audit-read.ts';
import { registerList } from './list.ts';
import { AuditItem, AuditQuery } from './schemas.ts';

export function auditRoutes(app: FaceApp, ctx: AppContext): void {
  registerList(app, ctx, {
    path: '/audit',
    permission: 'audit.read',
    summary: 'Журнал аудита: кто, что и когда изменил',
    tags: ['audit'],
    query: AuditQuery,
    item: AuditItem,
    sorts: AUDIT_SORTS,
    defaultSort: 'id',
    defaultDesc: true,
    filter: (q) => ({
      ...(q.actorType ? { actorType: q.actorType } : {}),
      ...(q.actorId ? { actorId: q.actorId } : {}),
      ...(q.action ? { action: q.action } : {}),
      ...(q.subjectType ? { subjectType: q.subjectType } : {}),
      ...(q.subjectId ? { subjectId: q.subjectId } : {}),
      ...(q.from ? { from: new Date(q.from) } : {}),
      ...(q.to ? { to: new Date(q.to) } : {}),
    }),
    fetch: searchAudit,
    toItem: (r: AuditRow): AuditItem => ({
      id: String(r.id),
      at: r.at.toISOString(),
      actorType: r.actorType,
      actorId: r.actorId,
      actorLogin: r.actorLogin,
      action: r.action,
      subjectType: r.subjectType,
      subjectId: r.subjectId,
      details: r.details,
      requestId: r.requestId,
    }),
    csv: {
      name: 'audit-log',
      columns: [
        { header: { ru: 'Номер', en: 'Id' }, value: (r) => r.id },
        { header: { ru: 'Время', en: 'At' }, value: (r) => r.at.toISOString() },
        { header: { ru: 'Кто (тип)', en: 'Actor type' }, value: (r) => r.actorType },
        { header: { ru: 'Кто', en: 'Actor' }, value: (r) => r.actorLogin ?? r.actorId },
        { header: { ru: 'Действие', en: 'Action' }, value: (r) => r.action },
        { header: { ru: 'Объект (тип)', en: 'Subject type' }, value: (r) => r.subjectType },
        { header: { ru: 'Объект', en: 'Subject' }, value: (r) => r.subjectId },
        { header: { ru: 'Подробности', en: 'Details' }, value: (r) => JSON.stringify(r.details) },
        { header: { ru: 'Запрос', en: 'Request id' }, value: (r) => r.requestId },
      ],
    },
  });
}
