import { Anchor, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { type DealItem, modulesApi } from '../../api-modules.ts';
import { DataTable } from '../../components/DataTable.tsx';
import { useI18n } from '../../i18n.tsx';

export function DealsPage() {
  const { t, money, dateTime } = useI18n();
  const [statuses, setStatuses] = useState<string[]>([]);
  useEffect(() => {
    modulesApi
      .dealFacets()
      .then((f) => setStatuses(f.statuses))
      .catch(() => undefined);
  }, []);
  return (
    <>
      <Title order={2} mb="md">
        {t('deals.title')}
      </Title>
      <DataTable<DealItem>
        endpoint="/lending/deals"
        caption={t('deals.title')}
        defaultSort="-id"
        rowKey={(d) => d.id}
        filters={[
          { name: 'q', label: t('deals.q'), type: 'text' },
          {
            name: 'status',
            label: t('deals.status'),
            type: 'select',
            options: statuses.map((s) => ({ value: s, label: s })),
          },
        ]}
        columns={[
          {
            key: 'number',
            title: t('deals.number'),
            sort: 'number',
            render: (d) => (
              <Anchor component={Link} to={`/lending/deals/${encodeURIComponent(d.number)}`}>
                {d.number}
              </Anchor>
            ),
          },
          {
            key: 'client',
            title: t('deals.client'),
            render: (d) => (
              <Anchor component={Link} to={`/lending/clients/${d.clientId}`}>
                {d.clientName}
              </Anchor>
            ),
          },
          { key: 'phone', title: t('deals.phone'), render: (d) => d.phone },
          { key: 'status', title: t('deals.status'), render: (d) => d.status },
          {
            key: 'amount',
            title: t('deals.amount'),
            sort: 'amount',
            align: 'right',
            render: (d) => money(d.amount, 'RUB'),
          },
          { key: 'term', title: t('deals.term'), align: 'right', render: (d) => d.termDays },
          { key: 'product', title: t('deals.product'), render: (d) => d.product },
          {
            key: 'createdAt',
            title: t('deals.createdAt'),
            sort: 'createdAt',
            render: (d) => dateTime(d.createdAt),
          },
        ]}
      />
    </>
  );
}
