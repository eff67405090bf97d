import { Alert, Anchor, Code, Loader, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { ApiError } from '../../api.ts';
import { type ProcessingPaymentCard, processingLogApi } from '../../api-processing-log.ts';
import { Facts, SimpleTable } from '../../components/Facts.tsx';
import { useI18n } from '../../i18n.tsx';

/** A processing transaction: its state and every exchange Kopek had with the provider about it. */
export function ProcessingPaymentCardPage() {
  const { id = '' } = useParams();
  const { t, money, dateTime } = useI18n();
  const [card, setCard] = useState<ProcessingPaymentCard | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setCard(null);
    setError(null);
    processingLogApi
      .payment(id)
      .then(setCard)
      .catch((e: unknown) => setError(e instanceof ApiError ? e.message : String(e)));
  }, [id]);
  if (!card)
    return error ? (
      <Alert color="red" role="alert">
        {error}
      </Alert>
    ) : (
      <Loader aria-label={t('common.loading')} />
    );
  const p = card.payment;
  const yesNo = (v: boolean) => (v ? t('common.yes') : t('common.no'));
  return (
    <>
      <Anchor component={Link} to="/processing/payments" size="sm">
        ← {t('common.back')}
      </Anchor>
      <Title order={2} my="md">
        {t('ppay.card', { id: p.id })}
      </Title>
      <Facts
        facts={[
          [
            t('ppay.agent'),
            <Anchor key="agent" component={Link} to={`/processing/agents/${p.agentId}`}>
              {p.agent}
            </Anchor>,
          ],
          [t('ppay.agentTxn'), p.agentTxnId],
          [t('ppay.agentTxnDate'), p.agentTxnDate],
          [t('ppay.service'), p.service],
          [t('ppay.account'), p.account],
          [t('deals.amount'), money(p.amount)],
          [t('ppay.amountFrom'), money(p.amountFrom)],
          [t('ppay.commission'), money(p.commission)],
          [t('ppay.result'), `${p.result} — ${p.message}`],
          [t('ppay.final'), yesNo(p.final)],
          [t('ppay.held'), yesNo(p.held)],
          [t('ppay.providerTxn'), p.providerTxnId ?? '—'],
          [t('ppay.attempts'), String(p.attempts)],
          [t('deals.createdAt'), dateTime(p.createdAt)],
          [t('ppay.statusAt'), p.statusAt ? dateTime(p.statusAt) : '—'],
          [t('ppay.nextAttempt'), p.nextAttemptAt ? dateTime(p.nextAttemptAt) : '—'],
        ]}
      />
      <Title order={3} size="h4" mb="xs">
        {t('ppay.exchanges')}
      </Title>
      <Text size="sm" mb="sm">
        {t('ppay.exchangesNote')}
      </Text>
      <SimpleTable
        caption={t('ppay.exchanges')}
        testId="provider-exchanges"
        rows={card.exchanges}
        rowKey={(e) => e.id}
        empty={t('common.empty')}
        columns={[
          { title: t('deals.createdAt'), render: (e) => dateTime(e.startedAt) },
          { title: t('ppay.command'), render: (e) => e.command },
          {
            title: t('ppay.sent'),
            render: (e) => (
              <Code>
                {e.url}?
                {Object.entries(e.params)
                  .flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => `${k}=${x}`))
                  .join('&')}
              </Code>
            ),
          },
          { title: 'HTTP', render: (e) => e.httpStatus ?? '—' },
          { title: t('ppay.providerCode'), render: (e) => e.providerCode ?? '—' },
          { title: t('ppay.result'), render: (e) => e.result },
          { title: t('ppay.answer'), render: (e) => e.error ?? e.comment ?? '' },
          { title: t('ppay.duration'), align: 'right', render: (e) => e.durationMs },
          {
            title: t('ppay.rawBody'),
            render: (e) =>
              e.body ? (
                <details>
                  <summary>{t('ppay.rawBody')}</summary>
                  <Code block>{e.body}</Code>
                </details>
              ) : (
                '—'
              ),
          },
        ]}
      />
    </>
  );
}
