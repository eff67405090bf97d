import { AppShell, Burger, Button, Group, NavLink, SegmentedControl, Text, Title } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import type { ReactNode } from 'react';
import { Link, useLocation } from 'react-router';
import { useAuth } from '../auth.tsx';
import { type Locale, useI18n } from '../i18n.tsx';
import { SCREENS } from '../sections.tsx';

export function Layout({ children }: { children: ReactNode }) {
  const { me, can, signOut } = useAuth();
  const { t, locale, setLocale, pick } = useI18n();
  const [opened, { toggle }] = useDisclosure();
  const location = useLocation();
  const active = (path: string) =>
    path === '/'
      ? location.pathname === '/'
      : location.pathname === path || location.pathname.startsWith(`${path}/`);
  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 230, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between">
          <Group gap="sm">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={t('nav.main')} />
            <Title order={1} size="h4">
              Kopek
            </Title>
          </Group>
          <Group gap="sm">
            <SegmentedControl
              size="xs"
              aria-label={t('auth.locale')}
              value={locale}
              onChange={(v) => setLocale(v as Locale)}
              data={[
                { value: 'ru', label: 'RU' },
                { value: 'en', label: 'EN' },
              ]}
            />
            {me && (
              <Text size="sm" data-testid="whoami">
                {me.name} · {pick(me.roleTitle)}
              </Text>
            )}
            <Button variant="default" size="xs" onClick={() => void signOut()}>
              {t('auth.logout')}
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label={t('nav.main')} component="nav">
        {SCREENS.filter((s) => s.nav && can(s.permission)).map((s) => (
          <NavLink
            key={s.path}
            component={Link}
            to={s.path}
            label={t(s.nav!)}
            active={active(s.path)}
            // Filled: white on the primary shade keeps its contrast under the hover shade too.
            variant="filled"
            aria-current={active(s.path) ? 'page' : undefined}
          />
        ))}
      </AppShell.Navbar>
      <AppShell.Main>{children}</AppShell.Main>
    </AppShell>
  );
}
