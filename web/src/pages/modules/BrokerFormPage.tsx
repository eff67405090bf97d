import { Alert, Anchor, Loader, Title } from '@mantine/core';
import { Link, useParams } from 'react-router';
import { modulesApi } from '../../api-modules.ts';
import { Facts, SimpleTable } from '../../components/Facts.tsx';
import { useI18n } from '../../i18n.tsx';
import { useLoad } from '../../use-list.ts';

export function BrokerFormPage() {
  const { id = '' } = useParams();
  const { t, money, dateTime } = useI18n();
  const { data: card, error } = useLoad(() => modulesApi.form(id), [id]);
  if (error)
    return (
      <Alert color="red" role="alert">
        {error}
      </Alert>
    );
  if (!card) return <Loader aria-label={t('common.loading')} />;
  const f = card.form;
  const dash = (v: string | null) => v ?? '—';
  return (
    <>
      <Anchor component={Link} to="/broker/forms" size="sm">
        ← {t('common.back')}
      </Anchor>
      <Title order={2} my="md">
        {t('forms.card', { guid: f.guid })}
      </Title>
      <Facts
        facts={[
          [t('forms.partner'), f.partner],
          [t('forms.point'), f.point],
          [t('forms.kind'), f.kind],
          [t('deals.amount'), money(f.amount, 'RUB')],
          [t('deals.status'), f.status],
          [t('forms.offerStatus'), f.offerStatus],
          [t('deals.createdAt'), dateTime(f.createdAt)],
        ]}
      />
      <Title order={3} size="h4" mb="sm">
        {t('forms.lenders')}
      </Title>
      <SimpleTable
        caption={t('forms.lenders')}
        rows={card.lenders}
        rowKey={(l) => l.lender}
        empty={t('common.empty')}
        columns={[
          { title: t('forms.lender'), render: (l) => l.lender },
          { title: t('deals.status'), render: (l) => l.status },
          { title: t('forms.detail'), render: (l) => dash(l.detail) },
        ]}
      />
      <Title order={3} size="h4" mb="sm">
        {t('forms.offers')}
      </Title>
      <SimpleTable
        caption={t('forms.offers')}
        rows={card.offers}
        rowKey={(o) => o.guid}
        empty={t('common.empty')}
        columns={[
          { title: t('forms.lender'), render: (o) => o.lender },
          { title: t('forms.offerName'), render: (o) => dash(o.name) },
          {
            title: t('deals.amount'),
            align: 'right',
            render: (o) => (o.amount ? money(o.amount, 'RUB') : '—'),
          },
          {
            title: t('forms.totalCost'),
            align: 'right',
            render: (o) => (o.totalCost ? money(o.totalCost, 'RUB') : '—'),
          },
          { title: t('deals.status'), render: (o) => dash(o.status) },
          { title: t('forms.contract'), render: (o) => dash(o.contractStatus) },
          { title: t('forms.signing'), render: (o) => dash(o.signingStatus) },
          { title: t('forms.payment'), render: (o) => dash(o.paymentStatus) },
          { title: t('forms.issue'), render: (o) => dash(o.issueStatus) },
        ]}
      />
      <Title order={3} size="h4" mb="sm">
        {t('forms.scans')}
      </Title>
      <SimpleTable
        caption={t('forms.scans')}
        testId="form-scans"
        rows={card.scans}
        rowKey={(x) => x.type}
        empty={t('common.empty')}
        columns={[
          { title: t('forms.scanType'), render: (x) => x.type },
          { title: t('deals.status'), render: (x) => x.status },
          { title: t('forms.declineReason'), render: (x) => dash(x.declineReason) },
          { title: t('forms.updatedAt'), render: (x) => dateTime(x.updatedAt) },
        ]}
      />
    </>
  );
}
