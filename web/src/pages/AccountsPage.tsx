import { Anchor, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { type AccountFacets, type AccountItem, api } from '../api.ts';
import { DataTable } from '../components/DataTable.tsx';
import { useI18n } from '../i18n.tsx';

export function AccountsPage() {
  const { t, money, dateTime } = useI18n();
  const [facets, setFacets] = useState<AccountFacets>({ currencies: [], kinds: [] });
  useEffect(() => {
    api
      .accountFacets()
      .then(setFacets)
      .catch(() => undefined);
  }, []);
  return (
    <>
      <Title order={2} mb="md">
        {t('ledger.title')}
      </Title>
      <DataTable<AccountItem>
        endpoint="/ledger/accounts"
        caption={t('ledger.title')}
        defaultSort="id"
        rowKey={(a) => a.id}
        filters={[
          { name: 'q', label: t('ledger.q'), type: 'text' },
          {
            name: 'currency',
            label: t('ledger.currency'),
            type: 'select',
            options: facets.currencies.map((c) => ({ value: c, label: c })),
          },
          {
            name: 'kind',
            label: t('ledger.kind'),
            type: 'select',
            options: facets.kinds.map((k) => ({ value: k, label: k })),
          },
          { name: 'ownerType', label: t('ledger.owner'), type: 'text' },
        ]}
        columns={[
          { key: 'id', title: t('ledger.id'), sort: 'id', render: (a) => a.id },
          {
            key: 'code',
            title: t('ledger.code'),
            sort: 'code',
            render: (a) => (
              <Anchor component={Link} to={`/ledger/accounts/${a.id}`}>
                {a.code}
              </Anchor>
            ),
          },
          { key: 'kind', title: t('ledger.kind'), sort: 'kind', render: (a) => a.kind },
          { key: 'owner', title: t('ledger.owner'), render: (a) => `${a.ownerType}:${a.ownerId}` },
          { key: 'currency', title: t('ledger.currency'), sort: 'currency', render: (a) => a.currency },
          {
            key: 'balance',
            title: t('ledger.balance'),
            sort: 'balance',
            align: 'right',
            render: (a) => money(a.balance, a.currency),
          },
          {
            key: 'available',
            title: t('ledger.available'),
            align: 'right',
            render: (a) => money(a.available, a.currency),
          },
          {
            key: 'createdAt',
            title: t('ledger.createdAt'),
            sort: 'createdAt',
            render: (a) => dateTime(a.createdAt),
          },
        ]}
      />
    </>
  );
}
