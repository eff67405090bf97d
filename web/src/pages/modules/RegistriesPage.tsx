import { Anchor, Title } from '@mantine/core';
import { modulesApi, type RegistryItem } from '../../api-modules.ts';
import { DataTable } from '../../components/DataTable.tsx';
import { useI18n } from '../../i18n.tsx';

export function RegistriesPage() {
  const { t, dateTime } = useI18n();
  return (
    <>
      <Title order={2} mb="md">
        {t('registries.title')}
      </Title>
      <DataTable<RegistryItem>
        endpoint="/broker/registries"
        caption={t('registries.title')}
        defaultSort="-id"
        rowKey={(r) => r.id}
        filters={[
          { name: 'date', label: t('registries.date'), type: 'text' },
          {
            name: 'ownerType',
            label: t('registries.ownerType'),
            type: 'select',
            options: [
              { value: 'partner', label: t('forms.partner') },
              { value: 'lender', label: t('forms.lender') },
            ],
          },
        ]}
        columns={[
          { key: 'date', title: t('registries.date'), sort: 'businessDate', render: (r) => r.businessDate },
          { key: 'owner', title: t('registries.owner'), render: (r) => r.owner },
          { key: 'file', title: t('registries.file'), render: (r) => r.fileName },
          { key: 'rows', title: t('registries.rows'), align: 'right', render: (r) => r.rows },
          {
            key: 'delivered',
            title: t('registries.delivered'),
            render: (r) => (r.deliveredAt ? dateTime(r.deliveredAt) : (r.deliveryError ?? '—')),
          },
          {
            key: 'download',
            title: t('registries.download'),
            render: (r) => (
              <Anchor
                href={modulesApi.registryUrl(r.id)}
                download={r.fileName}
                aria-label={`${t('registries.download')} ${r.fileName}`}
              >
                {t('registries.download')}
              </Anchor>
            ),
          },
        ]}
      />
    </>
  );
}
