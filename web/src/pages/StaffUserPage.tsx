import {
  Alert,
  Anchor,
  Badge,
  Button,
  Group,
  Loader,
  Paper,
  PasswordInput,
  Select,
  Stack,
  TextInput,
  Title,
} from '@mantine/core';
import { useCallback, useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { ApiError, api, type StaffUserItem } from '../api.ts';
import { useI18n } from '../i18n.tsx';
import { StatusBadge, useRoles } from './StaffPage.tsx';

export function StaffUserPage() {
  const { id = '' } = useParams();
  const { t, pick } = useI18n();
  const roles = useRoles();
  const [user, setUser] = useState<StaffUserItem | null>(null);
  const [form, setForm] = useState({ name: '', role: '', locale: 'ru' as 'ru' | 'en' });
  const [password, setPassword] = useState('');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const fail = useCallback(
    (e: unknown) => setMessage({ ok: false, text: e instanceof ApiError ? e.message : String(e) }),
    [],
  );
  const accept = useCallback((u: StaffUserItem) => {
    setUser(u);
    setForm({ name: u.name, role: u.role, locale: u.locale });
  }, []);
  useEffect(() => {
    api.staffUser(id).then(accept).catch(fail);
  }, [id, accept, fail]);
  if (!user)
    return message ? <Alert color="red">{message.text}</Alert> : <Loader aria-label={t('common.loading')} />;
  const role = roles.find((r) => r.code === form.role);
  return (
    <>
      <Anchor component={Link} to="/staff" size="sm">
        ← {t('common.back')}
      </Anchor>
      <Group my="md" gap="sm">
        <Title order={2}>
          {user.name} ({user.login})
        </Title>
        <StatusBadge user={user} />
      </Group>
      {message && (
        <Alert color={message.ok ? 'green' : 'red'} role="status" mb="md">
          {message.text}
        </Alert>
      )}
      <Group align="start" grow>
        <Paper withBorder p="md">
          <form
            onSubmit={(e) => {
              e.preventDefault();
              api
                .updateStaffUser(id, form)
                .then((u) => {
                  accept(u);
                  setMessage({ ok: true, text: t('staff.saved') });
                })
                .catch(fail);
            }}
          >
            <Stack>
              <TextInput
                label={t('staff.name')}
                value={form.name}
                onChange={(e) => setForm({ ...form, name: e.currentTarget.value })}
              />
              <Select
                label={t('staff.role')}
                data={roles.map((r) => ({ value: r.code, label: pick(r.title) }))}
                value={form.role}
                onChange={(v) => setForm({ ...form, role: v ?? form.role })}
                allowDeselect={false}
              />
              <Select
                label={t('staff.locale')}
                data={[
                  { value: 'ru', label: 'Русский' },
                  { value: 'en', label: 'English' },
                ]}
                value={form.locale}
                onChange={(v) => setForm({ ...form, locale: v === 'en' ? 'en' : 'ru' })}
                allowDeselect={false}
              />
              <Group>
                <Button type="submit">{t('common.save')}</Button>
                <Button
                  color={user.blocked || user.lockedUntil ? 'green.9' : 'red.9'}
                  variant="filled"
                  onClick={() =>
                    api
                      .updateStaffUser(id, { blocked: !(user.blocked || user.lockedUntil) })
                      .then(accept)
                      .catch(fail)
                  }
                >
                  {user.blocked || user.lockedUntil ? t('staff.unblock') : t('staff.block')}
                </Button>
              </Group>
            </Stack>
          </form>
        </Paper>
        <Paper withBorder p="md">
          <form
            onSubmit={(e) => {
              e.preventDefault();
              api
                .setStaffPassword(id, password)
                .then(() => {
                  setPassword('');
                  setMessage({ ok: true, text: t('staff.passwordSet') });
                })
                .catch(fail);
            }}
          >
            <Stack>
              <PasswordInput
                label={t('staff.newPassword')}
                autoComplete="new-password"
                value={password}
                onChange={(e) => setPassword(e.currentTarget.value)}
              />
              <Button type="submit" variant="default">
                {t('staff.setPassword')}
              </Button>
            </Stack>
          </form>
          {role && (
            <Stack gap={4} mt="lg">
              <Title order={3} size="h6">
                {t('staff.permissions')}
              </Title>
              <Group gap={4}>
                {role.permissions.map((p) => (
                  <Badge key={p} variant="outline" color="dark">
                    {p}
                  </Badge>
                ))}
              </Group>
            </Stack>
          )}
        </Paper>
      </Group>
    </>
  );
}
