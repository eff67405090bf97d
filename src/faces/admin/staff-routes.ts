import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../platform/context.ts';
import { withTx } from '../../platform/db/tx.ts';
import type { FaceApp } from '../../platform/http/face.ts';
import { parseId } from '../../platform/ids.ts';
import { PERMISSIONS, ROLE_PERMISSIONS, ROLE_TITLES, ROLES } from '../../staff/permissions.ts';
import {
  createUser,
  getUser,
  listUsers,
  type StaffUser,
  setPassword,
  USER_SORTS,
  updateUser,
} from '../../staff/users.ts';
import { changeOf, needs, noStore } from './guard.ts';
import { registerList } from './list.ts';
import {
  CreateUserBody,
  ErrorBody,
  IdString,
  PasswordBody,
  RoleInfo,
  StaffQuery,
  StaffUserItem,
  UpdateUserBody,
} from './schemas.ts';

function userItem(u: StaffUser): StaffUserItem {
  return {
    id: String(u.id),
    login: u.login,
    name: u.name,
    role: u.role,
    locale: u.locale,
    blocked: u.blockedAt !== null,
    lockedUntil: u.lockedUntil && u.lockedUntil > new Date() ? u.lockedUntil.toISOString() : null,
    failedAttempts: u.failedAttempts,
    lastLoginAt: u.lastLoginAt?.toISOString() ?? null,
    createdAt: u.createdAt.toISOString(),
  };
}

const IdParams = Type.Object({ id: IdString });

export function staffRoutes(app: FaceApp, ctx: AppContext): void {
  registerList(app, ctx, {
    path: '/staff/users',
    permission: 'staff.manage',
    summary: 'Сотрудники консоли',
    tags: ['staff'],
    query: StaffQuery,
    item: StaffUserItem,
    sorts: USER_SORTS,
    defaultSort: 'login',
    defaultDesc: false,
    filter: (q) => ({
      ...(q.q ? { q: q.q } : {}),
      ...(q.role ? { role: q.role } : {}),
      ...(q.status ? { status: q.status as 'active' | 'blocked' | 'locked' } : {}),
    }),
    fetch: listUsers,
    toItem: userItem,
    csv: {
      name: 'staff-users',
      columns: [
        { header: { ru: 'Номер', en: 'Id' }, value: (u) => u.id },
        { header: { ru: 'Логин', en: 'Login' }, value: (u) => u.login },
        { header: { ru: 'Имя', en: 'Name' }, value: (u) => u.name },
        { header: { ru: 'Роль', en: 'Role' }, value: (u) => u.role },
        { header: { ru: 'Заблокирован', en: 'Blocked' }, value: (u) => u.blockedAt !== null },
        { header: { ru: 'Последний вход', en: 'Last login' }, value: (u) => u.lastLoginAt?.toISOString() },
      ],
    },
  });

  app.get(
    '/staff/roles',
    {
      ...needs('staff.manage'),
      schema: {
        summary: 'Роли и их права (матрица прав)',
        tags: ['staff'],
        response: {
          200: Type.Object({ roles: Type.Array(RoleInfo), permissions: Type.Array(Type.String()) }),
        },
      },
    },
    async () => ({
      roles: ROLES.map((code) => ({
        code,
        title: ROLE_TITLES[code],
        permissions: [...ROLE_PERMISSIONS[code]],
      })),
      permissions: [...PERMISSIONS],
    }),
  );

  app.get(
    '/staff/users/:id',
    {
      ...needs('staff.manage'),
      schema: {
        summary: 'Сотрудник',
        tags: ['staff'],
        params: IdParams,
        response: { 200: StaffUserItem, '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      noStore(reply);
      return userItem(await getUser(ctx.pool, parseId(request.params.id)));
    },
  );

  app.post(
    '/staff/users',
    {
      ...needs('staff.manage'),
      schema: {
        summary: 'Создать сотрудника',
        tags: ['staff'],
        body: CreateUserBody,
        response: { 201: StaffUserItem, '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      const user = await withTx(ctx.pool, (tx) => createUser(tx, changeOf(request), request.body));
      return reply.status(201).send(userItem(user));
    },
  );

  app.patch(
    '/staff/users/:id',
    {
      ...needs('staff.manage'),
      schema: {
        summary: 'Изменить имя, роль, язык или блокировку сотрудника (снятие блокировки снимает и временную)',
        tags: ['staff'],
        params: IdParams,
        body: UpdateUserBody,
        response: { 200: StaffUserItem, '4xx': ErrorBody },
      },
    },
    async (request) => {
      const id = parseId(request.params.id);
      const body = request.body;
      const user = await withTx(ctx.pool, (tx) =>
        updateUser(tx, changeOf(request), id, {
          ...(body.name !== undefined ? { name: body.name } : {}),
          ...(body.role !== undefined ? { role: body.role } : {}),
          ...(body.locale !== undefined ? { locale: body.locale } : {}),
          ...(body.blocked !== undefined ? { blocked: body.blocked } : {}),
        }),
      );
      return userItem(user);
    },
  );

  app.post(
    '/staff/users/:id/password',
    {
      ...needs('staff.manage'),
      schema: {
        summary: 'Задать сотруднику новый пароль (его сессии закрываются)',
        tags: ['staff'],
        params: IdParams,
        body: PasswordBody,
        response: { 204: Type.Null(), '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      const id = parseId(request.params.id);
      await withTx(ctx.pool, (tx) => setPassword(tx, changeOf(request), id, request.body.password));
      return reply.status(204).send(null);
    },
  );
}
