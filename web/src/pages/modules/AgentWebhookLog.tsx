import { Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { ApiError } from '../../api.ts';
import { type AgentWebhookLog as Log, processingLogApi } from '../../api-processing-log.ts';
import { SimpleTable } from '../../components/Facts.tsx';
import { useI18n } from '../../i18n.tsx';

/** The agent card's log of webhook delivery attempts (status code, duration, error, attempt). */
export function AgentWebhookLog({ agentId }: { agentId: string }) {
  const { t, dateTime } = useI18n();
  const [log, setLog] = useState<Log | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    processingLogApi
      .webhooks(agentId)
      .then(setLog)
      .catch((e: unknown) => setError(e instanceof ApiError ? e.message : String(e)));
  }, [agentId]);
  return (
    <>
      <Title order={3} size="h4" mb="xs">
        {t('agents.webhooks')}
      </Title>
      <Text size="sm" mb="sm">
        {error ?? (log ? t('agents.webhooksNote', { days: log.retentionDays }) : t('common.loading'))}
      </Text>
      <SimpleTable
        caption={t('agents.webhooks')}
        testId="agent-webhooks"
        rows={log?.items ?? []}
        rowKey={(d) => d.id}
        empty={t('common.empty')}
        columns={[
          { title: t('deals.createdAt'), render: (d) => dateTime(d.at) },
          { title: t('agents.webhookEvent'), render: (d) => d.event },
          { title: t('agents.webhookAttempt'), align: 'right', render: (d) => d.attempt },
          { title: t('agents.webhookStatus'), render: (d) => d.statusCode ?? '—' },
          {
            title: t('agents.webhookDelivered'),
            render: (d) => (d.delivered ? t('common.yes') : t('common.no')),
          },
          { title: t('ppay.duration'), align: 'right', render: (d) => d.durationMs },
          { title: t('agents.webhookError'), render: (d) => d.error ?? '' },
        ]}
      />
    </>
  );
}
