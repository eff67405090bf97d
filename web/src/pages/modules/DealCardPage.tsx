import {
  Alert,
  Anchor,
  Badge,
  Button,
  Checkbox,
  Group,
  Loader,
  Paper,
  Select,
  TextInput,
  Title,
} from '@mantine/core';
import { useCallback, useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { ApiError } from '../../api.ts';
import { type DealCard, modulesApi } from '../../api-modules.ts';
import { Facts, SimpleTable } from '../../components/Facts.tsx';
import { type MessageKey, useI18n } from '../../i18n.tsx';

type Action = 'approve' | 'decline' | 'review' | 'issue' | 'repay' | 'reverse' | 'refund';

const ACTION_KEYS: Record<Action, MessageKey> = {
  approve: 'deal.approve',
  decline: 'deal.decline',
  review: 'deal.review',
  issue: 'deal.issue',
  repay: 'deal.repay',
  reverse: 'deal.reverse',
  refund: 'deal.refund',
};

/** A fresh transaction id for a payment typed in the console: unique per submission, kept on a retry. */
function newTxnId(): string {
  return `console-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

export function DealCardPage() {
  const { number = '' } = useParams();
  const { t, money, dateTime } = useI18n();
  const [card, setCard] = useState<DealCard | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [action, setAction] = useState<Action | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const fail = useCallback(
    (e: unknown) => setMessage({ ok: false, text: e instanceof ApiError ? e.message : String(e) }),
    [],
  );
  useEffect(() => {
    setCard(null);
    modulesApi.deal(number).then(setCard).catch(fail);
  }, [number, fail]);

  const open = (a: Action, payment = '') => {
    setAction(a);
    setMessage(null);
    setFields(
      a === 'repay'
        ? { amount: '', service: 'cash-desk', txnId: newTxnId() }
        : { reason: '', ref: '', payment, method: 'external', card: card?.cards[0]?.id ?? '' },
    );
  };
  const run = (promise: Promise<DealCard>) => {
    setBusy(true);
    promise
      .then((next) => {
        setCard(next);
        setAction(null);
        setMessage({ ok: true, text: t('deal.done') });
      })
      .catch(fail)
      .finally(() => setBusy(false));
  };
  const submit = () => {
    if (!action) return;
    if (action === 'issue')
      run(
        fields.method === 'card'
          ? modulesApi.issue(number, { method: 'card', card: fields.card ?? '' })
          : modulesApi.issue(number, { method: 'external', ref: fields.ref ?? '' }),
      );
    else if (action === 'refund')
      run(modulesApi.refund(number, { card: fields.card ?? '', reason: fields.reason ?? '' }));
    else if (action === 'repay')
      run(
        modulesApi.repay(number, {
          amount: (fields.amount ?? '').replace(',', '.').replace(/^(\d+)$/, '$1.00'),
          service: fields.service ?? '',
          txnId: fields.txnId ?? '',
          ...(fields.early ? { early: true } : {}),
        }),
      );
    else if (action === 'reverse') run(modulesApi.reverse(number, fields.payment ?? '', fields.reason ?? ''));
    else run(modulesApi.decide(number, { decision: action, reason: fields.reason ?? '' }));
  };

  if (!card)
    return message ? (
      <Alert color="red" role="alert">
        {message.text}
      </Alert>
    ) : (
      <Loader aria-label={t('common.loading')} />
    );
  const d = card.deal;
  const pending = card.payouts.some((p) => p.method === 'card' && p.status === 'pending');
  const cardSelect = (
    <Select
      key="card"
      label={t('deal.card')}
      name="card"
      w={260}
      value={fields.card || null}
      allowDeselect={false}
      placeholder={card.cards.length === 0 ? t('deal.noCards') : undefined}
      data={card.cards.map((c) => ({ value: c.id, label: `${c.masked} ${c.holder}` }))}
      onChange={(v) => setFields({ ...fields, card: v ?? '' })}
    />
  );
  const field = (name: string, label: string) => (
    <TextInput
      key={name}
      label={label}
      name={name}
      value={fields[name] ?? ''}
      onChange={(e) => setFields({ ...fields, [name]: e.currentTarget.value })}
      w={260}
    />
  );
  return (
    <>
      <Anchor component={Link} to="/lending/deals" size="sm">
        ← {t('common.back')}
      </Anchor>
      <Group my="md" gap="sm">
        <Title order={2} data-testid="deal-title">
          {t('deal.title', { number: d.number })}
        </Title>
        <Badge size="lg" variant="outline" color="dark" data-testid="deal-status">
          {d.status}
        </Badge>
      </Group>
      {message && (
        <Alert color={message.ok ? 'green' : 'red'} role={message.ok ? 'status' : 'alert'} mb="md">
          {message.text}
        </Alert>
      )}
      {pending && (
        <Alert color="yellow" role="status" mb="md" data-testid="payout-pending">
          {t('deal.payoutPending')}
        </Alert>
      )}
      {(card.actions.length > 0 || action) && (
        <Paper withBorder p="md" mb="lg" aria-label={t('deal.actions')} component="section">
          <Group gap="sm">
            {[...new Set(card.actions)]
              .filter((a): a is Action => a in ACTION_KEYS && a !== 'reverse')
              .map((a) => (
                <Button key={a} variant={action === a ? 'filled' : 'default'} onClick={() => open(a)}>
                  {t(ACTION_KEYS[a])}
                </Button>
              ))}
          </Group>
          {action && (
            <form
              aria-label={`${t(ACTION_KEYS[action])} ${fields.payment ?? ''}`.trim()}
              onSubmit={(e) => {
                e.preventDefault();
                submit();
              }}
            >
              <Group align="end" gap="sm" mt="md">
                {action === 'issue'
                  ? [
                      <Select
                        key="method"
                        label={t('deal.issueMethod')}
                        name="method"
                        w={260}
                        value={fields.method ?? 'external'}
                        allowDeselect={false}
                        data={[
                          { value: 'external', label: t('deal.method.external') },
                          { value: 'card', label: t('deal.method.card') },
                        ]}
                        onChange={(v) => setFields({ ...fields, method: v ?? 'external' })}
                      />,
                      fields.method === 'card' ? cardSelect : field('ref', t('deal.issueRef')),
                    ]
                  : action === 'refund'
                    ? [cardSelect, field('reason', t('deal.reason'))]
                    : action === 'repay'
                      ? [
                          field('amount', t('deal.repayAmount')),
                          field('service', t('deal.repayService')),
                          field('txnId', t('deal.repayTxn')),
                          <Checkbox
                            key="early"
                            mb={8}
                            label={t('deal.early')}
                            checked={Boolean(fields.early)}
                            onChange={(e) =>
                              setFields({ ...fields, early: e.currentTarget.checked ? 'yes' : '' })
                            }
                          />,
                        ]
                      : field('reason', t('deal.reason'))}
                <Button type="submit" loading={busy}>
                  {t(ACTION_KEYS[action])}
                </Button>
                <Button variant="default" onClick={() => setAction(null)}>
                  {t('common.cancel')}
                </Button>
              </Group>
            </form>
          )}
        </Paper>
      )}
      <Facts
        facts={[
          [
            t('deal.client'),
            <Anchor key="c" component={Link} to={`/lending/clients/${card.client.id}`}>
              {card.client.name}
            </Anchor>,
          ],
          [t('deal.birthDate'), card.client.birthDate],
          [t('deals.phone'), card.client.phone],
          [t('deal.passport'), card.client.passportMasked],
          [t('deals.product'), `${d.product.code} — ${d.product.name}`],
          [t('deals.amount'), money(d.amount, 'RUB')],
          [t('deals.term'), String(d.termDays)],
          [t('deal.psk'), d.pskPercent ? `${d.pskPercent} %` : t('deal.none')],
          [t('deal.source'), d.source],
          [
            t('deal.scoring'),
            d.scoringDecision
              ? `${d.scoringDecision}${d.scoringReasons.length ? `: ${d.scoringReasons.map((r) => r.text).join('; ')}` : ''}`
              : t('deal.none'),
          ],
          [t('deal.decisionReason'), d.decisionReason ?? t('deal.none')],
          [t('deal.contractDate'), d.contractDate ?? t('deal.none')],
          [t('deals.issueDate'), d.issueDate ?? t('deal.none')],
        ]}
      />
      {card.debt && (
        <>
          <Title order={3} size="h4" mb="sm">
            {t('deal.debt', { date: card.debt.asOf })}
          </Title>
          <div data-testid="deal-debt">
            <Facts
              facts={[
                [t('deal.totalDebt'), money(card.debt.totalDebt, 'RUB')],
                [t('deal.principalLeft'), money(card.debt.principalLeft, 'RUB')],
                [t('deal.interest'), money(card.debt.interest, 'RUB')],
                [t('deal.currentDue'), money(card.debt.currentDue, 'RUB')],
                [t('deal.overdueDue'), money(card.debt.overdueDue, 'RUB')],
                [t('deal.dpd'), String(card.debt.daysPastDue)],
                [t('deal.penalties'), money(card.debt.penalties, 'RUB')],
                [t('deal.accountBalance'), money(card.debt.accountBalance, 'RUB')],
              ]}
            />
          </div>
        </>
      )}
      <Title order={3} size="h4" mb="sm">
        {t('deal.schedule')} ({t('deal.scheduleVersions', { n: card.scheduleVersions })})
      </Title>
      <SimpleTable
        caption={t('deal.schedule')}
        testId="deal-schedule"
        rows={card.schedule}
        rowKey={(l) => String(l.n)}
        empty={t('common.empty')}
        columns={[
          { title: t('deal.n'), render: (l) => l.n },
          { title: t('deal.dueDate'), render: (l) => l.dueDate },
          { title: t('deal.principal'), align: 'right', render: (l) => money(l.principal, 'RUB') },
          { title: t('deal.interest'), align: 'right', render: (l) => money(l.interest, 'RUB') },
          { title: t('deal.total'), align: 'right', render: (l) => money(l.total, 'RUB') },
          { title: t('deal.principalAfter'), align: 'right', render: (l) => money(l.principalAfter, 'RUB') },
        ]}
      />
      <Title order={3} size="h4" mb="sm">
        {t('deal.payments')}
      </Title>
      <SimpleTable
        caption={t('deal.payments')}
        testId="deal-payments"
        rows={card.payments}
        rowKey={(p) => p.number}
        empty={t('common.empty')}
        columns={[
          { title: t('deal.paymentNumber'), render: (p) => p.number },
          { title: t('deal.dueDate'), render: (p) => p.date },
          { title: t('deals.amount'), align: 'right', render: (p) => money(p.amount, 'RUB') },
          { title: t('deal.service'), render: (p) => p.service },
          { title: t('deal.txnId'), render: (p) => p.txnId },
          {
            title: t('deal.actions'),
            render: (p) =>
              p.reversed ? (
                t('deal.reversed')
              ) : card.actions.includes('reverse') ? (
                <Button size="xs" variant="default" onClick={() => open('reverse', p.number)}>
                  {t('deal.reverse')}
                </Button>
              ) : null,
          },
        ]}
      />
      {card.payouts.length > 0 && (
        <>
          <Title order={3} size="h4" mb="sm">
            {t('deal.payouts')}
          </Title>
          <SimpleTable
            caption={t('deal.payouts')}
            testId="deal-payouts"
            rows={card.payouts}
            rowKey={(p) => p.id}
            empty={t('common.empty')}
            columns={[
              {
                title: t('deal.payoutPurpose'),
                render: (p) =>
                  p.purpose === 'refund' ? t('deal.payoutPurpose.refund') : t('deal.payoutPurpose.issue'),
              },
              { title: t('deal.payoutMethod'), render: (p) => (p.card ? `${p.method} ${p.card}` : p.method) },
              { title: t('deals.amount'), align: 'right', render: (p) => money(p.amount, 'RUB') },
              {
                title: t('deal.payoutStatus'),
                render: (p) =>
                  t(
                    (
                      {
                        pending: 'deal.payoutStatus.pending',
                        exported: 'deal.payoutStatus.exported',
                        done: 'deal.payoutStatus.done',
                        failed: 'deal.payoutStatus.failed',
                      } as const
                    )[p.status as 'pending'] ?? 'deal.payoutStatus.pending',
                  ),
              },
              { title: t('deal.payoutRef'), render: (p) => p.ref ?? p.error ?? '' },
            ]}
          />
        </>
      )}
      <Title order={3} size="h4" mb="sm">
        {t('deal.history')}
      </Title>
      <SimpleTable
        caption={t('deal.history')}
        rows={card.history}
        rowKey={(h) => `${h.at}-${h.to}`}
        empty={t('common.empty')}
        columns={[
          { title: t('deal.at'), render: (h) => dateTime(h.at) },
          { title: t('deal.from'), render: (h) => h.from ?? '—' },
          { title: t('deal.to'), render: (h) => h.to },
          { title: t('deal.actor'), render: (h) => h.actor },
          { title: t('deal.reason'), render: (h) => h.reason ?? '' },
        ]}
      />
      <Title order={3} size="h4" mb="sm">
        {t('deal.files')}
      </Title>
      <SimpleTable
        caption={t('deal.files')}
        rows={card.files}
        rowKey={(f) => f.id}
        empty={t('deal.none')}
        columns={[
          { title: t('forms.kind'), render: (f) => f.kind },
          { title: t('registries.file'), render: (f) => f.filename },
          { title: t('deal.fileSize'), align: 'right', render: (f) => `${f.size} B` },
        ]}
      />
    </>
  );
}
