import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { chargeDue, expireDue } from '../../src/bnpl/lifecycle.ts';
import { verifyLedger } from '../../src/ledger/index.ts';
import { getDeal, getSchedule } from '../../src/lending/deals/repository.ts';
import { debtSummary } from '../../src/lending/debt/summary.ts';
import { latestSmsText } from '../../src/notify/outbox.ts';
import { type Harness, harness, init, initBody, payThroughFrame, refundReq, state } from './harness.ts';

async function sessionRow(h: Harness, orderId: string) {
  const { rows } = await h.db.ctx.pool.query(
    `SELECT id, deal_id, first_payment, refunded_total, state FROM bnpl.sessions WHERE order_id = $1`,
    [orderId],
  );
  return rows[0] as {
    id: bigint;
    deal_id: bigint;
    first_payment: bigint;
    refunded_total: bigint;
    state: string;
  };
}

async function balance(h: Harness, code: string): Promise<bigint> {
  const { rows } = await h.db.ctx.pool.query(`SELECT balance FROM ledger.accounts WHERE code = $1`, [code]);
  return rows[0]?.balance ?? 0n;
}

async function callbacks(h: Harness, sessionId: bigint) {
  const { rows } = await h.db.ctx.pool.query(
    `SELECT kind, body FROM bnpl.callbacks WHERE session_id = $1 ORDER BY id`,
    [sessionId],
  );
  return rows as { kind: string; body: string }[];
}

const DECLINED_CARD = '4111111111170000';

/** The state machine end to end against the real database, acquirer simulator and loan engine. */
describe('Moneywall session lifecycle', { timeout: 240_000 }, () => {
  let h: Harness;
  before(async () => {
    h = await harness();
  });
  after(async () => {
    await h?.close();
  });

  it('opens a BNPL3 deal on the first payment: authorized, issued to the merchant, first instalment repaid', async () => {
    const { sessionId } = await payThroughFrame(h, 'life-open', { departDays: 90 });
    assert.equal(await state(h.app, 'life-open'), 'authorized');
    const s = await sessionRow(h, 'life-open');
    const deal = await getDeal(h.db.ctx.pool, s.deal_id);
    assert.equal(deal.status, 'Выдан');
    assert.equal(deal.amount, 1_200_000n);
    const lines = await getSchedule(h.db.ctx.pool, s.deal_id);
    // Departure in 90 days: K = 1.10, 12 000 × 1.10 / 3 = 4 400 each.
    assert.deepEqual(
      lines.map((l) => l.total),
      [440_000n, 440_000n, 440_000n],
    );
    assert.equal(s.first_payment, 440_000n);
    const debt = await debtSummary(h.db.ctx.pool, deal.number);
    assert.equal(debt.schedule?.length ?? lines.length, 3);
    const pays = await h.db.ctx.pool.query(
      `SELECT amount, service, reversed_at FROM lending.payments WHERE deal_id = $1`,
      [s.deal_id],
    );
    assert.deepEqual(
      pays.rows.map((r) => [r.amount, r.service]),
      [[440_000n, 'Moneywall']],
    );
    // The principal (the order) went out to the merchant, the first instalment came in.
    assert.equal(await balance(h, `deal:${s.deal_id}:principal`), 1_200_000n - (lines[0]!.principal ?? 0n));
    const card = await h.db.ctx.pool.query(
      `SELECT status, card_first6, card_last4, card_token FROM bnpl.card_payments WHERE session_id = $1`,
      [sessionId],
    );
    assert.equal(card.rows[0].status, 'authorized');
    assert.equal(card.rows[0].card_first6, '411111');
    assert.equal(card.rows[0].card_last4, '1111');
    const cb = await callbacks(h, sessionId);
    assert.equal(cb.length, 1);
    assert.equal(cb[0]!.kind, 'success');
    assert.equal(JSON.parse(cb[0]!.body).state, 'authorized');
  });

  it('voids on a full refund within 24 hours: deal cancelled, first payment reversed, hold released', async () => {
    const { sessionId } = await payThroughFrame(h, 'life-void', { departDays: 30 });
    const s = await sessionRow(h, 'life-void');
    const r = await refundReq(h.app, 'life-void', 12000);
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().state, 'voided');
    assert.equal(r.json().refund, 'void');
    assert.equal(await state(h.app, 'life-void'), 'voided');
    const deal = await getDeal(h.db.ctx.pool, s.deal_id);
    assert.equal(deal.status, 'Отменен');
    const pays = await h.db.ctx.pool.query(
      `SELECT reversed_at IS NOT NULL AS reversed FROM lending.payments WHERE deal_id = $1`,
      [s.deal_id],
    );
    assert.deepEqual(
      pays.rows.map((p) => p.reversed),
      [true],
    );
    assert.equal(await balance(h, `deal:${s.deal_id}:principal`), 0n);
    const card = await h.db.ctx.pool.query(`SELECT status FROM bnpl.card_payments WHERE session_id = $1`, [
      sessionId,
    ]);
    assert.equal(card.rows[0].status, 'voided');
    // Nothing more to refund.
    const again = await refundReq(h.app, 'life-void', 1);
    assert.equal(again.statusCode, 409);
  });

  it('after 24 hours: charged by the job, a partial refund reduces the debt, the rest closes the loan', async () => {
    await payThroughFrame(h, 'life-late', { departDays: 90 });
    const s = await sessionRow(h, 'life-late');
    await h.db.ctx.pool.query(
      `UPDATE bnpl.sessions SET authorized_at = now() - interval '25 hours' WHERE id = $1`,
      [s.id],
    );
    assert.equal(await chargeDue(h.db.ctx), 1);
    assert.equal(await state(h.app, 'life-late'), 'charged');
    const card = await h.db.ctx.pool.query(`SELECT status FROM bnpl.card_payments WHERE session_id = $1`, [
      s.id,
    ]);
    assert.equal(card.rows[0].status, 'captured');
    const deal = await getDeal(h.db.ctx.pool, s.deal_id);
    const before = await debtSummary(h.db.ctx.pool, deal.number);
    const partial = await refundReq(h.app, 'life-late', '2000.50');
    assert.equal(partial.statusCode, 200, partial.body);
    assert.equal(partial.json().state, 'charged');
    assert.equal(partial.json().refund, 'early_repayment');
    const afterPartial = await debtSummary(h.db.ctx.pool, deal.number);
    assert.equal(before.totalDebt - afterPartial.totalDebt, 200_050n);
    // More than what is left of the order is refused, nothing changes.
    const tooMuch = await refundReq(h.app, 'life-late', 10000);
    assert.equal(tooMuch.statusCode, 422);
    assert.match(tooMuch.json().message, /больше остатка заказа/);
    const rest = await refundReq(h.app, 'life-late', '9999.50');
    assert.equal(rest.statusCode, 200, rest.body);
    assert.equal(rest.json().state, 'refunded');
    assert.equal(await state(h.app, 'life-late'), 'refunded');
    assert.equal((await getDeal(h.db.ctx.pool, s.deal_id)).status, 'Оплачен');
    assert.equal((await sessionRow(h, 'life-late')).refunded_total, 1_200_000n);
  });

  it('a full refund of an authorized session older than 24 hours is an early repayment, not a void', async () => {
    await payThroughFrame(h, 'life-late-full', { departDays: 90 });
    const s = await sessionRow(h, 'life-late-full');
    await h.db.ctx.pool.query(
      `UPDATE bnpl.sessions SET authorized_at = now() - interval '25 hours' WHERE id = $1`,
      [s.id],
    );
    const r = await refundReq(h.app, 'life-late-full', 12000);
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().state, 'refunded');
    assert.equal(r.json().refund, 'early_repayment');
    assert.equal((await getDeal(h.db.ctx.pool, s.deal_id)).status, 'Оплачен');
  });

  it('cancels at expires_at and calls the failure callback; the frame no longer works', async () => {
    const r = await init(
      h.app,
      initBody('life-expire', {
        expires_at: new Date(Date.now() + 1500).toISOString().replace('Z', '+00:00'),
      }),
    );
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(await state(h.app, 'life-expire'), 'processing');
    assert.equal(await expireDue(h.db.ctx), 0);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    assert.equal(await expireDue(h.db.ctx), 1);
    assert.equal(await state(h.app, 'life-expire'), 'cancelled');
    const cb = await callbacks(h, BigInt(r.json().id));
    assert.deepEqual(
      cb.map((c) => [c.kind, JSON.parse(c.body).reason]),
      [['failure', 'expired']],
    );
    const token = new URL(r.json().frame_url).pathname.split('/')[2];
    const page = await h.app.inject({ method: 'GET', url: `/frame/${token}` });
    assert.match(page.body, /ссылка больше не действует/);
  });

  it('declines (an under-age customer): session cancelled, deal refused, failure callback', async () => {
    const young = initBody('life-decline').local_passport;
    const r = await payThroughFrame(h, 'life-decline', {
      body: { local_passport: { ...young, birth_date: '2015-01-01' } },
    }).catch((e: Error) => e);
    assert.ok(!(r instanceof Error) || /pay 409/.test(r.message), String(r));
    assert.equal(await state(h.app, 'life-decline'), 'cancelled');
    const s = await sessionRow(h, 'life-decline');
    assert.equal((await getDeal(h.db.ctx.pool, s.deal_id)).status, 'Отказ');
    const cb = await callbacks(h, s.id);
    assert.deepEqual(
      cb.map((c) => c.kind),
      ['failure'],
    );
  });

  it('a declined card leaves the session processing and another card can pay', async () => {
    const { token } = await payThroughFrame(h, 'life-card', { card: DECLINED_CARD });
    assert.equal(await state(h.app, 'life-card'), 'processing');
    const s = await sessionRow(h, 'life-card');
    const card = await h.db.ctx.pool.query(
      `SELECT status, error FROM bnpl.card_payments WHERE session_id = $1`,
      [s.id],
    );
    assert.equal(card.rows[0].status, 'declined');
    const page = await h.app.inject({ method: 'GET', url: `/frame/${token}` });
    assert.match(page.body, /Платёж не прошёл: недостаточно средств/);
    const pay = await h.app.inject({ method: 'POST', url: `/frame/${token}/pay` });
    const back = await fetch(pay.headers.location as string, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ card_number: '5555555555554444', expiry: '12/29', cvc: '123' }),
      redirect: 'manual',
    });
    await h.app.inject({ method: 'GET', url: new URL(back.headers.get('location')!).pathname });
    assert.equal(await state(h.app, 'life-card'), 'authorized');
  });

  it('limits SMS code tries: the fifth wrong code burns it, a resent code works', async () => {
    const r = await init(h.app, initBody('life-code'));
    const token = new URL(r.json().frame_url).pathname.split('/')[2]!;
    const sessionId = BigInt(r.json().id);
    const page = await h.app.inject({ method: 'GET', url: `/frame/${token}` });
    const values = Object.fromEntries(
      [...page.body.matchAll(/name="([a-z_]+)" type="[a-z]+" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!]),
    );
    const post = (url: string, fields: Record<string, string>) =>
      h.app.inject({
        method: 'POST',
        url,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams(fields).toString(),
      });
    const noConsent = await post(`/frame/${token}/customer`, { ...values, sex: 'male' });
    assert.equal(noConsent.statusCode, 422);
    assert.match(noConsent.body, /Нужно ваше согласие/);
    await post(`/frame/${token}/customer`, {
      ...values,
      sex: 'male',
      consent_terms: 'on',
      consent_personal_data: 'on',
      consent_asp: 'on',
    });
    const code = /(\d{6})/.exec(
      (await latestSmsText(h.db.ctx.pool, h.db.ctx, { module: 'bnpl', subjectId: sessionId }))!,
    )![1]!;
    const wrong = code === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++) {
      const w = await post(`/frame/${token}/code`, { code: wrong });
      assert.match(w.body, /Неверный код/);
    }
    const burnt = await post(`/frame/${token}/code`, { code });
    assert.match(burnt.body, /Код больше не действует/);
    const stored = await h.db.ctx.pool.query(`SELECT code_hash FROM bnpl.sms_codes WHERE session_id = $1`, [
      sessionId,
    ]);
    assert.ok(!String(stored.rows[0].code_hash).includes(code));
    await post(`/frame/${token}/resend`, {});
    const fresh = /(\d{6})/.exec(
      (await latestSmsText(h.db.ctx.pool, h.db.ctx, { module: 'bnpl', subjectId: sessionId }))!,
    )![1]!;
    const ok = await post(`/frame/${token}/code`, { code: fresh });
    assert.equal(ok.statusCode, 303);
    assert.equal((await sessionRow(h, 'life-code')).deal_id !== null, true);
  });

  it("a refund after the loan is repaid goes to the customer's account; the last one completes the refund", async () => {
    await payThroughFrame(h, 'life-overpaid', { departDays: 90 });
    const s = await sessionRow(h, 'life-overpaid');
    await h.db.ctx.pool.query(
      `UPDATE bnpl.sessions SET authorized_at = now() - interval '25 hours' WHERE id = $1`,
      [s.id],
    );
    // 11 000 ₽ of the 12 000 ₽ order repays the 8 800 ₽ left; the loan is paid off.
    const big = await refundReq(h.app, 'life-overpaid', 11000);
    assert.equal(big.statusCode, 200, big.body);
    assert.equal(big.json().state, 'authorized');
    const deal = await getDeal(h.db.ctx.pool, s.deal_id);
    assert.equal(deal.status, 'Оплачен');
    const before = await balance(h, `client:${deal.clientId}:balance`);
    const last = await refundReq(h.app, 'life-overpaid', 1000);
    assert.equal(last.statusCode, 200, last.body);
    assert.equal(last.json().state, 'refunded');
    assert.equal((await balance(h, `client:${deal.clientId}:balance`)) - before, -100_000n);
  });

  it('parallel refunds never exceed the order: one full refund wins, the others are refused', async () => {
    await payThroughFrame(h, 'life-race', { departDays: 90 });
    const answers = await Promise.all(Array.from({ length: 6 }, () => refundReq(h.app, 'life-race', 12000)));
    const codes = answers.map((a) => a.statusCode).sort();
    assert.equal(codes.filter((c) => c === 200).length, 1, JSON.stringify(answers.map((a) => a.body)));
    assert.ok(codes.every((c) => c === 200 || c === 409 || c === 422));
    const s = await sessionRow(h, 'life-race');
    assert.equal(s.refunded_total, 1_200_000n);
    assert.equal(s.state, 'voided');
    const refunds = await h.db.ctx.pool.query(
      `SELECT count(*)::int AS n FROM bnpl.refunds WHERE session_id = $1`,
      [s.id],
    );
    assert.equal(refunds.rows[0].n, 1);
  });

  it('leaves the ledger balanced after every journey', async () => {
    const report = await verifyLedger(h.db.ctx.pool);
    assert.equal(report.ok, true, JSON.stringify(report.problems?.slice(0, 3)));
  });
});
