import { Center, Loader, Title } from '@mantine/core';
import { useEffect } from 'react';
import { Route, Routes } from 'react-router';
import { useAuth } from './auth.tsx';
import { Forbidden } from './components/Forbidden.tsx';
import { Layout } from './components/Layout.tsx';
import { storedLocale, useI18n } from './i18n.tsx';
import { LoginPage } from './pages/LoginPage.tsx';
import { SCREENS } from './sections.tsx';

export function App() {
  const { me, loading, can } = useAuth();
  const { t, setLocale } = useI18n();
  useEffect(() => {
    if (me && !storedLocale()) setLocale(me.locale, false);
  }, [me, setLocale]);
  if (loading)
    return (
      <Center mih="100vh">
        <Loader aria-label={t('common.loading')} />
      </Center>
    );
  // Any deep link asks for a login first and then opens where it pointed.
  if (!me) return <LoginPage />;
  return (
    <Layout>
      <Routes>
        {SCREENS.map((s) => (
          <Route
            key={s.path}
            path={s.path}
            element={can(s.permission) ? s.element : <Forbidden permission={s.permission} />}
          />
        ))}
        <Route path="*" element={<Title order={2}>{t('notFound.title')}</Title>} />
      </Routes>
    </Layout>
  );
}
