import { findClientByPassport } from '../lending/clients/repository.ts';
import { daysBetween, todayMoscow } from '../lending/dates.ts';
import { createApplication } from '../lending/deals/applications.ts';
import { dealsByPassport } from '../lending/deals/repository.ts';
import { listProducts } from '../lending/products/repository.ts';
import type { DealStatus, Product } from '../lending/types.ts';
import type { Actor } from '../platform/audit.ts';
import type { AppContext } from '../platform/context.ts';
import { sha256Hex } from '../platform/crypto.ts';
import type { Queryable } from '../platform/db/pool.ts';
import { withTx } from '../platform/db/tx.ts';
import { AppError } from '../platform/errors.ts';
import { stringifyJson } from '../platform/json.ts';
import { type ApplicationForm, readApplicationForm } from './application-form.ts';
import { clientCode, ruDate } from './codes.ts';

/** Statuses of an application not yet decided or not yet issued: a second one is refused. */
export const OPEN_APPLICATION: readonly DealStatus[] = [
  'Новый',
  'На рассмотрении',
  'Предварительно одобрено',
  'Одобрен',
  'Подписан (дистанционно)',
  'Ожидает списания с р/с',
];

const DAYS_PER_PAYMENT = { week: 7, fortnight: 14, month: 30 } as const;

export interface RequestAnswer {
  result: '1';
  description: string;
  IDDeal: string;
  IDClient: string;
}

function refuse(message: string, code = 'mymfo.request_refused'): AppError {
  return new AppError('validation', code, message);
}

/** `creditproduct` by code or name (case-insensitive); refused when none matches. */
async function productFor(db: Queryable, wanted: string | null): Promise<Product | undefined> {
  if (!wanted) return undefined;
  const w = wanted.trim().toLowerCase();
  const product = (await listProducts(db)).find(
    (p) => p.code.toLowerCase() === w || p.name.toLowerCase() === w,
  );
  if (!product) throw refuse(`creditproduct (Кредитный продукт): продукт «${wanted}» не найден`);
  return product;
}

function termDays(form: ApplicationForm, product: Product | undefined, today: string): number {
  if (form.returnDate) {
    const days = daysBetween(today, form.returnDate);
    if (days < 1)
      throw refuse(`period (Дата возврата): дата ${form.returnDate} должна быть позже сегодняшней`);
    return days;
  }
  return form.payments! * DAYS_PER_PAYMENT[product?.period ?? 'month'];
}

/**
 * `Request/`: takes an application from the site. Idempotent: the key is the site's `ID` when
 * sent, otherwise the hash of the body and the day, so a site that repeats the same request
 * after a timeout gets the first answer (one deal). Refused with a Russian description naming
 * each bad field, for a client with an application still open, or one banned from applying.
 */
export async function acceptRequest(
  ctx: AppContext,
  body: unknown,
  actor: Actor,
  options: { today?: string } = {},
): Promise<RequestAnswer> {
  const read = readApplicationForm(body);
  if (!read.ok) throw refuse(read.problems.join('; '), 'mymfo.request_invalid');
  const form = read.form;
  const today = options.today ?? todayMoscow();
  const bodyHash = sha256Hex(stringifyJson(body));
  const key = form.siteId ? `id:${form.siteId}` : `body:${bodyHash}:${today}`;
  return withTx(ctx.pool, async (tx) => {
    // Applications of one passport one at a time: the open-application check below holds.
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
      `mymfo:request:${ctx.cipher.lookupHash(form.client.passport)}`,
    ]);
    const inserted = await tx.query<{ id: bigint }>(
      `INSERT INTO mymfo.requests (request_key, body_hash) VALUES ($1, $2)
       ON CONFLICT (request_key) DO NOTHING RETURNING id`,
      [key, bodyHash],
    );
    if (!inserted.rows[0]) {
      const { rows } = await tx.query<{ body_hash: string; answer: RequestAnswer }>(
        `SELECT body_hash, answer FROM mymfo.requests WHERE request_key = $1`,
        [key],
      );
      if (rows[0]!.body_hash !== bodyHash)
        throw new AppError(
          'conflict',
          'mymfo.request_id_reused',
          `заявка с ID ${form.siteId} уже принята с другими данными`,
        );
      return rows[0]!.answer;
    }
    const known = await findClientByPassport(tx, ctx.cipher, form.client.passport);
    if (known?.bannedUntil && known.bannedUntil > today)
      throw refuse(`подача заявок клиенту запрещена до ${ruDate(known.bannedUntil)}`, 'mymfo.client_banned');
    if (known) {
      const open = (await dealsByPassport(tx, ctx.cipher, form.client.passport)).find((d) =>
        OPEN_APPLICATION.includes(d.status),
      );
      if (open)
        throw refuse(
          `у клиента есть незавершенная заявка ${open.number} в статусе «${open.status}»`,
          'mymfo.open_application',
        );
    }
    const product = await productFor(tx, form.creditProduct);
    const { deal } = await createApplication(
      tx,
      ctx.cipher,
      {
        client: form.client,
        ...(product ? { product: product.id } : {}),
        amount: form.amount,
        termDays: termDays(form, product, today),
        source: 'site',
        extra: form.extra,
        files: form.files,
        today,
      },
      actor,
    );
    const answer: RequestAnswer = {
      result: '1',
      description: 'Заявка создана',
      IDDeal: deal.number,
      IDClient: clientCode(deal.clientId),
    };
    await tx.query(`UPDATE mymfo.requests SET deal_id = $2, answer = $3 WHERE id = $1`, [
      inserted.rows[0].id,
      deal.id,
      JSON.stringify(answer),
    ]);
    return answer;
  });
}
