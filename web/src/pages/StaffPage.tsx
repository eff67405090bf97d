import {
  Alert,
  Anchor,
  Badge,
  Button,
  Group,
  Modal,
  PasswordInput,
  Select,
  Stack,
  TextInput,
  Title,
} from '@mantine/core';
import { useEffect, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { ApiError, api, type RoleInfo, type StaffUserItem } from '../api.ts';
import { DataTable } from '../components/DataTable.tsx';
import { useI18n } from '../i18n.tsx';

export function useRoles(): RoleInfo[] {
  const [roles, setRoles] = useState<RoleInfo[]>([]);
  useEffect(() => {
    api
      .staffRoles()
      .then((r) => setRoles(r.roles))
      .catch(() => undefined);
  }, []);
  return roles;
}

export function StatusBadge({ user }: { user: StaffUserItem }) {
  const { t } = useI18n();
  if (user.blocked)
    return (
      <Badge color="red.9" variant="outline">
        {t('staff.blocked')}
      </Badge>
    );
  if (user.lockedUntil)
    return (
      <Badge color="dark" variant="outline">
        {t('staff.locked')}
      </Badge>
    );
  return (
    <Badge color="dark" variant="outline">
      {t('staff.active')}
    </Badge>
  );
}

export function StaffPage() {
  const { t, pick, dateTime } = useI18n();
  const roles = useRoles();
  const [creating, setCreating] = useState(false);
  const roleTitle = (code: string) => {
    const role = roles.find((r) => r.code === code);
    return role ? pick(role.title) : code;
  };
  return (
    <>
      <Group justify="space-between" mb="md">
        <Title order={2}>{t('staff.title')}</Title>
        <Button onClick={() => setCreating(true)}>{t('staff.new')}</Button>
      </Group>
      <DataTable<StaffUserItem>
        endpoint="/staff/users"
        caption={t('staff.title')}
        defaultSort="login"
        rowKey={(u) => u.id}
        filters={[
          { name: 'q', label: t('common.search'), type: 'text' },
          {
            name: 'role',
            label: t('staff.role'),
            type: 'select',
            options: roles.map((r) => ({ value: r.code, label: pick(r.title) })),
          },
          {
            name: 'status',
            label: t('staff.status'),
            type: 'select',
            options: [
              { value: 'active', label: t('staff.active') },
              { value: 'blocked', label: t('staff.blocked') },
              { value: 'locked', label: t('staff.locked') },
            ],
          },
        ]}
        columns={[
          {
            key: 'login',
            title: t('staff.login'),
            sort: 'login',
            render: (u) => (
              <Anchor component={Link} to={`/staff/${u.id}`}>
                {u.login}
              </Anchor>
            ),
          },
          { key: 'name', title: t('staff.name'), sort: 'name', render: (u) => u.name },
          { key: 'role', title: t('staff.role'), sort: 'role', render: (u) => roleTitle(u.role) },
          { key: 'status', title: t('staff.status'), render: (u) => <StatusBadge user={u} /> },
          {
            key: 'lastLogin',
            title: t('staff.lastLogin'),
            sort: 'lastLoginAt',
            render: (u) => (u.lastLoginAt ? dateTime(u.lastLoginAt) : '—'),
          },
        ]}
      />
      <CreateUserModal opened={creating} onClose={() => setCreating(false)} roles={roles} />
    </>
  );
}

function CreateUserModal(props: { opened: boolean; onClose(): void; roles: RoleInfo[] }) {
  const { t, pick } = useI18n();
  const navigate = useNavigate();
  const [form, setForm] = useState({ login: '', name: '', role: 'support', password: '' });
  const [error, setError] = useState<string | null>(null);
  return (
    <Modal opened={props.opened} onClose={props.onClose} title={t('staff.new')}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          api
            .createStaffUser(form)
            .then((u) => navigate(`/staff/${u.id}`))
            .catch((err: unknown) => setError(err instanceof ApiError ? err.message : String(err)));
        }}
      >
        <Stack>
          <TextInput
            label={t('staff.login')}
            required
            value={form.login}
            onChange={(e) => setForm({ ...form, login: e.currentTarget.value })}
          />
          <TextInput
            label={t('staff.name')}
            required
            value={form.name}
            onChange={(e) => setForm({ ...form, name: e.currentTarget.value })}
          />
          <Select
            label={t('staff.role')}
            data={props.roles.map((r) => ({ value: r.code, label: pick(r.title) }))}
            value={form.role}
            onChange={(v) => setForm({ ...form, role: v ?? 'support' })}
            allowDeselect={false}
          />
          <PasswordInput
            label={t('staff.password')}
            required
            autoComplete="new-password"
            value={form.password}
            onChange={(e) => setForm({ ...form, password: e.currentTarget.value })}
          />
          {error && (
            <Alert color="red" role="alert">
              {error}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={props.onClose}>
              {t('common.cancel')}
            </Button>
            <Button type="submit">{t('common.create')}</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
