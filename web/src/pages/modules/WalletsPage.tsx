import { Alert, Anchor, Button, Group, Modal, Stack, Textarea, Title } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'react-router';
import { ApiError } from '../../api.ts';
import { modulesApi, type WalletItem } from '../../api-modules.ts';
import { useAuth } from '../../auth.tsx';
import { DataTable } from '../../components/DataTable.tsx';
import { type MessageKey, useI18n } from '../../i18n.tsx';

const KYC = ['data_entered', 'rejected', 'data_verified', 'none'] as const;

export function WalletsPage() {
  const { t, money, dateTime } = useI18n();
  const { can } = useAuth();
  const [refresh, setRefresh] = useState(0);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [rejecting, setRejecting] = useState<string | null>(null);
  const [reason, setReason] = useState('');
  const fail = (e: unknown) => setMessage({ ok: false, text: e instanceof ApiError ? e.message : String(e) });
  const reject = (id: string) =>
    modulesApi
      .rejectWallet(id, reason)
      .then(() => {
        setMessage({ ok: true, text: t('wallets.rejected', { id }) });
        setRejecting(null);
        setReason('');
        setRefresh((n) => n + 1);
      })
      .catch((e: unknown) => {
        setRejecting(null);
        fail(e);
      });
  const verify = (id: string) =>
    modulesApi
      .verifyWallet(id)
      .then(() => {
        setMessage({ ok: true, text: t('wallets.verified', { id }) });
        setRefresh((n) => n + 1);
      })
      .catch(fail);
  return (
    <>
      <Title order={2} mb="md">
        {t('wallets.title')}
      </Title>
      {message && (
        <Alert color={message.ok ? 'green' : 'red'} role={message.ok ? 'status' : 'alert'} mb="md">
          {message.text}
        </Alert>
      )}
      <DataTable<WalletItem>
        endpoint="/wallet/wallets"
        caption={t('wallets.title')}
        defaultSort="-id"
        refresh={refresh}
        rowKey={(w) => w.id}
        filters={[
          {
            name: 'kyc',
            label: t('wallets.kyc'),
            type: 'select',
            options: KYC.map((k) => ({ value: k, label: t(`wallets.kyc.${k}` as MessageKey) })),
          },
          { name: 'phone', label: t('wallets.phone'), type: 'text' },
        ]}
        columns={[
          {
            key: 'id',
            title: t('ledger.id'),
            sort: 'id',
            render: (w) => (
              <Anchor component={Link} to={`/wallet/wallets/${w.id}`}>
                {w.id}
              </Anchor>
            ),
          },
          { key: 'phone', title: t('deals.phone'), render: (w) => w.phone },
          { key: 'owner', title: t('wallets.owner'), render: (w) => w.name ?? '—' },
          { key: 'status', title: t('deals.status'), render: (w) => w.status },
          {
            key: 'kyc',
            title: t('wallets.kyc'),
            render: (w) => t(`wallets.kyc.${w.kyc ?? 'none'}` as MessageKey),
          },
          {
            key: 'balance',
            title: t('agents.balance'),
            sort: 'balance',
            align: 'right',
            render: (w) => money(w.balance, 'RUB'),
          },
          {
            key: 'createdAt',
            title: t('deals.createdAt'),
            sort: 'createdAt',
            render: (w) => dateTime(w.createdAt),
          },
          {
            key: 'actions',
            title: t('deal.actions'),
            render: (w) =>
              (w.kyc === 'data_entered' || w.kyc === 'rejected') && can('wallet.kyc') ? (
                <Group gap="xs">
                  <Button
                    size="xs"
                    onClick={() => verify(w.id)}
                    aria-label={`${t('wallets.verify')} ${w.id}`}
                  >
                    {t('wallets.verify')}
                  </Button>
                  {w.kyc === 'data_entered' && (
                    <Button
                      size="xs"
                      color="red"
                      variant="light"
                      onClick={() => setRejecting(w.id)}
                      aria-label={`${t('wallets.reject')} ${w.id}`}
                    >
                      {t('wallets.reject')}
                    </Button>
                  )}
                </Group>
              ) : null,
          },
        ]}
      />
      <Modal
        opened={rejecting !== null}
        onClose={() => setRejecting(null)}
        closeButtonProps={{ 'aria-label': t('common.cancel') }}
        title={t('wallets.rejectTitle', { id: rejecting ?? '' })}
      >
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (rejecting) void reject(rejecting);
          }}
        >
          <Stack>
            <Textarea
              label={t('wallets.rejectReason')}
              required
              maxLength={500}
              value={reason}
              onChange={(e) => setReason(e.currentTarget.value)}
            />
            <Button type="submit" color="red" disabled={reason.trim() === ''}>
              {t('wallets.reject')}
            </Button>
          </Stack>
        </form>
      </Modal>
    </>
  );
}
