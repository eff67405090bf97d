import { Alert, Loader, Text, Title } from '@mantine/core';
import { modulesApi } from '../../api-modules.ts';
import { Facts, SimpleTable } from '../../components/Facts.tsx';
import { useI18n } from '../../i18n.tsx';
import { useList } from '../../use-list.ts';

/** The broker's partners and their points, read-only (`kopek broker partner-create`, demo seed). */
export function PartnersPage() {
  const { t, dateTime } = useI18n();
  const { items, error } = useList(modulesApi.partners);
  const yesNo = (v: boolean) => (v ? t('common.yes') : t('common.no'));
  return (
    <>
      <Title order={2} mb="md">
        {t('partners.title')}
      </Title>
      {error && (
        <Alert color="red" role="alert">
          {error}
        </Alert>
      )}
      {!items && !error && <Loader aria-label={t('common.loading')} />}
      {items?.length === 0 && <Text>{t('common.empty')}</Text>}
      {items?.map((p) => (
        <section key={p.id} aria-label={p.name}>
          <Title order={3} size="h4" mt="lg" mb="sm">
            {p.name}
          </Title>
          <Facts
            facts={[
              ['partner_guid', p.guid],
              [t('partners.active'), yesNo(p.active)],
              [t('partners.deadline'), String(p.offerDeadlineMs)],
              [t('partners.registryUrl'), p.registryUrl ?? '—'],
              [t('deals.createdAt'), dateTime(p.createdAt)],
            ]}
          />
          <SimpleTable
            caption={t('partners.points', { name: p.name })}
            rows={p.points}
            rowKey={(x) => x.id}
            empty={t('common.empty')}
            columns={[
              { title: t('partners.code'), render: (x) => x.code },
              { title: t('partners.pointName'), render: (x) => x.name },
              { title: t('forms.kind'), render: (x) => x.kind },
              { title: t('partners.active'), render: (x) => yesNo(x.active) },
              { title: t('partners.users'), align: 'right', render: (x) => x.users },
            ]}
          />
        </section>
      ))}
    </>
  );
}
