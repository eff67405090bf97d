import { Alert, Loader, Text, Title } from '@mantine/core';
import { modulesApi } from '../../api-modules.ts';
import { SimpleTable } from '../../components/Facts.tsx';
import { useI18n } from '../../i18n.tsx';
import { useList } from '../../use-list.ts';

/** Low-balance webhooks to processing agents that are not delivered yet (queued, retrying, failed). */
export function WebhooksPage() {
  const { t, money, dateTime } = useI18n();
  const { items, error } = useList(modulesApi.webhooks);
  return (
    <>
      <Title order={2} mb="md">
        {t('webhooks.title')}
      </Title>
      <Text size="sm" mb="md">
        {t('webhooks.hint')}
      </Text>
      {error && (
        <Alert color="red" role="alert">
          {error}
        </Alert>
      )}
      {!items && !error && <Loader aria-label={t('common.loading')} />}
      {items && (
        <SimpleTable
          caption={t('webhooks.title')}
          testId="processing-webhooks"
          rows={items}
          rowKey={(w) => w.jobId}
          empty={t('common.empty')}
          columns={[
            { title: t('webhooks.agent'), render: (w) => w.agent ?? w.agentId },
            {
              title: t('webhooks.available'),
              align: 'right',
              render: (w) => (w.available ? money(w.available, 'RUB') : '—'),
            },
            {
              title: t('webhooks.threshold'),
              align: 'right',
              render: (w) => (w.notification ? money(w.notification, 'RUB') : '—'),
            },
            {
              title: t('sms.status'),
              render: (w) => t(`webhooks.state.${w.state}` as 'webhooks.state.queued'),
            },
            { title: t('sms.attempts'), align: 'right', render: (w) => `${w.attempts} / ${w.maxAttempts}` },
            { title: t('sms.error'), render: (w) => w.lastError ?? '' },
            { title: t('webhooks.runAt'), render: (w) => dateTime(w.runAt) },
          ]}
        />
      )}
    </>
  );
}
