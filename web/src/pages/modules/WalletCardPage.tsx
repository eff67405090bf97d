import { Alert, Anchor, Loader, Title } from '@mantine/core';
import { Link, useParams } from 'react-router';
import { brokerWalletApi } from '../../api-broker-wallet.ts';
import { Facts, SimpleTable } from '../../components/Facts.tsx';
import { type MessageKey, useI18n } from '../../i18n.tsx';
import { useLoad } from '../../use-list.ts';

/** One wallet: balance, holds, the owner's data check, its latest payments (all of them on the payments list). */
export function WalletCardPage() {
  const { id = '' } = useParams();
  const { t, money, dateTime } = useI18n();
  const { data: card, error } = useLoad(() => brokerWalletApi.wallet(id), [id]);
  if (error)
    return (
      <Alert color="red" role="alert">
        {error}
      </Alert>
    );
  if (!card) return <Loader aria-label={t('common.loading')} />;
  const rub = (v: string) => money(v, 'RUB');
  return (
    <>
      <Anchor component={Link} to="/wallet/wallets" size="sm">
        ← {t('common.back')}
      </Anchor>
      <Title order={2} my="md">
        {t('wallet.card', { id: card.id })}
      </Title>
      <Facts
        facts={[
          [t('deals.phone'), card.phone],
          [t('deals.status'), card.status],
          [t('deals.createdAt'), dateTime(card.createdAt)],
          [t('wallet.activatedAt'), card.activatedAt ? dateTime(card.activatedAt) : '—'],
          [t('agents.balance'), rub(card.balance)],
          [t('wallet.holds'), rub(card.holds)],
          [t('wallet.available'), rub(card.available)],
          [t('wallets.kyc'), t(`wallets.kyc.${card.kyc.state ?? 'none'}` as MessageKey)],
          [t('wallets.owner'), card.kyc.name ?? '—'],
          [t('wallet.decidedAt'), card.kyc.decidedAt ? dateTime(card.kyc.decidedAt) : '—'],
          ...(card.kyc.rejectReason
            ? ([[t('wallet.rejectReason'), card.kyc.rejectReason]] as [string, string][])
            : []),
        ]}
      />
      <SimpleTable
        caption={t('wallet.payments', { n: card.payments.total })}
        rows={card.payments.latest}
        rowKey={(p) => p.id}
        empty={t('common.empty')}
        columns={[
          { title: t('ledger.id'), render: (p) => p.id },
          { title: t('walletPayments.service'), render: (p) => `${p.serviceName} (${p.service})` },
          { title: t('deals.amount'), align: 'right', render: (p) => rub(p.amount) },
          {
            title: t('walletPayments.state'),
            render: (p) => t(`walletPayments.state.${p.state}` as MessageKey),
          },
          { title: t('deals.createdAt'), render: (p) => dateTime(p.createdAt) },
        ]}
      />
      <Anchor component={Link} to={`/wallet/payments?wallet=${encodeURIComponent(card.id)}`}>
        {t('wallet.allPayments')}
      </Anchor>
    </>
  );
}
