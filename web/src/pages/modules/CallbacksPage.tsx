import { Anchor, Title } from '@mantine/core';
import { Link } from 'react-router';
import type { CallbackItem } from '../../api-modules.ts';
import { DataTable } from '../../components/DataTable.tsx';
import { useI18n } from '../../i18n.tsx';

/** BNPL callbacks to merchants across sessions; the resend button is on the session card. */
export function CallbacksPage() {
  const { t, dateTime } = useI18n();
  return (
    <>
      <Title order={2} mb="md">
        {t('callbacks.title')}
      </Title>
      <DataTable<CallbackItem>
        endpoint="/messages/callbacks"
        caption={t('callbacks.title')}
        defaultSort="-createdAt"
        rowKey={(c) => c.id}
        filters={[
          {
            name: 'status',
            label: t('sms.status'),
            type: 'select',
            options: ['pending', 'delivered', 'failed'].map((s) => ({ value: s, label: s })),
          },
        ]}
        columns={[
          {
            key: 'createdAt',
            title: t('deals.createdAt'),
            sort: 'createdAt',
            render: (c) => dateTime(c.createdAt),
          },
          {
            key: 'session',
            title: t('callbacks.session'),
            render: (c) => (
              <Anchor component={Link} to={`/bnpl/sessions/${c.sessionId}`}>
                {c.sessionId}
              </Anchor>
            ),
          },
          { key: 'merchant', title: t('bnpl.merchant'), render: (c) => c.merchant },
          { key: 'order', title: t('bnpl.order'), render: (c) => c.orderId },
          { key: 'kind', title: t('bnpl.kind'), render: (c) => c.kind },
          { key: 'url', title: t('bnpl.url'), render: (c) => c.url },
          { key: 'status', title: t('sms.status'), render: (c) => c.status },
          {
            key: 'attempts',
            title: t('sms.attempts'),
            sort: 'attempts',
            align: 'right',
            render: (c) => c.attempts,
          },
          {
            key: 'error',
            title: t('sms.error'),
            render: (c) =>
              [c.lastHttpStatus ? `HTTP ${c.lastHttpStatus}` : '', c.lastError ?? ''].join(' ').trim(),
          },
          {
            key: 'deliveredAt',
            title: t('callbacks.deliveredAt'),
            render: (c) => (c.deliveredAt ? dateTime(c.deliveredAt) : '—'),
          },
        ]}
      />
    </>
  );
}
