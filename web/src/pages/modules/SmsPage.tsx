import { Title } from '@mantine/core';
import type { SmsItem } from '../../api-modules.ts';
import { DataTable } from '../../components/DataTable.tsx';
import { useI18n } from '../../i18n.tsx';

export function SmsPage() {
  const { t, dateTime } = useI18n();
  return (
    <>
      <Title order={2} mb="md">
        {t('sms.title')}
      </Title>
      <DataTable<SmsItem>
        endpoint="/messages/sms"
        caption={t('sms.title')}
        defaultSort="-createdAt"
        rowKey={(s) => s.id}
        filters={[
          {
            name: 'module',
            label: t('sms.outbox'),
            type: 'select',
            options: ['broker', 'mymfo', 'bnpl', 'wallet'].map((m) => ({ value: m, label: m })),
          },
          {
            name: 'status',
            label: t('sms.status'),
            type: 'select',
            options: ['queued', 'sent', 'failed'].map((s) => ({ value: s, label: s })),
          },
        ]}
        columns={[
          {
            key: 'createdAt',
            title: t('deals.createdAt'),
            sort: 'createdAt',
            render: (s) => dateTime(s.createdAt),
          },
          { key: 'module', title: t('sms.outbox'), render: (s) => s.module },
          { key: 'purpose', title: t('sms.purpose'), render: (s) => s.purpose },
          { key: 'phone', title: t('sms.phone'), render: (s) => s.phone },
          { key: 'status', title: t('sms.status'), sort: 'status', render: (s) => s.status },
          { key: 'attempts', title: t('sms.attempts'), align: 'right', render: (s) => s.attempts },
          { key: 'error', title: t('sms.error'), render: (s) => s.lastError ?? '' },
          { key: 'sentAt', title: t('sms.sentAt'), render: (s) => (s.sentAt ? dateTime(s.sentAt) : '—') },
        ]}
      />
    </>
  );
}
