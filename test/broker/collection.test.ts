import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LenderAdapter, LenderForm, ScoreResult } from '../../src/broker/lenders/adapter.ts';
import { InhouseLender } from '../../src/broker/lenders/inhouse-lender.ts';
import { setInhouseLender } from '../../src/broker/lenders/registry.ts';
import { setRoute, upsertLender } from '../../src/broker/partners.ts';
import { clearRouteCache } from '../../src/broker/routing.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import { type Harness, POS_PRODUCT, posForm, startHarness } from './harness.ts';

/** The client this lender answers with an offer the database cannot hold (term over int4). */
const BROKEN_FOR = 'Сбоев';

/** An in-process second lender: one offer at once, a broken one for BROKEN_FOR. */
const quickLender: LenderAdapter = {
  async score(form: LenderForm): Promise<ScoreResult> {
    return {
      decision: 'approved',
      offers: [
        {
          lenderOfferId: 'q6',
          name: 'Быстрый 6',
          initialPayment: 0n,
          amount: form.amount - form.initialPayment,
          lifeInsuranceSum: 0n,
          workInsuranceSum: 0n,
          termValue: form.fields.last_name === BROKEN_FOR ? 3_000_000_000 : 6,
          termUnit: 'month',
          regularPaymentAmount: 800_000n,
          regularPeriodType: 'month',
          paymentsCount: 6,
          rate: '20',
        },
      ],
    };
  },
  confirm: () => Promise.reject(new Error('not in this test')),
  checkScans: () => Promise.reject(new Error('not in this test')),
  sign: () => Promise.reject(new Error('not in this test')),
  paymentStatus: () => Promise.reject(new Error('not in this test')),
  issue: () => Promise.reject(new Error('not in this test')),
  cancel: async () => undefined,
};

/**
 * Collection's group commit: the answers of many forms are written together (a few
 * transactions, not one per form), and an answer the database refuses fails only its own form,
 * which then closes at its deadline with nothing from its lenders.
 */
describe('broker: offer collection writes answers in groups', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      deadlineMs: 5000,
      lenders: [
        {
          kinds: ['pos'],
          config: {
            code: 'bank-g',
            secret: 'secret-g',
            delayMs: [20, 40],
            products: [POS_PRODUCT('g12', 12, 125, '15')],
          },
        },
      ],
    });
    setInhouseLender(() => quickLender);
    await withTx(h.db.ctx.pool, async (tx) => {
      const { rows } = await tx.query<{ id: bigint }>(`SELECT id FROM broker.partners WHERE guid = 'p1'`);
      const quick = await upsertLender(tx, h.db.ctx.cipher, {
        code: 'quick',
        name: 'Быстрый',
        adapter: 'inhouse',
      });
      await setRoute(tx, { partnerId: rows[0]!.id, kind: 'pos', lenderId: quick });
    });
    clearRouteCache();
  });
  after(async () => {
    setInhouseLender((ctx) => new InhouseLender(ctx));
    await h.close();
  });

  async function formsByGuid(guids: string[]) {
    const { rows } = await h.db.ctx.pool.query<{
      guid: string;
      status: string;
      offers: number;
      lenders: string[];
      writes: number;
    }>(
      `SELECT f.guid::text, f.status, (SELECT count(*)::int FROM broker.offers o WHERE o.form_id = f.id) AS offers,
         array_agg(fl.status ORDER BY fl.lender_id) AS lenders, count(DISTINCT fl.xmin::text)::int AS writes
       FROM broker.forms f JOIN broker.form_lenders fl ON fl.form_id = f.id
       WHERE f.guid = ANY($1::uuid[]) GROUP BY f.id`,
      [guids],
    );
    return rows;
  }

  async function create(n: number, extra: Record<string, unknown>[] = []) {
    const created = await Promise.all([
      ...Array.from({ length: n }, () => h.call('create_form', posForm('p1', 'online'))),
      ...extra.map((o) => h.call('create_form', posForm('p1', 'online', o))),
    ]);
    for (const c of created) assert.equal(c.status, 'success', c.error_message);
    return created.map((c) => c.data.form_guid as string);
  }

  async function closed(guids: string[], ms?: number) {
    return h.waitFor(
      'forms closed',
      async () => {
        const rows = await formsByGuid(guids);
        return rows.every((r) => r.status !== 'collecting') ? rows : undefined;
      },
      ms,
    );
  }

  it('writes the answers of many forms in a few transactions', async () => {
    const guids = await create(16);
    const started = Date.now();
    const done = await closed(guids);
    assert.ok(Date.now() - started < 4500, 'closed once both lenders answered, not at the deadline');
    for (const r of done) {
      assert.equal(r.status, 'offers');
      assert.equal(r.offers, 2, 'one offer from each lender');
      assert.deepEqual(r.lenders, ['offered', 'offered']);
      assert.equal(r.writes, 1, "a form's answers are written in one transaction");
    }
    const { rows } = await h.db.ctx.pool.query<{ n: number }>(
      `SELECT count(DISTINCT fl.xmin::text)::int AS n FROM broker.form_lenders fl JOIN broker.forms f ON f.id = fl.form_id
       WHERE f.guid = ANY($1::uuid[])`,
      [guids],
    );
    assert.ok(rows[0]!.n <= guids.length / 2, `${guids.length} forms written in ${rows[0]!.n} transactions`);
  });

  it('fails only the form whose answer the database refuses; it closes at its deadline', async () => {
    const guids = await create(4, [{ last_name: BROKEN_FOR }]);
    const broken = guids.pop()!;
    const started = Date.now();
    for (const r of await closed(guids)) {
      assert.equal(r.status, 'offers');
      assert.deepEqual(r.lenders, ['offered', 'offered']);
    }
    assert.ok(Date.now() - started < 4500, 'the others closed before the deadline');
    const [stuck] = await formsByGuid([broken]);
    assert.equal(stuck!.offers, 0, 'nothing of the broken answer was written');
    const [end] = await closed([broken], 20_000);
    assert.equal(end!.status, 'error');
    assert.equal(end!.offers, 0);
    assert.deepEqual(end!.lenders, ['late', 'late']);
  });
});
