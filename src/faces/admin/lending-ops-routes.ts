import { Type } from '@sinclair/typebox';
import { runCob } from '../../lending/accrual/cob.ts';
import { todayMoscow } from '../../lending/dates.ts';
import { listProducts } from '../../lending/products/repository.ts';
import type { Product } from '../../lending/types.ts';
import type { AppContext } from '../../platform/context.ts';
import { AppError } from '../../platform/errors.ts';
import type { FaceApp } from '../../platform/http/face.ts';
import { formatRoubles } from '../../platform/money.ts';
import { changeOf, needs, noStore } from './guard.ts';
import { CobAnswer, CobBody, ProductItem } from './module-schemas.ts';
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
    active: p.active,
  };
}

/** Lending's back-office operations: the product catalogue (read) and closing a business date. */
export function lendingOpsRoutes(app: FaceApp, ctx: AppContext): void {
  app.get(
    '/lending/products',
    {
      ...needs('lending.read'),
      schema: {
        summary: 'Продукты займов (только чтение; изменение — `kopek product`)',
        tags: ['lending'],
        response: { 200: Type.Object({ items: Type.Array(ProductItem) }), '4xx': ErrorBody },
      },
    },
    async () => ({ items: (await listProducts(ctx.pool)).map(productItem) }),
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
