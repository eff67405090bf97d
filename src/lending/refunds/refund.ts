import { transfer } from '../../ledger/index.ts';
import { type Actor, audit } from '../../platform/audit.ts';
import type { Pool, Queryable } from '../../platform/db/pool.ts';
import { withTx } from '../../platform/db/tx.ts';
import { AppError } from '../../platform/errors.ts';
import type { Kopecks } from '../../platform/money.ts';
import { clientBalanceAccount, orgAccount } from '../deals/ledger-accounts.ts';
import { getDeal } from '../deals/repository.ts';
import { getLoanState } from '../debt/loan-state.ts';
import type { CardPayoutGateway } from '../issue/payout-gateway.ts';

export interface Refund {
  /** The payout's id (lending.payouts, purpose 'refund'): the card service's idempotency key. */
  id: bigint;
  dealId: bigint;
  method: 'card' | 'bank';
  status: 'pending' | 'exported' | 'done' | 'failed';
  amount: Kopecks;
  details: Record<string, string>;
  externalRef: string | null;
  error: string | null;
}

interface RefundRow {
  id: bigint;
  deal_id: bigint;
  method: 'card' | 'bank';
  status: Refund['status'];
  amount: bigint;
  details: Record<string, string>;
  external_ref: string | null;
  error: string | null;
}

const COLUMNS = 'id, deal_id, method, status, amount, details, external_ref, error';

function toRefund(r: RefundRow): Refund {
  return {
    id: r.id,
    dealId: r.deal_id,
    method: r.method,
    status: r.status,
    amount: r.amount,
    details: r.details,
    externalRef: r.external_ref,
    error: r.error,
  };
}

async function accounts(db: Queryable, clientId: bigint) {
  return {
    client: (await clientBalanceAccount(db, clientId)).id,
    payable: (await orgAccount(db, 'refunds_payable')).id,
    cash: (await orgAccount(db, 'cash')).id,
  };
}

/**
 * Starts the refund of what is left on the client's account ("ОстатокНаСчете") of a paid-off
 * loan: a payout of purpose 'refund' (card: `details.cardToken`; bank: `details.bik`,
 * `details.account`, then the bank registry), the whole amount moved from the client's account
 * to refunds payable in the ledger (so it cannot be applied or refunded twice), the loan's
 * advance to zero, an audit record with the reason.
 */
export async function startRefund(
  db: Queryable,
  dealIdOrNumber: bigint | string,
  method: 'card' | 'bank',
  details: Record<string, string>,
  reason: string,
  actor: Actor,
): Promise<Refund> {
  if (!reason.trim())
    throw new AppError('validation', 'lending.reason_required', 'укажите основание возврата');
  if (method === 'card' && !details.cardToken)
    throw new AppError('validation', 'lending.card_missing', 'не указана карта для возврата');
  if (method === 'bank' && (!details.account || !details.bik))
    throw new AppError('validation', 'lending.bank_missing', 'не указаны реквизиты счёта для возврата');
  const deal = await getDeal(db, dealIdOrNumber, true);
  if (deal.status !== 'Оплачен')
    throw new AppError(
      'conflict',
      'lending.refund_not_paid_off',
      `возврат остатка возможен только по погашенному договору (статус «${deal.status}»)`,
    );
  const state = await getLoanState(db, deal.id, true);
  if (!state || state.advance === 0n)
    throw new AppError('conflict', 'lending.nothing_to_refund', 'на счёте клиента по договору нет остатка');
  const { rows } = await db.query<RefundRow>(
    `INSERT INTO lending.payouts (deal_id, method, status, amount, details, purpose)
     VALUES ($1, $2, 'pending', $3, $4, 'refund') RETURNING ${COLUMNS}`,
    [deal.id, method, state.advance, JSON.stringify({ ...details, reason })],
  );
  const refund = toRefund(rows[0]!);
  const acc = await accounts(db, state.clientId);
  const t = await transfer(db, {
    key: `lending:refund:${refund.id}`,
    kind: 'lending.refund',
    entries: [
      { account: acc.client, amount: refund.amount },
      { account: acc.payable, amount: -refund.amount },
    ],
    description: `Возврат остатка по договору ${deal.number}`,
  });
  await db.query('UPDATE lending.payouts SET transfer_id = $2 WHERE id = $1', [refund.id, t.id]);
  await db.query('UPDATE lending.loan_state SET advance = 0 WHERE deal_id = $1', [deal.id]);
  await audit(db, {
    actor,
    action: 'lending.refund.start',
    subjectType: 'lending.deal',
    subjectId: String(deal.id),
    details: { refund: String(refund.id), amount: refund.amount, method, reason },
  });
  return refund;
}

async function openRefund(db: Queryable, refundId: bigint): Promise<Refund> {
  const { rows } = await db.query<RefundRow>(
    `SELECT ${COLUMNS} FROM lending.payouts WHERE id = $1 AND purpose = 'refund' FOR UPDATE`,
    [refundId],
  );
  const r = rows[0];
  if (!r) throw new AppError('not_found', 'lending.refund_not_found', `возврат ${refundId} не найден`);
  if (r.status !== 'pending' && r.status !== 'exported')
    throw new AppError('conflict', 'lending.refund_closed', `возврат ${refundId} уже завершён (${r.status})`);
  return toRefund(r);
}

/** The money reached the client (card service answered, bank confirmed): refunds payable out of cash. */
export async function completeRefund(
  db: Queryable,
  refundId: bigint,
  externalRef: string,
  actor: Actor,
): Promise<Refund> {
  const refund = await openRefund(db, refundId);
  const deal = await getDeal(db, refund.dealId);
  const acc = await accounts(db, deal.clientId);
  await transfer(db, {
    key: `lending:refund-paid:${refund.id}`,
    kind: 'lending.refund_paid',
    entries: [
      { account: acc.payable, amount: refund.amount },
      { account: acc.cash, amount: -refund.amount },
    ],
    description: `Возврат остатка по договору ${deal.number} перечислен: ${externalRef}`,
  });
  await db.query(
    `UPDATE lending.payouts SET status = 'done', external_ref = $2, finished_at = now() WHERE id = $1`,
    [refund.id, externalRef],
  );
  await audit(db, {
    actor,
    action: 'lending.refund.complete',
    subjectType: 'lending.deal',
    subjectId: String(deal.id),
    details: { refund: String(refund.id), amount: refund.amount, ref: externalRef },
  });
  return { ...refund, status: 'done', externalRef };
}

/** The refund failed: the money goes back to the client's account, to be refunded again. */
export async function failRefund(
  db: Queryable,
  refundId: bigint,
  error: string,
  actor: Actor,
): Promise<Refund> {
  const refund = await openRefund(db, refundId);
  const deal = await getDeal(db, refund.dealId, true);
  const acc = await accounts(db, deal.clientId);
  await transfer(db, {
    key: `lending:refund-failed:${refund.id}`,
    kind: 'lending.refund_failed',
    entries: [
      { account: acc.payable, amount: refund.amount },
      { account: acc.client, amount: -refund.amount },
    ],
    description: `Возврат остатка по договору ${deal.number} не прошёл: ${error}`,
  });
  await db.query(
    `UPDATE lending.payouts SET status = 'failed', error = $2, finished_at = now() WHERE id = $1`,
    [refund.id, error],
  );
  await db.query('UPDATE lending.loan_state SET advance = advance + $2 WHERE deal_id = $1', [
    deal.id,
    refund.amount,
  ]);
  await audit(db, {
    actor,
    action: 'lending.refund.fail',
    subjectType: 'lending.deal',
    subjectId: String(deal.id),
    details: { refund: String(refund.id), amount: refund.amount, error },
  });
  return { ...refund, status: 'failed', error };
}

/**
 * Refund to a card end to end, like the issue: the refund commits first, the card payout
 * service is called outside any transaction (idempotent by the payout id), then its answer is
 * recorded. No answer leaves the refund pending for staff (`completeRefund` / `failRefund`).
 */
export async function refundToCard(
  pool: Pool,
  dealIdOrNumber: bigint | string,
  cardToken: string,
  gateway: CardPayoutGateway,
  reason: string,
  actor: Actor,
): Promise<Refund> {
  const refund = await withTx(pool, (tx) =>
    startRefund(tx, dealIdOrNumber, 'card', { cardToken }, reason, actor),
  );
  const deal = await getDeal(pool, refund.dealId);
  let result: Awaited<ReturnType<CardPayoutGateway['payout']>>;
  try {
    result = await gateway.payout({
      payoutId: refund.id,
      dealNumber: deal.number,
      amount: refund.amount,
      cardToken,
    });
  } catch {
    return refund;
  }
  return withTx(pool, (tx) =>
    result.ok
      ? completeRefund(tx, refund.id, result.ref, actor)
      : failRefund(tx, refund.id, result.error, actor),
  );
}

export async function listRefunds(db: Queryable, dealId: bigint): Promise<Refund[]> {
  const { rows } = await db.query<RefundRow>(
    `SELECT ${COLUMNS} FROM lending.payouts WHERE deal_id = $1 AND purpose = 'refund' ORDER BY id`,
    [dealId],
  );
  return rows.map(toRefund);
}
