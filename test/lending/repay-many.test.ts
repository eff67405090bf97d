import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { verifyLedger } from '../../src/ledger/index.ts';
import { getLoanState } from '../../src/lending/debt/loan-state.ts';
import { lockDeals, repay } from '../../src/lending/repayments/repay.ts';
import { RepayBatchRefused, repayMany } from '../../src/lending/repayments/repay-many.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import { AppError } from '../../src/platform/errors.ts';
import { type TestDatabase, testDatabase } from '../helpers/db.ts';
import { issuedLoan, seedProducts } from './lending-fixtures.ts';

/**
 * repayMany (migration 0029, lending.post_repayments) against repay one by one on twin loans:
 * the same allocations, loan states, transfers (amount by account role) and statuses; the
 * refusals that wrote nothing are per payment, one after an accrual throws for the whole batch.
 */
const PAYER = { type: 'system', id: 'qiwi' } as const;
const DATE = '2026-05-11';

describe('lending repayMany', () => {
  let db: TestDatabase;
  before(async () => {
    db = await testDatabase({ poolSize: 8 });
    await seedProducts(db.ctx);
  });
  after(async () => {
    await db.close();
  });

  const loanOf = (amount: bigint) =>
    issuedLoan(db.ctx, { product: 'PDL30', amount, termDays: 30, date: '2026-05-01' });

  async function numberOf(id: bigint): Promise<string> {
    const { rows } = await db.ctx.pool.query<{ number: string }>(
      'SELECT number FROM lending.deals WHERE id = $1',
      [id],
    );
    return rows[0]!.number;
  }

  /** What a payment left: its row's parts, the loan's state and status, its transfers' legs by role. */
  async function footprint(dealId: bigint, txnId: string) {
    const { rows: pay } = await db.ctx.pool.query(
      `SELECT amount, overdue_interest, overdue_principal, penalty, current_interest, current_principal, other,
              early_principal, to_advance, duty, online, business_date::text
       FROM lending.payments WHERE service = 'QIWI' AND txn_id = $1`,
      [txnId],
    );
    const state = await getLoanState(db.ctx.pool, dealId);
    const { rows: deal } = await db.ctx.pool.query('SELECT status FROM lending.deals WHERE id = $1', [
      dealId,
    ]);
    // Legs by the account's kind (the deal's own principal account differs between twins).
    const { rows: legs } = await db.ctx.pool.query(
      `SELECT t.kind AS transfer, a.kind AS account, e.amount::text
       FROM ledger.transfers t JOIN ledger.entries e ON e.transfer_id = t.id JOIN ledger.accounts a ON a.id = e.account_id
       WHERE t.idem_key IN ($1, $2) ORDER BY t.kind, a.kind, e.amount`,
      [`lending:repay:QIWI:${txnId}`, `lending:accrue:${DATE}:deal:${dealId}`],
    );
    const { dealId: _d, clientId: _c, principalAccountId: _p, ...loan } = state!;
    return { pay, loan, status: deal[0]!.status, legs };
  }

  it('writes for each payment what repay writes for it: partial, whole debt with an advance, and a replay', async () => {
    const amounts = [150_000n, 2_000_000n, 50_000n];
    const single = await Promise.all(amounts.map(() => loanOf(1_000_000n)));
    const many = await Promise.all(amounts.map(() => loanOf(1_000_000n)));
    // A payment made before, replayed in the batch (same deal and sum): it answers the first.
    await withTx(db.ctx.pool, (tx) =>
      repay(
        tx,
        { deal: single[2]!, amount: amounts[2]!, service: 'QIWI', txnId: 's-earlier', date: DATE },
        PAYER,
      ),
    );
    const earlier = await withTx(db.ctx.pool, (tx) =>
      repay(
        tx,
        { deal: many[2]!, amount: amounts[2]!, service: 'QIWI', txnId: 'm-earlier', date: DATE },
        PAYER,
      ),
    );

    for (const [i, id] of single.slice(0, 2).entries())
      await withTx(db.ctx.pool, (tx) =>
        repay(tx, { deal: id, amount: amounts[i]!, service: 'QIWI', txnId: `s-${i}`, date: DATE }, PAYER),
      );
    const numbers = await Promise.all(many.map(numberOf));
    const outcomes = await withTx(db.ctx.pool, async (tx) => {
      const locked = await lockDeals(tx, numbers);
      return repayMany(
        tx,
        numbers.map((number, i) => ({
          deal: number,
          amount: amounts[i]!,
          service: 'QIWI',
          txnId: i === 2 ? 'm-earlier' : `m-${i}`,
          date: DATE,
          locked: locked.get(number)!,
          actor: PAYER,
        })),
      );
    });
    assert.deepEqual(
      outcomes.map((o) => ('error' in o ? 'error' : o.replayed)),
      [false, false, true],
    );
    const replay = outcomes[2]!;
    assert.ok(!('error' in replay) && replay.payment.id === earlier.payment.id);
    for (const i of [0, 1]) {
      const a = await footprint(single[i]!, `s-${i}`);
      const b = await footprint(many[i]!, `m-${i}`);
      assert.deepEqual(b, a, `payment ${i}`);
      assert.ok(a.legs.length > 0);
    }
    assert.equal((await footprint(many[1]!, 'm-1')).status, 'Оплачен', 'paid off in full');
    assert.deepEqual(
      (await footprint(many[2]!, 'm-earlier')).loan,
      (await footprint(single[2]!, 's-earlier')).loan,
      'the replay wrote nothing',
    );
    assert.equal((await verifyLedger(db.ctx.pool)).ok, true);
  });

  it('answers a refusal that wrote nothing per payment, and throws for one after an accrual, writing nothing', async () => {
    const [a, b, c] = await Promise.all([loanOf(500_000n), loanOf(500_000n), loanOf(500_000n)]);
    await withTx(db.ctx.pool, (tx) =>
      repay(tx, { deal: c!, amount: 10_000n, service: 'QIWI', txnId: 'r-taken', date: DATE }, PAYER),
    );
    const [na, nb] = await Promise.all([numberOf(a!), numberOf(b!)]);
    // Another deal's txn_id: refused before any accrual, the other payment lands.
    const outcomes = await withTx(db.ctx.pool, async (tx) => {
      const locked = await lockDeals(tx, [na, nb]);
      return repayMany(tx, [
        {
          deal: na,
          amount: 10_000n,
          service: 'QIWI',
          txnId: 'r-taken',
          date: DATE,
          locked: locked.get(na)!,
          actor: PAYER,
        },
        {
          deal: nb,
          amount: 10_000n,
          service: 'QIWI',
          txnId: 'r-b',
          date: DATE,
          locked: locked.get(nb)!,
          actor: PAYER,
        },
      ]);
    });
    const refused = outcomes[0]!;
    assert.ok(
      'error' in refused && refused.error instanceof AppError && refused.error.code === 'lending.txn_reused',
    );
    assert.ok(!('error' in outcomes[1]!));
    assert.equal(
      (await getLoanState(db.ctx.pool, a!))!.accruedThrough < DATE,
      true,
      'the refused loan accrued nothing',
    );

    // Above the debt (refused by `accept` after the accrual): the batch throws; rolled back, nothing stays.
    const stateBefore = await getLoanState(db.ctx.pool, a!);
    await assert.rejects(
      withTx(db.ctx.pool, async (tx) => {
        const locked = await lockDeals(tx, [na]);
        return repayMany(tx, [
          {
            deal: na,
            amount: 9_000_000n,
            service: 'QIWI',
            txnId: 'r-big',
            date: DATE,
            locked: locked.get(na)!,
            actor: PAYER,
            accept: () => {
              throw new AppError('validation', 'test.limit', 'больше долга');
            },
          },
        ]);
      }),
      (e: unknown) => e instanceof RepayBatchRefused && (e.cause as AppError).code === 'test.limit',
    );
    assert.deepEqual(await getLoanState(db.ctx.pool, a!), stateBefore);
    assert.equal((await verifyLedger(db.ctx.pool)).ok, true);
  });
});
