import { Alert, Anchor, Button, Group, Loader, Text, Title } from '@mantine/core';
import { useCallback, useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { ApiError } from '../../api.ts';
import { type ClientCard, modulesApi } from '../../api-modules.ts';
import { useAuth } from '../../auth.tsx';
import { Facts, SimpleTable } from '../../components/Facts.tsx';
import { useI18n } from '../../i18n.tsx';

export function ClientCardPage() {
  const { id = '' } = useParams();
  const { t, money } = useI18n();
  const { can } = useAuth();
  const [card, setCard] = useState<ClientCard | null>(null);
  const [passport, setPassport] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const fail = useCallback((e: unknown) => setError(e instanceof ApiError ? e.message : String(e)), []);
  useEffect(() => {
    setCard(null);
    setPassport(null);
    modulesApi.client(id).then(setCard).catch(fail);
  }, [id, fail]);
  if (error && !card)
    return (
      <Alert color="red" role="alert">
        {error}
      </Alert>
    );
  if (!card) return <Loader aria-label={t('common.loading')} />;
  const reveal = () =>
    modulesApi
      .clientPassport(id)
      .then((p) =>
        setPassport([p.passport, p.issueDate, p.issuer, p.divisionCode].filter(Boolean).join(', ')),
      )
      .catch(fail);
  return (
    <>
      <Anchor component={Link} to="/lending/deals" size="sm">
        ← {t('common.back')}
      </Anchor>
      <Title order={2} my="md">
        {t('client.title', { name: card.name })}
      </Title>
      {error && (
        <Alert color="red" role="alert" mb="md">
          {error}
        </Alert>
      )}
      <Facts
        facts={[
          [t('deal.birthDate'), card.birthDate],
          [t('deals.phone'), card.phone],
          [t('client.email'), card.email ?? t('deal.none')],
          [
            t('deal.passport'),
            <Group key="p" gap="xs">
              <span data-testid="passport">{passport ?? card.passportMasked}</span>
              {!passport && can('clients.pii') && (
                <Button size="xs" variant="default" onClick={reveal}>
                  {t('client.showPassport')}
                </Button>
              )}
            </Group>,
          ],
          [t('client.blacklisted'), card.blacklisted ? t('common.yes') : t('common.no')],
          [t('client.bannedUntil'), card.bannedUntil ?? t('deal.none')],
        ]}
      />
      {passport && (
        <Text size="sm" mb="md" role="status">
          {t('client.passportAudited')}
        </Text>
      )}
      <Title order={3} size="h4" mb="sm">
        {t('client.deals')}
      </Title>
      <SimpleTable
        caption={t('client.deals')}
        rows={card.deals}
        rowKey={(d) => d.id}
        empty={t('common.empty')}
        columns={[
          {
            title: t('deals.number'),
            render: (d) => (
              <Anchor component={Link} to={`/lending/deals/${encodeURIComponent(d.number)}`}>
                {d.number}
              </Anchor>
            ),
          },
          { title: t('deals.status'), render: (d) => d.status },
          { title: t('deals.amount'), align: 'right', render: (d) => money(d.amount, 'RUB') },
          { title: t('deals.product'), render: (d) => d.product },
        ]}
      />
    </>
  );
}
