import { Anchor, Title } from '@mantine/core';
import { Link } from 'react-router';
import type { AgentItem } from '../../api-modules.ts';
import { DataTable } from '../../components/DataTable.tsx';
import { useI18n } from '../../i18n.tsx';

export function AgentsPage() {
  const { t, money } = useI18n();
  return (
    <>
      <Title order={2} mb="md">
        {t('agents.title')}
      </Title>
      <DataTable<AgentItem>
        endpoint="/processing/agents"
        caption={t('agents.title')}
        defaultSort="id"
        rowKey={(a) => a.id}
        filters={[{ name: 'q', label: t('agents.q'), type: 'text' }]}
        columns={[
          {
            key: 'login',
            title: t('agents.login'),
            sort: 'login',
            render: (a) => (
              <Anchor component={Link} to={`/processing/agents/${a.id}`}>
                {a.login}
              </Anchor>
            ),
          },
          { key: 'name', title: t('agents.name'), render: (a) => a.name },
          {
            key: 'balance',
            title: t('agents.balance'),
            sort: 'balance',
            align: 'right',
            render: (a) => money(a.balance, a.currency),
          },
          {
            key: 'available',
            title: t('agents.available'),
            align: 'right',
            render: (a) => money(a.available, a.currency),
          },
          {
            key: 'overdraft',
            title: t('agents.overdraft'),
            align: 'right',
            render: (a) => money(a.overdraft, a.currency),
          },
          { key: 'tokens', title: t('agents.tokensAwaiting'), align: 'right', render: (a) => a.tokens },
        ]}
      />
    </>
  );
}
