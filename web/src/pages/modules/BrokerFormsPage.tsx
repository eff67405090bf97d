import { Anchor, Title } from '@mantine/core';
import { Link } from 'react-router';
import type { FormItem } from '../../api-modules.ts';
import { DataTable } from '../../components/DataTable.tsx';
import { useI18n } from '../../i18n.tsx';

const FORM_STATUSES = [
  'collecting',
  'offers',
  'declined',
  'error',
  'offer_confirmed',
  'issued',
  'issue_declined',
  'cancelled',
];

export function BrokerFormsPage() {
  const { t, money, dateTime } = useI18n();
  return (
    <>
      <Title order={2} mb="md">
        {t('forms.title')}
      </Title>
      <DataTable<FormItem>
        endpoint="/broker/forms"
        caption={t('forms.title')}
        defaultSort="-id"
        rowKey={(f) => f.id}
        filters={[
          { name: 'q', label: t('forms.q'), type: 'text' },
          {
            name: 'status',
            label: t('deals.status'),
            type: 'select',
            options: FORM_STATUSES.map((s) => ({ value: s, label: s })),
          },
        ]}
        columns={[
          {
            key: 'guid',
            title: 'GUID',
            render: (f) => (
              <Anchor component={Link} to={`/broker/forms/${f.id}`}>
                {f.guid.slice(0, 8)}…
              </Anchor>
            ),
          },
          { key: 'partner', title: t('forms.partner'), render: (f) => f.partner },
          { key: 'point', title: t('forms.point'), render: (f) => f.point },
          { key: 'kind', title: t('forms.kind'), render: (f) => f.kind },
          {
            key: 'amount',
            title: t('deals.amount'),
            sort: 'amount',
            align: 'right',
            render: (f) => money(f.amount, 'RUB'),
          },
          { key: 'status', title: t('deals.status'), render: (f) => f.status },
          { key: 'offers', title: t('forms.offers'), align: 'right', render: (f) => f.offers },
          {
            key: 'createdAt',
            title: t('deals.createdAt'),
            sort: 'createdAt',
            render: (f) => dateTime(f.createdAt),
          },
        ]}
      />
    </>
  );
}
