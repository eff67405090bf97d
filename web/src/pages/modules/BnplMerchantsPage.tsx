import { Alert, Loader, Title } from '@mantine/core';
import { modulesApi } from '../../api-modules.ts';
import { SimpleTable } from '../../components/Facts.tsx';
import { useI18n } from '../../i18n.tsx';
import { useList } from '../../use-list.ts';

/** BNPL merchants, read-only: they are created and rotated with `kopek bnpl merchant-create`. */
export function BnplMerchantsPage() {
  const { t, dateTime } = useI18n();
  const { items, error } = useList(modulesApi.bnplMerchants);
  return (
    <>
      <Title order={2} mb="md">
        {t('merchants.title')}
      </Title>
      {error && (
        <Alert color="red" role="alert">
          {error}
        </Alert>
      )}
      {!items && !error && <Loader aria-label={t('common.loading')} />}
      {items && (
        <SimpleTable
          caption={t('merchants.title')}
          testId="bnpl-merchants"
          rows={items}
          rowKey={(m) => m.id}
          empty={t('common.empty')}
          columns={[
            { title: t('merchants.code'), render: (m) => m.code },
            { title: t('merchants.name'), render: (m) => m.name },
            { title: t('merchants.active'), render: (m) => (m.active ? t('common.yes') : t('common.no')) },
            { title: t('merchants.sessions'), align: 'right', render: (m) => m.sessions },
            { title: t('merchants.approved'), align: 'right', render: (m) => m.approved },
            { title: t('deals.createdAt'), render: (m) => dateTime(m.createdAt) },
          ]}
        />
      )}
    </>
  );
}
