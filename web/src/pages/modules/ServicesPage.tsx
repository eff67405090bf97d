import { Alert, Loader, Title } from '@mantine/core';
import { modulesApi } from '../../api-modules.ts';
import { SimpleTable } from '../../components/Facts.tsx';
import { type MessageKey, useI18n } from '../../i18n.tsx';
import { useList } from '../../use-list.ts';

/** The processing service catalogue, read-only: it changes by file import (`kopek service import`). */
export function ServicesPage() {
  const { t, money } = useI18n();
  const { items, error } = useList(modulesApi.services);
  return (
    <>
      <Title order={2} mb="md">
        {t('services.title')}
      </Title>
      {error && (
        <Alert color="red" role="alert">
          {error}
        </Alert>
      )}
      {!items && !error && <Loader aria-label={t('common.loading')} />}
      {items && (
        <SimpleTable
          caption={t('services.title')}
          testId="processing-services"
          rows={items}
          rowKey={(s) => s.id}
          empty={t('common.empty')}
          columns={[
            { title: t('services.id'), render: (s) => s.id },
            { title: t('services.name'), render: (s) => s.name },
            { title: t('services.group'), render: (s) => s.group ?? '—' },
            { title: t('services.type'), render: (s) => t(`services.type${s.type}` as MessageKey) },
            {
              title: t('services.limits'),
              align: 'right',
              render: (s) => `${money(s.minAmount, s.currency)} – ${money(s.maxAmount, s.currency)}`,
            },
            {
              title: t('services.commission'),
              align: 'right',
              render: (s) =>
                `${(s.commissionBp / 100).toFixed(2)}% + ${money(s.commissionFixed, s.currency)}`,
            },
            { title: t('services.enabled'), render: (s) => (s.enabled ? t('common.yes') : t('common.no')) },
          ]}
        />
      )}
    </>
  );
}
