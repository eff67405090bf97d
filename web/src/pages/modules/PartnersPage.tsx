import {
  Alert,
  Anchor,
  Button,
  Code,
  Group,
  Loader,
  NumberInput,
  Paper,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import { Link } from 'react-router';
import { ApiError } from '../../api.ts';
import { brokerWalletApi } from '../../api-broker-wallet.ts';
import { modulesApi } from '../../api-modules.ts';
import { useAuth } from '../../auth.tsx';
import { Facts, SimpleTable } from '../../components/Facts.tsx';
import { type MessageKey, useI18n } from '../../i18n.tsx';
import { useList } from '../../use-list.ts';

/** The broker's partners and their points; `broker.partners.write` adds partners here (points on the card). */
export function PartnersPage() {
  const { t, dateTime } = useI18n();
  const { can } = useAuth();
  const { items, error, reload } = useList(modulesApi.partners);
  const yesNo = (v: boolean) => (v ? t('common.yes') : t('common.no'));
  return (
    <>
      <Title order={2} mb="md">
        {t('partners.title')}
      </Title>
      {can('broker.partners.write') && <NewPartnerForm onCreated={reload} />}
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
            <Anchor
              component={Link}
              to={`/broker/partners/${p.id}`}
              aria-label={t('partners.open', { name: p.name })}
            >
              {p.name}
            </Anchor>
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
              { title: t('forms.kind'), render: (x) => t(`partners.kind.${x.kind}` as MessageKey) },
              { title: t('partners.active'), render: (x) => yesNo(x.active) },
              { title: t('partners.users'), align: 'right', render: (x) => x.users },
            ]}
          />
        </section>
      ))}
    </>
  );
}

/** A new partner; the token comes back once and is shown until the next form. */
function NewPartnerForm({ onCreated }: { onCreated(): void }) {
  const { t } = useI18n();
  const [guid, setGuid] = useState('');
  const [name, setName] = useState('');
  const [deadline, setDeadline] = useState<number | string>(30000);
  const [registryUrl, setRegistryUrl] = useState('');
  // One key per filled-in form: a double submit creates one partner (and shows the token once).
  const [key, setKey] = useState(() => crypto.randomUUID());
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string; token?: string | null } | null>(null);
  const submit = () => {
    setBusy(true);
    brokerWalletApi
      .createPartner({
        guid: guid.trim(),
        name: name.trim(),
        offerDeadlineMs: Number(deadline),
        registryUrl: registryUrl.trim() || null,
        key,
      })
      .then((answer) => {
        setResult({
          ok: true,
          text: t('partners.created', { name: answer.card.partner.name }),
          token: answer.token,
        });
        setGuid('');
        setName('');
        setRegistryUrl('');
        setKey(crypto.randomUUID());
        onCreated();
      })
      .catch((e: unknown) => setResult({ ok: false, text: e instanceof ApiError ? e.message : String(e) }))
      .finally(() => setBusy(false));
  };
  return (
    <Paper withBorder p="md" mb="lg" component="section" aria-label={t('partners.create')}>
      <Title order={3} size="h4" mb="sm">
        {t('partners.create')}
      </Title>
      {result && (
        <Alert color={result.ok ? 'green' : 'red'} role={result.ok ? 'status' : 'alert'} mb="md">
          {result.text}
          {result.ok && result.token && (
            <>
              <Text size="sm" mt="xs">
                {t('partners.tokenOnce')}
              </Text>
              <Code block data-testid="partner-token">
                {result.token}
              </Code>
            </>
          )}
          {result.ok && result.token === null && (
            <Text size="sm" mt="xs">
              {t('partners.tokenRepeat')}
            </Text>
          )}
        </Alert>
      )}
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!busy) submit();
        }}
      >
        <Group align="flex-end">
          <TextInput
            label={t('partners.guid')}
            required
            value={guid}
            onChange={(e) => setGuid(e.currentTarget.value)}
          />
          <TextInput
            label={t('partners.name')}
            required
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
          />
          <NumberInput
            label={t('partners.deadline')}
            min={100}
            max={3600000}
            step={1000}
            value={deadline}
            onChange={setDeadline}
          />
          <TextInput
            label={t('partners.registryUrl')}
            type="url"
            value={registryUrl}
            onChange={(e) => setRegistryUrl(e.currentTarget.value)}
          />
          <Button type="submit" loading={busy} disabled={guid.trim() === '' || name.trim() === ''}>
            {t('partners.create')}
          </Button>
        </Group>
      </form>
    </Paper>
  );
}
