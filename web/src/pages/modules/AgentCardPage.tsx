import { Alert, Anchor, Button, Group, Loader, Paper, TextInput, Title } from '@mantine/core';
import { useCallback, useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { ApiError } from '../../api.ts';
import { type AgentCard, modulesApi } from '../../api-modules.ts';
import { useAuth } from '../../auth.tsx';
import { Facts, SimpleTable } from '../../components/Facts.tsx';
import { useI18n } from '../../i18n.tsx';
import { AgentWebhookLog } from './AgentWebhookLog.tsx';

export function AgentCardPage() {
  const { id = '' } = useParams();
  const { t, money, dateTime } = useI18n();
  const { can } = useAuth();
  const [card, setCard] = useState<AgentCard | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  // One idempotency key per filled-in form: a double click or a retry tops up once.
  const [topupKey, setTopupKey] = useState(() => crypto.randomUUID());
  const [ip, setIp] = useState('');
  const fail = useCallback(
    (e: unknown) => setMessage({ ok: false, text: e instanceof ApiError ? e.message : String(e) }),
    [],
  );
  useEffect(() => {
    setCard(null);
    modulesApi.agent(id).then(setCard).catch(fail);
  }, [id, fail]);
  if (!card)
    return message ? (
      <Alert color="red" role="alert">
        {message.text}
      </Alert>
    ) : (
      <Loader aria-label={t('common.loading')} />
    );
  const a = card.agent;
  const change = (token: string, action: 'confirm' | 'revoke') =>
    modulesApi
      .token(id, token, action)
      .then((next) => {
        setCard(next);
        setMessage({ ok: true, text: t('deal.done') });
      })
      .catch(fail);
  const topup = () =>
    modulesApi
      .topup(id, { amount: amount.trim().replace(',', '.'), reason: reason.trim(), key: topupKey })
      .then((next) => {
        setCard(next);
        setMessage({
          ok: true,
          text: t('agents.topupDone', { amount: money(amount.trim().replace(',', '.'), a.currency) }),
        });
        setAmount('');
        setReason('');
        setTopupKey(crypto.randomUUID());
      })
      .catch(fail);
  const editIp = (value: string, remove: boolean) =>
    modulesApi
      .agentIp(id, value, remove)
      .then((next) => {
        setCard(next);
        setMessage({ ok: true, text: t('deal.done') });
        if (!remove) setIp('');
      })
      .catch(fail);
  const manage = can('processing.agents.manage');
  return (
    <>
      <Anchor component={Link} to="/processing/agents" size="sm">
        ← {t('common.back')}
      </Anchor>
      <Title order={2} my="md">
        {t('agents.card', { login: a.login })}
      </Title>
      {message && (
        <Alert color={message.ok ? 'green' : 'red'} role={message.ok ? 'status' : 'alert'} mb="md">
          {message.text}
        </Alert>
      )}
      <Facts
        facts={[
          [t('agents.name'), a.name],
          [t('agents.balance'), money(a.balance, a.currency)],
          [t('agents.available'), money(a.available, a.currency)],
          [t('agents.reserved'), money(card.reserved, a.currency)],
          [t('agents.overdraft'), money(a.overdraft, a.currency)],
          [t('agents.ips'), card.ips.length ? card.ips.join(', ') : t('agents.anyIp')],
        ]}
      />
      {manage && (
        <Paper withBorder p="md" mb="lg">
          <Title order={3} size="h4" mb="sm">
            {t('agents.topup')}
          </Title>
          <Group align="end">
            <TextInput
              label={t('agents.topupAmount')}
              value={amount}
              onChange={(e) => setAmount(e.currentTarget.value)}
              placeholder="1500.00"
            />
            <TextInput
              label={t('agents.topupReason')}
              value={reason}
              onChange={(e) => setReason(e.currentTarget.value)}
              style={{ flex: 1 }}
            />
            <Button onClick={topup} disabled={!amount.trim() || !reason.trim()}>
              {t('agents.topup')}
            </Button>
          </Group>
          <Title order={3} size="h4" my="sm">
            {t('agents.ips')}
          </Title>
          <Group gap="xs" mb="sm">
            {card.ips.length === 0 && t('agents.anyIp')}
            {card.ips.map((value) => (
              <Button
                key={value}
                size="xs"
                variant="default"
                onClick={() => editIp(value, true)}
                aria-label={`${t('agents.ipRemove')} ${value}`}
              >
                {value} ✕
              </Button>
            ))}
          </Group>
          <Group align="end">
            <TextInput
              label={t('agents.ipValue')}
              value={ip}
              onChange={(e) => setIp(e.currentTarget.value)}
            />
            <Button variant="default" onClick={() => editIp(ip.trim(), false)} disabled={!ip.trim()}>
              {t('agents.ipAdd')}
            </Button>
          </Group>
        </Paper>
      )}
      <Title order={3} size="h4" mb="sm">
        {t('agents.tokens')}
      </Title>
      <SimpleTable
        caption={t('agents.tokens')}
        testId="agent-tokens"
        rows={card.tokens}
        rowKey={(k) => k.id}
        empty={t('common.empty')}
        columns={[
          { title: t('agents.token'), render: (k) => k.id },
          { title: t('agents.tokenStatus'), render: (k) => k.statusTitle },
          { title: t('deals.createdAt'), render: (k) => dateTime(k.createdAt) },
          {
            title: t('deal.actions'),
            render: (k) =>
              manage && k.status !== 'revoked' ? (
                <Group gap="xs">
                  {k.status === 'awaiting_confirmation' && (
                    <Button size="xs" onClick={() => change(k.id, 'confirm')}>
                      {t('agents.confirm')}
                    </Button>
                  )}
                  <Button size="xs" variant="default" onClick={() => change(k.id, 'revoke')}>
                    {t('agents.revoke')}
                  </Button>
                </Group>
              ) : null,
          },
        ]}
      />
      <AgentWebhookLog agentId={id} />
    </>
  );
}
