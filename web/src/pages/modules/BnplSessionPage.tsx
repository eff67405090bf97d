import { Alert, Anchor, Button, Loader, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { ApiError } from '../../api.ts';
import { type BnplSessionCard, modulesApi } from '../../api-modules.ts';
import { useAuth } from '../../auth.tsx';
import { Facts, SimpleTable } from '../../components/Facts.tsx';
import { useI18n } from '../../i18n.tsx';

export function BnplSessionPage() {
  const { id = '' } = useParams();
  const { t, money, dateTime } = useI18n();
  const [card, setCard] = useState<BnplSessionCard | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<{ ok: boolean; text: string } | null>(null);
  const { can } = useAuth();
  useEffect(() => {
    modulesApi
      .bnplSession(id)
      .then(setCard)
      .catch((e: unknown) => setError(e instanceof ApiError ? e.message : String(e)));
  }, [id]);
  if (error)
    return (
      <Alert color="red" role="alert">
        {error}
      </Alert>
    );
  if (!card) return <Loader aria-label={t('common.loading')} />;
  const s = card.session;
  const resend = (callback: string) =>
    modulesApi
      .resendCallback(id, callback)
      .then((next) => {
        setCard(next);
        setNotice({ ok: true, text: t('bnpl.resent') });
      })
      .catch((e: unknown) => setNotice({ ok: false, text: e instanceof ApiError ? e.message : String(e) }));
  return (
    <>
      <Anchor component={Link} to="/bnpl/sessions" size="sm">
        ← {t('common.back')}
      </Anchor>
      <Title order={2} my="md">
        {t('bnpl.card', { id: s.id })}
      </Title>
      {notice && (
        <Alert color={notice.ok ? 'green' : 'red'} role={notice.ok ? 'status' : 'alert'} mb="md">
          {notice.text}
        </Alert>
      )}
      <Facts
        facts={[
          [t('bnpl.merchant'), s.merchant],
          [t('bnpl.order'), s.orderId],
          [t('deals.amount'), money(s.amount, 'RUB')],
          [t('bnpl.state'), s.state],
          [t('bnpl.step'), s.step],
          [
            t('bnpl.deal'),
            s.dealNumber ? (
              <Anchor key="d" component={Link} to={`/lending/deals/${encodeURIComponent(s.dealNumber)}`}>
                {s.dealNumber}
              </Anchor>
            ) : (
              '—'
            ),
          ],
          [t('deal.reason'), s.declineReason ?? '—'],
          [t('deals.createdAt'), dateTime(s.createdAt)],
        ]}
      />
      <Title order={3} size="h4" mb="sm">
        {t('bnpl.history')}
      </Title>
      <SimpleTable
        caption={t('bnpl.history')}
        rows={card.history}
        rowKey={(h) => `${h.at}-${h.to}`}
        empty={t('common.empty')}
        columns={[
          { title: t('deal.at'), render: (h) => dateTime(h.at) },
          { title: t('deal.from'), render: (h) => h.from ?? '—' },
          { title: t('deal.to'), render: (h) => h.to },
          { title: t('deal.reason'), render: (h) => h.reason ?? '' },
        ]}
      />
      <Title order={3} size="h4" mb="sm">
        {t('bnpl.refunds')}
      </Title>
      <SimpleTable
        caption={t('bnpl.refunds')}
        rows={card.refunds}
        rowKey={(r) => r.id}
        empty={t('common.empty')}
        columns={[
          { title: t('deal.at'), render: (r) => dateTime(r.createdAt) },
          { title: t('bnpl.refundKind'), render: (r) => r.kind },
          { title: t('deals.amount'), align: 'right', render: (r) => money(r.amount, 'RUB') },
          { title: t('bnpl.payment'), render: (r) => r.paymentNumber ?? '—' },
        ]}
      />
      <Title order={3} size="h4" mb="sm">
        {t('bnpl.callbacks')}
      </Title>
      <SimpleTable
        caption={t('bnpl.callbacks')}
        rows={card.callbacks}
        rowKey={(c) => c.id}
        empty={t('common.empty')}
        columns={[
          { title: t('bnpl.kind'), render: (c) => c.kind },
          { title: t('bnpl.url'), render: (c) => c.url },
          { title: t('deals.status'), render: (c) => c.status },
          {
            title: t('bnpl.attempts'),
            render: (c) =>
              c.attempts
                .map((a) => `#${a.attempt}: ${a.httpStatus ?? a.error ?? '—'}, ${a.durationMs} ms`)
                .join('; '),
          },
          {
            title: t('deal.actions'),
            render: (c) =>
              can('bnpl.manage') && c.status !== 'pending' ? (
                <Button size="xs" variant="default" onClick={() => resend(c.id)}>
                  {t('bnpl.resend')}
                </Button>
              ) : null,
          },
        ]}
      />
    </>
  );
}
