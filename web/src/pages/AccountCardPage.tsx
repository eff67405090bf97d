import { Alert, Anchor, Badge, Button, Loader, Paper, SimpleGrid, Table, Text, Title } from '@mantine/core';
import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { type AccountCard, ApiError, api } from '../api.ts';
import { type MessageKey, useI18n } from '../i18n.tsx';

const STATUS_KEYS: Record<string, MessageKey> = {
  posted: 'ledger.status.posted',
  pending: 'ledger.status.pending',
  voided: 'ledger.status.voided',
  expired: 'ledger.status.expired',
};

export function AccountCardPage() {
  const { id = '' } = useParams();
  const { t, money, dateTime } = useI18n();
  const [card, setCard] = useState<AccountCard | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setCard(null);
    api
      .account(id)
      .then(setCard)
      .catch((e: unknown) => setError(e instanceof ApiError ? e.message : String(e)));
  }, [id]);
  const more = () => {
    if (!card?.nextBefore) return;
    api
      .account(id, card.nextBefore)
      .then((next) => setCard({ ...next, history: [...card.history, ...next.history] }))
      .catch((e: unknown) => setError(e instanceof ApiError ? e.message : String(e)));
  };
  if (error)
    return (
      <Alert color="red" role="alert">
        {error}
      </Alert>
    );
  if (!card) return <Loader aria-label={t('common.loading')} />;
  const a = card.account;
  const facts: Array<[string, string]> = [
    [t('ledger.id'), a.id],
    [t('ledger.kind'), a.kind],
    [t('ledger.owner'), `${a.ownerType}:${a.ownerId}`],
    [t('ledger.currency'), a.currency],
    [t('ledger.balance'), money(a.balance, a.currency)],
    [t('ledger.available'), money(a.available, a.currency)],
    [t('ledger.pendingDebits'), money(a.pendingDebits, a.currency)],
    [t('ledger.pendingCredits'), money(a.pendingCredits, a.currency)],
    [t('ledger.lowerBound'), a.lowerBound === null ? t('ledger.noBound') : money(a.lowerBound, a.currency)],
    [t('ledger.upperBound'), a.upperBound === null ? t('ledger.noBound') : money(a.upperBound, a.currency)],
    [t('ledger.createdAt'), dateTime(a.createdAt)],
  ];
  return (
    <>
      <Anchor component={Link} to="/ledger/accounts" size="sm">
        ← {t('common.back')}
      </Anchor>
      <Title order={2} my="md" data-testid="account-title">
        {t('ledger.card', { code: a.code })}
      </Title>
      <Paper withBorder p="md" mb="lg">
        <SimpleGrid cols={{ base: 1, sm: 2, md: 3 }} component="dl" spacing="xs">
          {facts.map(([label, value]) => (
            <div key={label}>
              <Text component="dt" size="sm">
                {label}
              </Text>
              <Text component="dd" fw={600} m={0}>
                {value}
              </Text>
            </div>
          ))}
        </SimpleGrid>
      </Paper>
      <Title order={3} size="h4" mb="sm">
        {t('ledger.history')}
      </Title>
      <Paper withBorder p="md">
        <Table.ScrollContainer minWidth={700}>
          <Table striped>
            <Table.Caption c="gray.8">{t('ledger.history')}</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('ledger.entry.at')}</Table.Th>
                <Table.Th>{t('ledger.entry.kind')}</Table.Th>
                <Table.Th>{t('ledger.entry.status')}</Table.Th>
                <Table.Th ta="right">{t('ledger.entry.amount')}</Table.Th>
                <Table.Th>{t('ledger.entry.description')}</Table.Th>
                <Table.Th>{t('ledger.entry.key')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {card.history.map((h) => (
                <Table.Tr key={h.entryId}>
                  <Table.Td>{dateTime(h.createdAt)}</Table.Td>
                  <Table.Td>{h.kind}</Table.Td>
                  <Table.Td>
                    <Badge variant="outline" color={h.status === 'posted' ? 'dark' : 'gray.8'}>
                      {STATUS_KEYS[h.status] ? t(STATUS_KEYS[h.status]!) : h.status}
                    </Badge>
                  </Table.Td>
                  <Table.Td ta="right" fw={h.amount.startsWith('-') ? 400 : 600}>
                    {money(h.amount, a.currency)}
                  </Table.Td>
                  <Table.Td>{h.description ?? ''}</Table.Td>
                  <Table.Td>
                    <Text size="xs" ff="monospace">
                      {h.key}
                    </Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
        {card.history.length === 0 && <Text>{t('common.empty')}</Text>}
        {card.nextBefore && (
          <Button variant="default" mt="md" onClick={more}>
            {t('common.more')}
          </Button>
        )}
      </Paper>
    </>
  );
}
