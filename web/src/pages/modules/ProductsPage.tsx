import { Alert, Button, Group, Loader, Modal, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { ApiError } from '../../api.ts';
import { modulesApi, type ProductItem } from '../../api-modules.ts';
import { useAuth } from '../../auth.tsx';
import { SimpleTable } from '../../components/Facts.tsx';
import { useI18n } from '../../i18n.tsx';
import { useList } from '../../use-list.ts';
import { ProductForm } from './ProductForm.tsx';

/** Yesterday in Moscow: the day the nightly close would take. */
function yesterdayMoscow(): string {
  const msk = new Date(Date.now() + 3 * 3600_000 - 24 * 3600_000);
  return msk.toISOString().slice(0, 10);
}

/**
 * Loan products (created and edited within the caps by `lending.products.write`, as `kopek
 * product` does) and, for who may, closing a business date by hand.
 */
export function ProductsPage() {
  const { t, money } = useI18n();
  const { can } = useAuth();
  const { items, error, reload } = useList(modulesApi.products);
  // The product being edited, 'new' for the creation form, null when no form is open.
  const [editing, setEditing] = useState<ProductItem | 'new' | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const write = can('lending.products.write');
  const [date, setDate] = useState(yesterdayMoscow);
  const [running, setRunning] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const run = () => {
    setRunning(true);
    setResult(null);
    modulesApi
      .runCob(date)
      .then((r) =>
        setResult({
          ok: true,
          text: t('cob.done', {
            date: r.date,
            deals: String(r.deals),
            interest: money(r.interest, 'RUB'),
            penalty: money(r.penalty, 'RUB'),
            moves: String(r.statusMoves),
            advances: String(r.advancesApplied),
          }),
        }),
      )
      .catch((e: unknown) => setResult({ ok: false, text: e instanceof ApiError ? e.message : String(e) }))
      .finally(() => setRunning(false));
  };
  return (
    <>
      <Group justify="space-between" mb="md">
        <Title order={2}>{t('products.title')}</Title>
        {write && (
          <Button
            onClick={() => {
              setSaved(null);
              setEditing('new');
            }}
          >
            {t('productForm.new')}
          </Button>
        )}
      </Group>
      {saved && (
        <Alert color="green" role="status" mb="md">
          {saved}
        </Alert>
      )}
      <Modal
        opened={editing !== null}
        onClose={() => setEditing(null)}
        closeButtonProps={{ 'aria-label': t('common.cancel') }}
        size="lg"
        title={
          editing === 'new' || editing === null
            ? t('productForm.new')
            : t('productForm.edit', { code: editing.code })
        }
      >
        {editing !== null && (
          <ProductForm
            {...(editing === 'new' ? {} : { product: editing })}
            onCancel={() => setEditing(null)}
            onSaved={(p) => {
              setEditing(null);
              setSaved(t('productForm.saved', { code: p.code }));
              reload();
            }}
          />
        )}
      </Modal>
      {error && (
        <Alert color="red" role="alert">
          {error}
        </Alert>
      )}
      {!items && !error && <Loader aria-label={t('common.loading')} />}
      {items && (
        <SimpleTable
          caption={t('products.title')}
          testId="lending-products"
          rows={items}
          rowKey={(p) => p.id}
          empty={t('common.empty')}
          columns={[
            { title: t('products.code'), render: (p) => p.code },
            { title: t('products.name'), render: (p) => p.name },
            { title: t('products.kind'), render: (p) => (p.period ? `${p.kind} / ${p.period}` : p.kind) },
            {
              title: t('products.amounts'),
              align: 'right',
              render: (p) => `${money(p.minAmount, 'RUB')} – ${money(p.maxAmount, 'RUB')}`,
            },
            {
              title: t('products.terms'),
              align: 'right',
              render: (p) => `${p.minTermDays}–${p.maxTermDays}`,
            },
            { title: t('products.dailyRate'), align: 'right', render: (p) => p.dailyRate },
            { title: t('products.penalty'), align: 'right', render: (p) => p.penaltyRateYear },
            { title: t('products.active'), render: (p) => (p.active ? t('common.yes') : t('common.no')) },
            ...(write
              ? [
                  {
                    title: t('deal.actions'),
                    render: (p: ProductItem) => (
                      <Button
                        size="xs"
                        variant="default"
                        aria-label={t('productForm.edit', { code: p.code })}
                        onClick={() => {
                          setSaved(null);
                          setEditing(p);
                        }}
                      >
                        {t('productForm.editShort')}
                      </Button>
                    ),
                  },
                ]
              : []),
          ]}
        />
      )}
      {can('lending.cob') && (
        <>
          <Title order={3} mt="xl" mb="xs">
            {t('cob.title')}
          </Title>
          <Text size="sm" mb="sm">
            {t('cob.hint')}
          </Text>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              run();
            }}
          >
            <Group align="end">
              <TextInput
                label={t('cob.date')}
                value={date}
                pattern="\d{4}-\d{2}-\d{2}"
                required
                onChange={(e) => setDate(e.currentTarget.value)}
              />
              <Button type="submit" loading={running}>
                {t('cob.run')}
              </Button>
            </Group>
          </form>
          {result && (
            <Alert color={result.ok ? 'green' : 'red'} role={result.ok ? 'status' : 'alert'} mt="md">
              {result.text}
            </Alert>
          )}
        </>
      )}
    </>
  );
}
