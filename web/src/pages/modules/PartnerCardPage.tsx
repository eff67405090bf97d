import {
  Alert,
  Anchor,
  Button,
  Checkbox,
  Code,
  Group,
  Loader,
  NumberInput,
  Paper,
  Select,
  Switch,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { ApiError } from '../../api.ts';
import { brokerWalletApi, type PartnerCard } from '../../api-broker-wallet.ts';
import { useAuth } from '../../auth.tsx';
import { Facts, SimpleTable } from '../../components/Facts.tsx';
import { type MessageKey, useI18n } from '../../i18n.tsx';
import { useLoad } from '../../use-list.ts';

const KINDS = ['pos_offline', 'pos_online', 'bnpl'] as const;
type Point = PartnerCard['points'][number];

/** A partner with its points, their operators and its routes; editable with `broker.partners.write`. */
export function PartnerCardPage() {
  const { id = '' } = useParams();
  const { t, dateTime } = useI18n();
  const { can } = useAuth();
  const { data: card, error, set } = useLoad(() => brokerWalletApi.partner(id), [id]);
  const [message, setMessage] = useState<{ ok: boolean; text: string; token?: string | null } | null>(null);
  const [tokenKey, setTokenKey] = useState(() => crypto.randomUUID());
  const write = can('broker.partners.write');
  const fail = (e: unknown) => setMessage({ ok: false, text: e instanceof ApiError ? e.message : String(e) });
  /** Runs a change whose answer is the new card. */
  const apply = (change: Promise<PartnerCard>) =>
    change
      .then((next) => {
        set(next);
        setMessage({ ok: true, text: t('partners.saved') });
        return true;
      })
      .catch((e: unknown) => {
        fail(e);
        return false;
      });
  if (error)
    return (
      <Alert color="red" role="alert">
        {error}
      </Alert>
    );
  if (!card) return <Loader aria-label={t('common.loading')} />;
  const p = card.partner;
  const yesNo = (v: boolean) => (v ? t('common.yes') : t('common.no'));
  const rotate = () =>
    brokerWalletApi
      .rotateToken(p.id, tokenKey)
      .then((answer) => {
        setMessage({ ok: true, text: t('partners.saved'), token: answer.token });
        setTokenKey(crypto.randomUUID());
      })
      .catch(fail);
  return (
    <>
      <Anchor component={Link} to="/broker/partners" size="sm">
        ← {t('common.back')}
      </Anchor>
      <Title order={2} my="md">
        {t('partners.card', { name: p.name })}
      </Title>
      {message && (
        <Alert color={message.ok ? 'green' : 'red'} role={message.ok ? 'status' : 'alert'} mb="md">
          {message.text}
          {message.token && (
            <>
              <Text size="sm" mt="xs">
                {t('partners.tokenOnce')}
              </Text>
              <Code block data-testid="partner-token">
                {message.token}
              </Code>
            </>
          )}
        </Alert>
      )}
      <Facts
        facts={[
          ['partner_guid', p.guid],
          [t('partners.active'), yesNo(p.active)],
          [t('partners.deadline'), String(p.offerDeadlineMs)],
          [t('partners.registryUrl'), p.registryUrl ?? '—'],
          [t('deals.createdAt'), dateTime(p.createdAt)],
        ]}
      />
      {write && (
        <>
          <PartnerForm key={`${p.id}:${p.guid}:${p.name}:${p.active}`} card={card} onSave={apply} />
          <Paper withBorder p="md" mb="lg">
            <Group>
              <Button variant="default" onClick={() => void rotate()}>
                {t('partners.rotate')}
              </Button>
              <Text size="sm">{t('partners.rotateHint')}</Text>
            </Group>
          </Paper>
        </>
      )}
      {card.points.map((point) => (
        <PointSection key={point.id} point={point} write={write} onSave={apply} />
      ))}
      {write && <NewPointForm partnerId={p.id} onSave={apply} />}
      <SimpleTable
        caption={t('partners.routes')}
        rows={card.routes}
        rowKey={(r) => r.lender}
        empty={t('common.empty')}
        columns={[
          {
            title: t('partners.lender'),
            render: (r) => `${r.lenderName} (${r.lender})${r.lenderActive ? '' : ' ✕'}`,
          },
          ...(['pos', 'bnpl'] as const).map((kind) => ({
            title: t(`partners.route.${kind}` as MessageKey),
            render: (r: PartnerCard['routes'][number]) => (
              <Checkbox
                checked={r[kind] === true}
                disabled={!write}
                aria-label={t('partners.route.toggle', { lender: r.lender, kind })}
                onChange={(e) =>
                  void apply(
                    brokerWalletApi.route(p.id, { lender: r.lender, kind, enabled: e.currentTarget.checked }),
                  )
                }
              />
            ),
          })),
        ]}
      />
    </>
  );
}

function PartnerForm({
  card,
  onSave,
}: {
  card: PartnerCard;
  onSave(change: Promise<PartnerCard>): Promise<boolean>;
}) {
  const { t } = useI18n();
  const p = card.partner;
  const [guid, setGuid] = useState(p.guid);
  const [name, setName] = useState(p.name);
  const [deadline, setDeadline] = useState<number | string>(p.offerDeadlineMs);
  const [registryUrl, setRegistryUrl] = useState(p.registryUrl ?? '');
  const [active, setActive] = useState(p.active);
  return (
    <Paper withBorder p="md" mb="lg" component="section" aria-label={t('partners.edit')}>
      <Title order={3} size="h4" mb="sm">
        {t('partners.edit')}
      </Title>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void onSave(
            brokerWalletApi.updatePartner(p.id, {
              guid: guid.trim(),
              name: name.trim(),
              offerDeadlineMs: Number(deadline),
              registryUrl: registryUrl.trim() || null,
              active,
            }),
          );
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
            value={deadline}
            onChange={setDeadline}
          />
          <TextInput
            label={t('partners.registryUrl')}
            type="url"
            value={registryUrl}
            onChange={(e) => setRegistryUrl(e.currentTarget.value)}
          />
          <Switch
            label={t('partners.active')}
            checked={active}
            onChange={(e) => setActive(e.currentTarget.checked)}
          />
          <Button type="submit">{t('common.save')}</Button>
        </Group>
      </form>
    </Paper>
  );
}

function PointSection(props: {
  point: Point;
  write: boolean;
  onSave(change: Promise<PartnerCard>): Promise<boolean>;
}) {
  const { t } = useI18n();
  const { point, write, onSave } = props;
  const [code, setCode] = useState('');
  const [name, setName] = useState('');
  const title = `${point.code} — ${point.name} (${t(`partners.kind.${point.kind}` as MessageKey)})`;
  return (
    <section aria-label={point.code}>
      <Group justify="space-between" mt="lg" mb="xs">
        <Title order={3} size="h5">
          {title}
          {point.active ? '' : ` — ${t('partners.deactivate').toLowerCase()}`}
        </Title>
        {write && (
          <Button
            size="xs"
            variant="light"
            color={point.active ? 'red' : 'green'}
            onClick={() => void onSave(brokerWalletApi.updatePoint(point.id, { active: !point.active }))}
            aria-label={`${point.active ? t('partners.deactivate') : t('partners.activate')} ${point.code}`}
          >
            {point.active ? t('partners.deactivate') : t('partners.activate')}
          </Button>
        )}
      </Group>
      <SimpleTable
        caption={`${t('partners.operators')}: ${point.code}`}
        rows={point.users}
        rowKey={(u) => u.code}
        empty={t('common.empty')}
        columns={[
          { title: t('partners.operatorCode'), render: (u) => u.code },
          { title: t('partners.operatorName'), render: (u) => u.name },
          ...(write
            ? [
                {
                  title: t('deal.actions'),
                  render: (u: Point['users'][number]) => (
                    <Button
                      size="xs"
                      variant="subtle"
                      color="red"
                      onClick={() =>
                        void onSave(brokerWalletApi.pointUser(point.id, { code: u.code, remove: true }))
                      }
                    >
                      {t('partners.removeOperator', { code: u.code })}
                    </Button>
                  ),
                },
              ]
            : []),
        ]}
      />
      {write && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void onSave(brokerWalletApi.pointUser(point.id, { code: code.trim(), name: name.trim() })).then(
              (ok) => {
                if (!ok) return;
                setCode('');
                setName('');
              },
            );
          }}
        >
          <Group align="flex-end" mb="lg">
            <TextInput
              label={t('partners.operatorCode')}
              aria-label={`${t('partners.operatorCode')} ${point.code}`}
              required
              value={code}
              onChange={(e) => setCode(e.currentTarget.value)}
            />
            <TextInput
              label={t('partners.operatorName')}
              aria-label={`${t('partners.operatorName')} ${point.code}`}
              required
              value={name}
              onChange={(e) => setName(e.currentTarget.value)}
            />
            <Button type="submit" variant="light">
              {t('partners.addOperator')}
            </Button>
          </Group>
        </form>
      )}
    </section>
  );
}

function NewPointForm(props: { partnerId: string; onSave(change: Promise<PartnerCard>): Promise<boolean> }) {
  const { t } = useI18n();
  const [code, setCode] = useState('');
  const [name, setName] = useState('');
  const [kind, setKind] = useState<string | null>('pos_online');
  const [userCode, setUserCode] = useState('');
  const [userName, setUserName] = useState('');
  const [busy, setBusy] = useState(false);
  return (
    <Paper withBorder p="md" mb="lg" component="section" aria-label={t('partners.addPoint')}>
      <Title order={3} size="h4" mb="sm">
        {t('partners.addPoint')}
      </Title>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (busy) return;
          setBusy(true);
          const users = userCode.trim() ? [{ code: userCode.trim(), name: userName.trim() }] : [];
          void props
            .onSave(
              brokerWalletApi.createPoint(props.partnerId, {
                code: code.trim(),
                name: name.trim(),
                kind: kind ?? '',
                users,
              }),
            )
            .then((ok) => {
              setBusy(false);
              if (!ok) return;
              setCode('');
              setName('');
              setUserCode('');
              setUserName('');
            });
        }}
      >
        <Group align="flex-end">
          <TextInput
            label={t('partners.code')}
            required
            value={code}
            onChange={(e) => setCode(e.currentTarget.value)}
          />
          <TextInput
            label={t('partners.pointAddress')}
            required
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
          />
          <Select
            label={t('partners.kind')}
            data={KINDS.map((k) => ({ value: k, label: t(`partners.kind.${k}` as MessageKey) }))}
            value={kind}
            onChange={setKind}
            allowDeselect={false}
          />
          <TextInput
            label={t('partners.operatorCode')}
            value={userCode}
            onChange={(e) => setUserCode(e.currentTarget.value)}
          />
          <TextInput
            label={t('partners.operatorName')}
            value={userName}
            onChange={(e) => setUserName(e.currentTarget.value)}
          />
          <Button type="submit" loading={busy}>
            {t('partners.addPoint')}
          </Button>
        </Group>
      </form>
    </Paper>
  );
}
