import { Anchor, Title } from '@mantine/core';
import { Link } from 'react-router';
import type { BnplSessionItem } from '../../api-modules.ts';
import { DataTable } from '../../components/DataTable.tsx';
import { useI18n } from '../../i18n.tsx';

const STATES = ['processing', 'cancelled', 'authorized', 'voided', 'refunded', 'charged'];

export function BnplSessionsPage() {
  const { t, money, dateTime } = useI18n();
  return (
    <>
      <Title order={2} mb="md">
        {t('bnpl.title')}
      </Title>
      <DataTable<BnplSessionItem>
        endpoint="/bnpl/sessions"
        caption={t('bnpl.title')}
        defaultSort="-id"
        rowKey={(s) => s.id}
        filters={[
          {
            name: 'state',
            label: t('bnpl.state'),
            type: 'select',
            options: STATES.map((s) => ({ value: s, label: s })),
          },
          { name: 'merchant', label: t('bnpl.merchant'), type: 'text' },
          { name: 'orderId', label: t('bnpl.order'), type: 'text' },
        ]}
        columns={[
          {
            key: 'id',
            title: t('ledger.id'),
            sort: 'id',
            render: (s) => (
              <Anchor component={Link} to={`/bnpl/sessions/${s.id}`}>
                {s.id}
              </Anchor>
            ),
          },
          { key: 'merchant', title: t('bnpl.merchant'), render: (s) => s.merchant },
          { key: 'order', title: t('bnpl.order'), render: (s) => s.orderId },
          {
            key: 'amount',
            title: t('deals.amount'),
            sort: 'amount',
            align: 'right',
            render: (s) => money(s.amount, 'RUB'),
          },
          { key: 'state', title: t('bnpl.state'), render: (s) => s.state },
          { key: 'step', title: t('bnpl.step'), render: (s) => s.step },
          { key: 'deal', title: t('bnpl.deal'), render: (s) => s.dealNumber ?? '—' },
          {
            key: 'createdAt',
            title: t('deals.createdAt'),
            sort: 'createdAt',
            render: (s) => dateTime(s.createdAt),
          },
        ]}
      />
    </>
  );
}
