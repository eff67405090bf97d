import {
  Alert,
  Button,
  Center,
  Paper,
  PasswordInput,
  SegmentedControl,
  Stack,
  TextInput,
  Title,
} from '@mantine/core';
import { useState } from 'react';
import { ApiError } from '../api.ts';
import { useAuth } from '../auth.tsx';
import { type Locale, useI18n } from '../i18n.tsx';

export function LoginPage() {
  const { signIn } = useAuth();
  const { t, locale, setLocale } = useI18n();
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <main>
      <Center mih="100vh" p="md">
        <Paper withBorder shadow="sm" p="xl" w={380}>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              setBusy(true);
              setError(null);
              signIn(login, password)
                .catch((err: unknown) => setError(err instanceof ApiError ? err.message : String(err)))
                .finally(() => setBusy(false));
            }}
          >
            <Stack>
              <Title order={1} size="h3">
                {t('auth.title')}
              </Title>
              <SegmentedControl
                size="xs"
                aria-label={t('auth.locale')}
                value={locale}
                onChange={(v) => setLocale(v as Locale)}
                data={[
                  { value: 'ru', label: 'Русский' },
                  { value: 'en', label: 'English' },
                ]}
              />
              <TextInput
                label={t('auth.login')}
                name="login"
                autoComplete="username"
                required
                value={login}
                onChange={(e) => setLogin(e.currentTarget.value)}
              />
              <PasswordInput
                label={t('auth.password')}
                name="password"
                autoComplete="current-password"
                required
                value={password}
                onChange={(e) => setPassword(e.currentTarget.value)}
              />
              {error && (
                <Alert color="red" role="alert" data-testid="login-error">
                  {error}
                </Alert>
              )}
              <Button type="submit" loading={busy}>
                {t('auth.submit')}
              </Button>
            </Stack>
          </form>
        </Paper>
      </Center>
    </main>
  );
}
