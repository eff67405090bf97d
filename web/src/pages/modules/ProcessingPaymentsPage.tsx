import { Anchor, Title } from '@mantine/core';
import { Link } from 'react-router';
import type { ProcessingPaymentItem } from '../../api-modules.ts';
import { DataTable } from '../../components/DataTable.tsx';
import { useI18n } from '../../i18n.tsx';

export function ProcessingPaymentsPage() {
  const { t, money, dateTime } = useI18n();
  return (
    <>
      <Title order={2} mb="md">
        {t('ppay.title')}
      </Title>
      <DataTable<ProcessingPaymentItem>
        endpoint="/processing/payments"
        caption={t('ppay.title')}
        defaultSort="-id"
        rowKey={(p) => p.id}
        filters={[
          { name: 'agent', label: t('ppay.agent'), type: 'text' },
          { name: 'service', label: t('ppay.service'), type: 'text' },
          { name: 'result', label: t('ppay.result'), type: 'text' },
          {
            name: 'final',
            label: t('ppay.final'),
            type: 'select',
            options: [
              { value: 'true', label: t('common.yes') },
              { value: 'false', label: t('common.no') },
            ],
          },
        ]}
        columns={[
          {
            key: 'id',
            title: t('ledger.id'),
            sort: 'id',
            render: (p) => (
              <Anchor component={Link} to={`/processing/payments/${p.id}`}>
                {p.id}
              </Anchor>
            ),
          },
          { key: 'agent', title: t('ppay.agent'), render: (p) => p.agent },
          { key: 'agentTxn', title: t('ppay.agentTxn'), render: (p) => p.agentTxnId },
          { key: 'service', title: t('ppay.service'), render: (p) => p.service },
          { key: 'account', title: t('ppay.account'), render: (p) => p.account },
          {
            key: 'amount',
            title: t('deals.amount'),
            sort: 'amount',
            align: 'right',
            render: (p) => money(p.amount),
          },
          { key: 'result', title: t('ppay.result'), render: (p) => `${p.result}${p.final ? '' : ' …'}` },
          { key: 'message', title: t('ppay.message'), render: (p) => p.message },
          {
            key: 'createdAt',
            title: t('deals.createdAt'),
            sort: 'createdAt',
            render: (p) => dateTime(p.createdAt),
          },
        ]}
      />
    </>
  );
}
