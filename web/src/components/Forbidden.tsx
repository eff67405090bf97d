import { Alert, Title } from '@mantine/core';
import { useI18n } from '../i18n.tsx';

export function Forbidden({ permission }: { permission: string }) {
  const { t } = useI18n();
  return (
    <>
      <Title order={2} mb="md">
        {t('forbidden.title')}
      </Title>
      <Alert color="red" role="alert" data-testid="forbidden">
        {t('forbidden.text', { permission })}
      </Alert>
    </>
  );
}
