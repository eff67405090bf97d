import { Type } from '@sinclair/typebox';
import { runCob } from '../../lending/accrual/cob.ts';
import { todayMoscow } from '../../lending/dates.ts';
import {
  createProduct,
  listProducts,
  type ProductInput,
  updateProduct,
} from '../../lending/products/repository.ts';
import type { Product } from '../../lending/types.ts';
import type { AppContext } from '../../platform/context.ts';
import { withTx } from '../../platform/db/tx.ts';
import { AppError } from '../../platform/errors.ts';
import type { FaceApp } from '../../platform/http/face.ts';
import { formatRoubles, type Kopecks, parseRoubles } from '../../platform/money.ts';
import { changeOf, needs, noStore } from './guard.ts';
import { CobAnswer, CobBody, ProductCreateBody, ProductItem, ProductPatchBody } from './module-schemas.ts';
import { ErrorBody } from './schemas.ts';

function productItem(p: Product): ProductItem {
  return {
    id: String(p.id),
    code: p.code,
    name: p.name,
    kind: p.kind,
    period: p.period,
    minAmount: formatRoubles(p.minAmount),
    maxAmount: formatRoubles(p.maxAmount),
    minTermDays: p.minTermDays,
    maxTermDays: p.maxTermDays,
    dailyRate: p.dailyRate,
    penaltyRateYear: p.penaltyRateYear,
    maxAmountNew: formatRoubles(p.maxAmountNew),
    maxAmountRepeat: formatRoubles(p.maxAmountRepeat),
    pskCategory: p.pskCategory,
    interestAfterTerm: p.interestAfterTerm ?? true,
    active: p.active,
  };
}

const AMOUNT_LABELS = {
  minAmount: 'минимальная сумма',
  maxAmount: 'максимальная сумма',
  maxAmountNew: 'лимит для нового клиента',
  maxAmountRepeat: 'лимит для повторного клиента',
} as const;

/** Roubles typed in the form ("15000", "15 000,50") as kopecks, or a Russian 422 naming the field. */
function amountOf(field: keyof typeof AMOUNT_LABELS, text: string): Kopecks {
  const normal = text.replace(/[\s\u00a0]/g, '').replace(',', '.');
  try {
    return parseRoubles(/^\d+$/.test(normal) ? `${normal}.00` : normal);
  } catch {
    throw new AppError(
      'validation',
      'lending.product_invalid',
      `${AMOUNT_LABELS[field]}: рубли, например «15000» или «15000.50», получено «${text}»`,
    );
  }
}

/** The form's fields as the lending module's product input (amounts in kopecks). */
function productInput(body: ProductPatchBody): Partial<ProductInput> {
  const out: Partial<ProductInput> = {};
  for (const [key, value] of Object.entries(body)) {
    if (value === undefined) continue;
    if (key in AMOUNT_LABELS) {
      const field = key as keyof typeof AMOUNT_LABELS;
      out[field] = amountOf(field, value as string);
    } else (out as Record<string, unknown>)[key] = value;
  }
  return out;
}

const CodeParams = Type.Object({ code: Type.String({ minLength: 1, maxLength: 32 }) });

/** Lending's back-office operations: the product catalogue and closing a business date. */
export function lendingOpsRoutes(app: FaceApp, ctx: AppContext): void {
  app.get(
    '/lending/products',
    {
      ...needs('lending.read'),
      schema: {
        summary:
          'Продукты займов (создание и изменение — право `lending.products.write` или `kopek product`)',
        tags: ['lending'],
        response: { 200: Type.Object({ items: Type.Array(ProductItem) }), '4xx': ErrorBody },
      },
    },
    async () => ({ items: (await listProducts(ctx.pool)).map(productItem) }),
  );

  const capsNote =
    'Проверки — модуля кредитования: согласованность продукта (диапазоны, лимиты, вид графика) и ' +
    'ограничения закона, действующие сегодня (ставка в день, неустойка, ПСК и переплата на углах ' +
    'диапазонов сумм и сроков). Нарушение — 422 с русским сообщением (`lending.product_invalid`, ' +
    '`lending.cap.*`). Запись в журнале аудита (`lending.product.create` / `lending.product.update`) от ' +
    'имени сотрудника, в той же транзакции.';

  app.post(
    '/lending/products',
    {
      ...needs('lending.products.write'),
      schema: {
        summary: 'Создать продукт займа в пределах ограничений закона',
        description: `${capsNote} Код уже занят — 409 \`lending.product_exists\`.`,
        tags: ['lending'],
        body: ProductCreateBody,
        response: { 200: ProductItem, '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      const { code, ...rest } = request.body;
      const input = { code, ...productInput(rest) } as ProductInput;
      const product = await withTx(ctx.pool, (tx) => createProduct(tx, input, changeOf(request).actor));
      noStore(reply);
      return productItem(product);
    },
  );

  app.patch(
    '/lending/products/:code',
    {
      ...needs('lending.products.write'),
      schema: {
        summary: 'Изменить продукт займа: только то, что касается новых договоров',
        description:
          `${capsNote} Если по продукту уже есть договоры, вид графика, периодичность, ставка, неустойка и ` +
          'начисление после срока не меняются (409 `lending.product_in_use`): договоры читают их из продукта ' +
          'до выдачи; новые условия — новый продукт с другим кодом, а этот отключают (`active: false`). ' +
          'Название, диапазоны, лимиты, категория ПСК и признак «выдаётся» меняются всегда.',
        tags: ['lending'],
        params: CodeParams,
        body: ProductPatchBody,
        response: { 200: ProductItem, '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      const patch = productInput(request.body);
      const product = await withTx(ctx.pool, (tx) =>
        updateProduct(tx, request.params.code, patch, changeOf(request).actor),
      );
      noStore(reply);
      return productItem(product);
    },
  );

  app.post(
    '/lending/cob',
    {
      ...needs('lending.cob'),
      schema: {
        summary: 'Закрыть операционный день: начислить проценты и пени по всем действующим займам на дату',
        description:
          'Запускает `runCob` (тот же, что ночная задача `lending:cob`) и ждёт итогов. Повтор за ту же дату ' +
          'ничего не начисляет повторно (займы, начисленные по дату, пропускаются). Каждый запуск — запись ' +
          '`lending.cob.run` в журнале аудита от имени сотрудника.',
        tags: ['lending'],
        body: CobBody,
        response: { 200: CobAnswer, '4xx': ErrorBody },
      },
    },
    async (request, reply) => {
      // A day still running is not closed by hand: its interest would be booked before it ends.
      if (request.body.date >= todayMoscow())
        throw new AppError(
          'validation',
          'lending.date',
          'закрыть можно только прошедший день (вчера или раньше)',
        );
      const r = await runCob(ctx.pool, request.body.date, undefined, undefined, changeOf(request).actor);
      noStore(reply);
      return {
        date: r.date,
        deals: r.deals,
        interest: formatRoubles(r.interest),
        penalty: formatRoubles(r.penalty),
        statusMoves: r.statusMoves,
        advancesApplied: r.advancesApplied,
        elapsedMs: r.elapsedMs,
      };
    },
  );
}
