import { Code, Title } from '@mantine/core';
import type { AuditItem } from '../api.ts';
import { DataTable } from '../components/DataTable.tsx';
import { useI18n } from '../i18n.tsx';

export function AuditPage() {
  const { t, dateTime } = useI18n();
  return (
    <>
      <Title order={2} mb="md">
        {t('audit.title')}
      </Title>
      <DataTable<AuditItem>
        endpoint="/audit"
        caption={t('audit.title')}
        defaultSort="-id"
        rowKey={(r) => r.id}
        filters={[
          { name: 'action', label: t('audit.action'), type: 'text' },
          {
            name: 'actorType',
            label: t('audit.actorType'),
            type: 'select',
            options: ['staff', 'cli', 'system', 'agent', 'partner', 'merchant', 'client'].map((v) => ({
              value: v,
              label: v,
            })),
          },
          { name: 'subjectType', label: t('audit.subjectType'), type: 'text' },
          { name: 'subjectId', label: t('audit.subjectId'), type: 'text' },
          { name: 'from', label: t('audit.from'), type: 'date' },
          { name: 'to', label: t('audit.to'), type: 'date' },
        ]}
        columns={[
          { key: 'at', title: t('audit.at'), sort: 'at', render: (r) => dateTime(r.at) },
          {
            key: 'actor',
            title: t('audit.actor'),
            render: (r) => `${r.actorType}:${r.actorLogin ?? r.actorId}`,
          },
          { key: 'action', title: t('audit.action'), sort: 'action', render: (r) => r.action },
          { key: 'subject', title: t('audit.subject'), render: (r) => `${r.subjectType}:${r.subjectId}` },
          {
            key: 'details',
            title: t('audit.details'),
            render: (r) => <Code>{JSON.stringify(r.details)}</Code>,
          },
        ]}
      />
    </>
  );
}
