import { getClient } from '../lending/clients/repository.ts';
import { getDeal } from '../lending/deals/repository.ts';
import { type Actor, audit } from '../platform/audit.ts';
import type { AppContext } from '../platform/context.ts';
import { withTx } from '../platform/db/tx.ts';
import { AppError } from '../platform/errors.ts';

/** What `card/attachto*` sends; `name` is the card number (full, or masked by the payout service). */
export interface CardInput {
  token: string;
  number: string;
  holder: string;
  validity: string;
  service: string;
}

export interface AttachedCard {
  id: bigint;
  first6: string;
  last4: string;
}

function bad(message: string): AppError {
  return new AppError('validation', 'mymfo.card_invalid', message);
}

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** `112020`, `1120`, `11/20`, `11/2020` -> month and four-digit year. */
export function readValidity(text: string): { month: number; year: number } | undefined {
  const m = /^(\d{2})\/?(\d{2}|\d{4})$/.exec(text.trim());
  if (!m) return undefined;
  const month = Number(m[1]);
  const year = m[2]!.length === 2 ? 2000 + Number(m[2]) : Number(m[2]);
  if (month < 1 || month > 12 || year < 2000 || year > 2099) return undefined;
  return { month, year };
}

/**
 * Reads and checks a card: a full number must pass the Luhn check (13–19 digits); a masked one
 * (`432112******8765`) is taken as the payout service shows it. Only first 6 and last 4 digits
 * are kept. Expired cards are refused.
 */
export function checkCard(input: CardInput, now = new Date()) {
  const problems: string[] = [];
  const token = input.token.trim();
  if (!/^[\x21-\x7e]{1,128}$/.test(token)) problems.push('id (токен карты): от 1 до 128 видимых символов');
  const number = input.number.replace(/[\s-]/g, '');
  let first6 = '';
  let last4 = '';
  if (/^\d{13,19}$/.test(number)) {
    if (!luhnValid(number)) problems.push('name (номер карты): номер не проходит проверку контрольной цифры');
    first6 = number.slice(0, 6);
    last4 = number.slice(-4);
  } else if (/^\d{6}[*xX•]{2,9}\d{4}$/.test(number)) {
    first6 = number.slice(0, 6);
    last4 = number.slice(-4);
  } else problems.push('name (номер карты): 13–19 цифр или маска вида 432112******8765');
  const holder = input.holder.trim();
  if (!/^[A-Za-z][A-Za-z .'-]{0,63}$/.test(holder))
    problems.push('cardholder (держатель): латинские буквы, до 64 символов');
  const validity = readValidity(input.validity);
  if (!validity) problems.push('validity (срок действия): ММГГГГ или ММГГ, например 112027');
  else {
    const current = now.getUTCFullYear() * 12 + now.getUTCMonth() + 1;
    if (validity.year * 12 + validity.month < current)
      problems.push('validity (срок действия): срок действия карты истек');
  }
  const service = input.service.trim();
  if (!service || service.length > 64) problems.push('service (сервис выдачи): не указан');
  if (problems.length) throw bad(problems.join('; '));
  return { token, first6, last4, holder, month: validity!.month, year: validity!.year, service };
}

/**
 * `card/attachtoclient` (deal absent) and `card/attachtodeal`: stores the card's token and
 * masked number. Attaching the same token again answers the same (idempotent).
 */
export async function attachCard(
  ctx: AppContext,
  target: { clientId?: bigint; dealNumber?: string },
  input: CardInput,
  actor: Actor,
): Promise<AttachedCard> {
  const card = checkCard(input);
  return withTx(ctx.pool, async (tx) => {
    let clientId = target.clientId;
    let dealId: bigint | null = null;
    if (target.dealNumber) {
      const deal = await getDeal(tx, target.dealNumber);
      if (clientId !== undefined && deal.clientId !== clientId)
        throw new AppError(
          'not_found',
          'mymfo.deal_not_found',
          `договор ${target.dealNumber} не найден у этого клиента`,
        );
      clientId = deal.clientId;
      dealId = deal.id;
    }
    if (clientId === undefined) throw bad('client (код клиента): не указан');
    await getClient(tx, ctx.cipher, clientId);
    const { rows } = await tx.query<{ id: bigint; first6: string; last4: string }>(
      `INSERT INTO mymfo.cards (client_id, deal_id, token, first6, last4, holder, valid_month, valid_year, service)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (client_id, token, coalesce(deal_id, 0)) DO UPDATE SET holder = excluded.holder,
         valid_month = excluded.valid_month, valid_year = excluded.valid_year, service = excluded.service
       RETURNING id, first6, last4`,
      [
        clientId,
        dealId,
        card.token,
        card.first6,
        card.last4,
        card.holder,
        card.month,
        card.year,
        card.service,
      ],
    );
    await audit(tx, {
      actor,
      action: 'mymfo.card.attach',
      subjectType: dealId ? 'lending.deal' : 'lending.client',
      subjectId: String(dealId ?? clientId),
      details: { card: `${card.first6}******${card.last4}`, service: card.service },
    });
    return rows[0]!;
  });
}

/** The cards of a client (newest first), masked. */
export async function listCards(ctx: AppContext, clientId: bigint) {
  const { rows } = await ctx.pool.query<{
    id: bigint;
    deal_id: bigint | null;
    token: string;
    first6: string;
    last4: string;
    holder: string;
    service: string;
  }>(
    `SELECT id, deal_id, token, first6, last4, holder, service FROM mymfo.cards WHERE client_id = $1 ORDER BY id DESC`,
    [clientId],
  );
  return rows;
}
