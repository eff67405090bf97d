import { Anchor, Title } from '@mantine/core';
import { Link } from 'react-router';
import type { WalletPaymentItem } from '../../api-broker-wallet.ts';
import { DataTable } from '../../components/DataTable.tsx';
import { type MessageKey, useI18n } from '../../i18n.tsx';

export const WALLET_PAYMENT_STATES = [
  'checking',
  'input',
  'ready',
  'paying',
  'finished',
  'canceled',
] as const;

/** Payments of every wallet: by wallet, state, service and Moscow dates; each row links to its wallet's card. */
export function WalletPaymentsPage() {
  const { t, money, dateTime } = useI18n();
  return (
    <>
      <Title order={2} mb="md">
        {t('walletPayments.title')}
      </Title>
      <DataTable<WalletPaymentItem>
        endpoint="/wallet/payments"
        caption={t('walletPayments.title')}
        defaultSort="-id"
        rowKey={(p) => p.id}
        filters={[
          { name: 'wallet', label: t('walletPayments.wallet'), type: 'text' },
          {
            name: 'state',
            label: t('walletPayments.state'),
            type: 'select',
            options: WALLET_PAYMENT_STATES.map((s) => ({
              value: s,
              label: t(`walletPayments.state.${s}` as MessageKey),
            })),
          },
          { name: 'service', label: t('walletPayments.service'), type: 'text' },
          { name: 'from', label: t('walletPayments.from'), type: 'text' },
          { name: 'to', label: t('walletPayments.to'), type: 'text' },
        ]}
        columns={[
          { key: 'id', title: t('ledger.id'), sort: 'id', render: (p) => p.id },
          {
            key: 'wallet',
            title: t('walletPayments.wallet'),
            render: (p) => (
              <Anchor component={Link} to={`/wallet/wallets/${p.walletId}`}>
                {p.walletId} ({p.phone})
              </Anchor>
            ),
          },
          {
            key: 'service',
            title: t('walletPayments.service'),
            render: (p) => `${p.serviceName} (${p.service})`,
          },
          {
            key: 'amount',
            title: t('deals.amount'),
            sort: 'amount',
            align: 'right',
            render: (p) => money(p.amount, 'RUB'),
          },
          {
            key: 'fee',
            title: t('walletPayments.fee'),
            align: 'right',
            render: (p) => (p.fee === null ? '—' : money(p.fee, 'RUB')),
          },
          {
            key: 'state',
            title: t('walletPayments.state'),
            render: (p) => t(`walletPayments.state.${p.state}` as MessageKey),
          },
          {
            key: 'result',
            title: t('walletPayments.result'),
            render: (p) => (p.result === null ? '—' : `${p.result}${p.message ? ` ${p.message}` : ''}`),
          },
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
