import { Alert, Button, Checkbox, Group, Select, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { ApiError } from '../../api.ts';
import { modulesApi, type ProductItem } from '../../api-modules.ts';
import { type MessageKey, useI18n } from '../../i18n.tsx';

type Kind = 'single' | 'annuity' | 'bnpl3';
type Period = 'week' | 'fortnight' | 'month';

interface Fields {
  code: string;
  name: string;
  kind: Kind;
  period: Period | '';
  minAmount: string;
  maxAmount: string;
  maxAmountNew: string;
  maxAmountRepeat: string;
  minTermDays: string;
  maxTermDays: string;
  dailyRate: string;
  penaltyRateYear: string;
  pskCategory: string;
  interestAfterTerm: boolean;
  active: boolean;
}

const BLANK: Fields = {
  code: '',
  name: '',
  kind: 'single',
  period: '',
  minAmount: '',
  maxAmount: '',
  maxAmountNew: '',
  maxAmountRepeat: '',
  minTermDays: '',
  maxTermDays: '',
  dailyRate: '',
  penaltyRateYear: '',
  pskCategory: '',
  interestAfterTerm: true,
  active: true,
};

function fieldsOf(p: ProductItem): Fields {
  return {
    code: p.code,
    name: p.name,
    kind: p.kind as Kind,
    period: (p.period ?? '') as Period | '',
    minAmount: p.minAmount,
    maxAmount: p.maxAmount,
    maxAmountNew: p.maxAmountNew,
    maxAmountRepeat: p.maxAmountRepeat,
    minTermDays: String(p.minTermDays),
    maxTermDays: String(p.maxTermDays),
    dailyRate: p.dailyRate,
    penaltyRateYear: p.penaltyRateYear,
    pskCategory: p.pskCategory,
    interestAfterTerm: p.interestAfterTerm,
    active: p.active,
  };
}

const AMOUNT = /^\d[\d\s]*([.,]\d{1,2})?$/;
const RATE = /^\d+([.,]\d+)?$/;
const roubles = (text: string) => Number(text.replace(/\s/g, '').replace(',', '.'));

/**
 * The form's own checks, so an obvious slip is named at its field before a round trip; the
 * legal caps (rate, penalty, ПСК, overpayment) are the lending module's and come back from the
 * server as one Russian message.
 */
function problems(f: Fields, creating: boolean): Partial<Record<keyof Fields, MessageKey>> {
  const out: Partial<Record<keyof Fields, MessageKey>> = {};
  if (creating && !/^[A-Z0-9_]{2,32}$/.test(f.code)) out.code = 'productForm.err.code';
  if (!f.name.trim()) out.name = 'productForm.err.required';
  if (f.kind === 'annuity' && !f.period) out.period = 'productForm.err.period';
  for (const k of ['minAmount', 'maxAmount', 'maxAmountNew', 'maxAmountRepeat'] as const)
    if (!AMOUNT.test(f[k].trim())) out[k] = 'productForm.err.amount';
  if (!out.minAmount && !out.maxAmount && roubles(f.maxAmount) < roubles(f.minAmount))
    out.maxAmount = 'productForm.err.maxBelowMin';
  for (const k of ['minTermDays', 'maxTermDays'] as const)
    if (!/^\d+$/.test(f[k]) || Number(f[k]) < 1) out[k] = 'productForm.err.days';
  if (!out.minTermDays && !out.maxTermDays && Number(f.maxTermDays) < Number(f.minTermDays))
    out.maxTermDays = 'productForm.err.maxBelowMin';
  for (const k of ['dailyRate', 'penaltyRateYear'] as const)
    if (!RATE.test(f[k].trim())) out[k] = 'productForm.err.rate';
  if (!f.pskCategory.trim()) out.pskCategory = 'productForm.err.required';
  return out;
}

/**
 * Creating a product, or editing one (`product` given; the code is fixed). The server answers
 * with the product as saved or a refusal whose Russian message is shown in the form.
 */
export function ProductForm({
  product,
  onSaved,
  onCancel,
}: {
  product?: ProductItem;
  onSaved: (p: ProductItem) => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  const creating = !product;
  const [f, setF] = useState<Fields>(product ? fieldsOf(product) : BLANK);
  const [shown, setShown] = useState(false);
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<string | null>(null);
  const errors = problems(f, creating);
  const error = (k: keyof Fields) => (shown && errors[k] ? t(errors[k]) : undefined);
  const set = <K extends keyof Fields>(k: K, v: Fields[K]) => setF((old) => ({ ...old, [k]: v }));
  const text = (k: keyof Fields, label: MessageKey, extra: { w?: number } = {}) => (
    <TextInput
      label={t(label)}
      name={k}
      value={String(f[k])}
      error={error(k)}
      onChange={(e) => set(k, e.currentTarget.value as never)}
      {...extra}
    />
  );
  const submit = () => {
    setShown(true);
    setRefusal(null);
    if (Object.keys(errors).length > 0) return;
    const body = {
      name: f.name.trim(),
      kind: f.kind,
      period: f.kind === 'annuity' && f.period ? f.period : null,
      minAmount: f.minAmount.trim(),
      maxAmount: f.maxAmount.trim(),
      maxAmountNew: f.maxAmountNew.trim(),
      maxAmountRepeat: f.maxAmountRepeat.trim(),
      minTermDays: Number(f.minTermDays),
      maxTermDays: Number(f.maxTermDays),
      dailyRate: f.dailyRate.trim().replace(',', '.'),
      penaltyRateYear: f.penaltyRateYear.trim().replace(',', '.'),
      pskCategory: f.pskCategory.trim(),
      interestAfterTerm: f.interestAfterTerm,
      active: f.active,
    };
    setBusy(true);
    (product
      ? modulesApi.updateProduct(product.code, body)
      : modulesApi.createProduct({ code: f.code, ...body })
    )
      .then(onSaved)
      .catch((e: unknown) => setRefusal(e instanceof ApiError ? e.message : String(e)))
      .finally(() => setBusy(false));
  };
  return (
    <form
      aria-label={product ? t('productForm.edit', { code: product.code }) : t('productForm.new')}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <Stack gap="sm">
        {!creating && <Text size="sm">{t('productForm.pricingHint')}</Text>}
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          {creating ? text('code', 'productForm.code') : null}
          {text('name', 'productForm.name')}
          <Select
            label={t('productForm.kind')}
            name="kind"
            value={f.kind}
            allowDeselect={false}
            data={[
              { value: 'single', label: t('productForm.kind.single') },
              { value: 'annuity', label: t('productForm.kind.annuity') },
              { value: 'bnpl3', label: t('productForm.kind.bnpl3') },
            ]}
            onChange={(v) => set('kind', (v ?? 'single') as Kind)}
          />
          {f.kind === 'annuity' && (
            <Select
              label={t('productForm.period')}
              name="period"
              value={f.period || null}
              error={error('period')}
              data={[
                { value: 'week', label: t('productForm.period.week') },
                { value: 'fortnight', label: t('productForm.period.fortnight') },
                { value: 'month', label: t('productForm.period.month') },
              ]}
              onChange={(v) => set('period', (v ?? '') as Period | '')}
            />
          )}
          {text('minAmount', 'productForm.minAmount')}
          {text('maxAmount', 'productForm.maxAmount')}
          {text('maxAmountNew', 'productForm.maxAmountNew')}
          {text('maxAmountRepeat', 'productForm.maxAmountRepeat')}
          {text('minTermDays', 'productForm.minTermDays')}
          {text('maxTermDays', 'productForm.maxTermDays')}
          {text('dailyRate', 'productForm.dailyRate')}
          {text('penaltyRateYear', 'productForm.penaltyRateYear')}
          {text('pskCategory', 'productForm.pskCategory')}
        </SimpleGrid>
        <Group>
          <Checkbox
            label={t('productForm.interestAfterTerm')}
            checked={f.interestAfterTerm}
            onChange={(e) => set('interestAfterTerm', e.currentTarget.checked)}
          />
          <Checkbox
            label={t('productForm.active')}
            checked={f.active}
            onChange={(e) => set('active', e.currentTarget.checked)}
          />
        </Group>
        {refusal && (
          <Alert color="red" role="alert" data-testid="product-form-error">
            {refusal}
          </Alert>
        )}
        <Group>
          <Button type="submit" loading={busy}>
            {t('productForm.save')}
          </Button>
          <Button variant="default" onClick={onCancel}>
            {t('common.cancel')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
