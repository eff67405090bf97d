import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { upsertClient } from '../../src/lending/clients/repository.ts';
import { getDeal } from '../../src/lending/deals/repository.ts';
import { latestSmsText } from '../../src/notify/outbox.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import { bnplForm, type Harness, POS_PRODUCT, payOnFramePage, posForm, startHarness } from './harness.ts';

interface WireOffer {
  guid: string;
  name: string;
  amount: number;
  term_value: number;
  term_unit: string;
  regular_period_type: string;
  rate: string | number;
}

/**
 * Kopek's own MFO as the third lender of a form: scoring by the loan engine, its offer next to a
 * bank's, the contract from the engine's schedule, SMS signing, issue to the merchant with the
 * ledger transfer, declines and cancel mapped both ways; BNPL forms with Moneywall's payment
 * page (the full BNPL journey is in journeys.test.ts).
 */
describe('broker: the in-house lender (the MFO)', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      deadlineMs: 6000,
      inhouse: ['pos', 'bnpl'],
      lenders: [
        {
          kinds: ['pos'],
          config: {
            code: 'bank-x',
            secret: 'secret-x',
            delayMs: [5, 20],
            products: [POS_PRODUCT('x12', 12, 125, '15')],
          },
        },
      ],
    });
  });
  after(() => h.close());

  async function closedForm(formGuid: string) {
    return h.waitFor('offers', async () => {
      const r = await h.call('get_offers', { partner_guid: 'p1', form_guid: formGuid });
      assert.equal(r.status, 'success', r.error_message);
      return r.data.offer_status !== 'pending' ? r.data : undefined;
    });
  }

  async function mfoAnswer(formGuid: string) {
    const { rows } = await h.db.ctx.pool.query<{ status: string; detail: string | null }>(
      `SELECT fl.status, fl.detail FROM broker.form_lenders fl JOIN broker.forms f ON f.id = fl.form_id
       JOIN broker.lenders l ON l.id = fl.lender_id WHERE f.guid = $1 AND l.code = 'kopek-mfo'`,
      [formGuid],
    );
    return rows[0]!;
  }

  async function dealsOf(formGuid: string) {
    const { rows } = await h.db.ctx.pool.query<{ deal_id: bigint }>(
      `SELECT deal_id FROM broker.inhouse_deals WHERE application_id = $1 ORDER BY deal_id`,
      [formGuid],
    );
    return Promise.all(rows.map((r) => getDeal(h.db.ctx.pool, r.deal_id)));
  }

  /** A small loan a new client gets approved automatically: PDL30, 25 000 ₽ for 30 days. */
  const small = (overrides: Record<string, unknown> = {}) =>
    posForm('p1', 'online', {
      amount: 2_700_000,
      initial_payment: 200_000,
      term_value: 1,
      items: [{ group: 'PHONES', category: 'MOBILE_PHONES', description: 'Смартфон', price: 2_700_000 }],
      ...overrides,
    });

  it('offers, signs and issues a real MFO loan that pays the merchant', async () => {
    const form = small({ passport_number: '100001' });
    const created = await h.call('create_form', form);
    assert.equal(created.status, 'success', created.error_message);
    const formGuid = created.data.form_guid as string;
    const data = await closedForm(formGuid);
    assert.equal(data.offer_status, 'done');
    const offers = data.offers as WireOffer[];
    assert.equal(offers.length, 2, 'the bank and the MFO both offered');
    const mfo = offers.find((o) => o.name.startsWith('МФО «Копек»'))!;
    assert.ok(mfo, JSON.stringify(offers));
    assert.equal(mfo.amount, 2_500_000, 'the credit is the amount less the initial payment');
    assert.equal(mfo.term_value, 30);
    assert.equal(mfo.term_unit, 'day');
    assert.equal(mfo.regular_period_type, 'day', 'one payment at the end');
    assert.equal(String(mfo.rate), '292', '0.8 % a day as a yearly rate');
    // The engine holds the application: client from the form, approved by its scoring.
    const [deal] = await dealsOf(formGuid);
    assert.equal(deal!.status, 'Одобрен');
    assert.equal(deal!.amount, 2_500_000n);
    assert.equal(deal!.source, 'broker');
    const client = await h.db.ctx.pool.query<{ last_name: string; phone: string; monthly_income: bigint }>(
      'SELECT last_name, phone, monthly_income FROM lending.clients WHERE id = $1',
      [deal!.clientId],
    );
    assert.deepEqual(
      { ...client.rows[0] },
      { last_name: 'Иванов', phone: '79123456789', monthly_income: 12_000_000n },
    );

    const ref = { partner_guid: 'p1', form_guid: formGuid, offer_guid: mfo.guid };
    assert.equal((await h.call('confirm_offer', ref)).status, 'success');
    const contract = await h.contract(ref);
    const c = contract.contract as Record<string, unknown>;
    assert.equal(c.number, deal!.number, 'the contract number is the deal number');
    assert.equal(c.amount, 2_500_000);
    assert.equal(c.payments_count, 1);
    assert.equal(c.regular_payment_amount, 2_500_000 + 600_000, '30 days at 0.8 % a day');
    assert.equal(Number(c.effective_rate), Number(deal!.pskPercent));
    const files = contract.files as { file_guid: string; file_name: string }[];
    assert.equal(files.length, 1);
    const pdf = await h.app.inject({
      method: 'GET',
      url: `/dp/get_file?partner_guid=p1&file_guid=${files[0]!.file_guid}`,
      headers: { authorization: 'Bearer token-1' },
    });
    assert.equal(pdf.statusCode, 200);
    assert.equal(pdf.rawPayload.subarray(0, 5).toString(), '%PDF-');

    const offerId = (
      await h.db.ctx.pool.query<{ id: bigint }>(`SELECT id FROM broker.offers WHERE guid = $1`, [mfo.guid])
    ).rows[0]!.id;
    const sms = await h.waitFor('signing code', () =>
      latestSmsText(h.db.ctx.pool, h.db.ctx, {
        module: 'broker',
        subjectId: offerId,
        purpose: 'signing_code',
      }),
    );
    const code = /: (\d{6})\./.exec(sms)![1]!;
    assert.equal((await h.call('check_sms_code', { ...ref, code })).status, 'success');
    const signed = await h.waitFor('deal signed', async () => {
      const d = await getDeal(h.db.ctx.pool, deal!.id);
      return d.status === 'Подписан (дистанционно)' ? d : undefined;
    });
    assert.ok(signed.signedAt);
    const proof = await h.db.ctx.pool.query<{ sign_proof: string }>(
      'SELECT sign_proof FROM lending.deals WHERE id = $1',
      [deal!.id],
    );
    assert.match(proof.rows[0]!.sign_proof, /АСП: код из СМС через брокера DenimHub/);
    assert.match(proof.rows[0]!.sign_proof, /7912\*+/, 'the masked phone, not the full one');

    assert.equal((await h.call('confirm_contract', ref)).status, 'success');
    await h.waitFor('issue', async () => {
      const r = await h.call('get_issue_status', ref);
      return r.data.issue_status === 'done' ? true : undefined;
    });
    const issued = await getDeal(h.db.ctx.pool, deal!.id);
    assert.equal(issued.status, 'Выдан');
    assert.ok(issued.issueDate);
    // One balanced transfer: the principal left the MFO's cash for the deal's loan account.
    const { rows: entries } = await h.db.ctx.pool.query<{ code: string; amount: bigint }>(
      `SELECT a.code, e.amount FROM ledger.transfers t JOIN ledger.entries e ON e.transfer_id = t.id
       JOIN ledger.accounts a ON a.id = e.account_id WHERE t.idem_key = $1 ORDER BY a.code`,
      [`lending:issue:${deal!.id}`],
    );
    assert.equal(entries.length, 2, entries.map((e) => `${e.code} ${e.amount}`).join(', '));
    assert.equal(
      entries.reduce((s, e) => s + BigInt(e.amount), 0n),
      0n,
    );
    assert.ok(
      entries.some((e) => e.code === `deal:${deal!.id}:principal` && BigInt(e.amount) === 2_500_000n),
    );
    assert.ok(entries.some((e) => e.code === 'mfo:cash:RUB' && BigInt(e.amount) === -2_500_000n));
    const payout = await h.db.ctx.pool.query<{ method: string; external_ref: string }>(
      'SELECT method, external_ref FROM lending.payouts WHERE deal_id = $1',
      [deal!.id],
    );
    assert.equal(payout.rows[0]!.method, 'external');
    assert.match(payout.rows[0]!.external_ref, new RegExp(`партнёру p1, анкета ${form.external_id}`));
    const state = await h.db.ctx.pool.query('SELECT 1 FROM lending.loan_state WHERE deal_id = $1', [
      deal!.id,
    ]);
    assert.equal(state.rowCount, 1, 'the loan is in COB from now on');
  });

  it("maps the engine's scoring decline to the broker's decline", async () => {
    // A client on the MFO's blacklist: the engine's scoring declines; the bank still offers.
    await withTx(h.db.ctx.pool, (tx) =>
      upsertClient(
        tx,
        h.db.ctx.cipher,
        {
          lastName: 'Иванов',
          firstName: 'Иван',
          birthDate: '1985-04-12',
          phone: '79123456789',
          passport: '4510100002',
          blacklisted: true,
        },
        { type: 'staff', id: 'test' },
      ),
    );
    const created = await h.call('create_form', small({ passport_number: '100002' }));
    assert.equal(created.status, 'success', created.error_message);
    const formGuid = created.data.form_guid as string;
    const data = await closedForm(formGuid);
    assert.equal((data.offers as WireOffer[]).length, 1);
    const answer = await mfoAnswer(formGuid);
    assert.equal(answer.status, 'declined');
    assert.match(answer.detail!, /чёрном списке/);
    const [deal] = await dealsOf(formGuid);
    assert.equal(deal!.status, 'Отказ');
  });

  it('declines what only a person could approve, and what no product covers', async () => {
    // 45 000 ₽ for 6 months to a new client: the engine sends it to review; the broker cannot wait.
    const review = await h.call(
      'create_form',
      posForm('p1', 'online', { passport_number: '100003', term_value: 6 }),
    );
    const big = await h.call(
      'create_form',
      posForm('p1', 'online', {
        passport_number: '100004',
        amount: 50_000_000,
        items: [{ group: 'PHONES', category: 'MOBILE_PHONES', description: 'Телевизор', price: 50_000_000 }],
      }),
    );
    for (const r of [review, big]) await closedForm(r.data.form_guid as string);
    const reviewed = await mfoAnswer(review.data.form_guid as string);
    assert.equal(reviewed.status, 'declined');
    assert.match(reviewed.detail!, /ручная проверка/);
    const [deal] = await dealsOf(review.data.form_guid as string);
    assert.equal(deal!.status, 'Отказ');
    assert.equal(deal!.termDays, 180);
    const none = await mfoAnswer(big.data.form_guid as string);
    assert.equal(none.status, 'declined');
    assert.match(none.detail!, /нет продукта/);
    assert.equal((await dealsOf(big.data.form_guid as string)).length, 0);
  });

  it('answers a repeated scoring call from the applications it opened', async () => {
    const created = await h.call('create_form', small({ passport_number: '100005' }));
    const formGuid = created.data.form_guid as string;
    await closedForm(formGuid);
    const [deal] = await dealsOf(formGuid);
    const { InhouseLender } = await import('../../src/broker/lenders/inhouse-lender.ts');
    const lender = new InhouseLender(h.db.ctx);
    const again = await Promise.all(
      [1, 2].map(() =>
        lender.score({
          applicationId: formGuid,
          kind: 'pos',
          offline: false,
          amount: 2_700_000n,
          initialPayment: 200_000n,
          termValue: 1,
          fields: {},
        }),
      ),
    );
    for (const r of again) {
      assert.equal(r.decision, 'approved');
      assert.deepEqual(r.decision === 'approved' ? r.offers.map((o) => o.lenderOfferId) : [], [deal!.number]);
    }
    assert.equal((await dealsOf(formGuid)).length, 1, 'no second application');
  });

  it("lets the MFO's approval lapse when the client takes the bank's offer", async () => {
    const created = await h.call('create_form', small({ passport_number: '100007' }));
    const formGuid = created.data.form_guid as string;
    const offers = (await closedForm(formGuid)).offers as WireOffer[];
    const bank = offers.find((o) => !o.name.startsWith('МФО'))!;
    const ref = { partner_guid: 'p1', form_guid: formGuid, offer_guid: bank.guid };
    assert.equal((await h.call('confirm_offer', ref)).status, 'success');
    await h.waitFor('contract', async () =>
      (await h.call('get_contract', ref)).data.contract_status === 'done' ? true : undefined,
    );
    const offerId = (
      await h.db.ctx.pool.query<{ id: bigint }>(`SELECT id FROM broker.offers WHERE guid = $1`, [bank.guid])
    ).rows[0]!.id;
    const sms = await h.waitFor('signing code', () =>
      latestSmsText(h.db.ctx.pool, h.db.ctx, {
        module: 'broker',
        subjectId: offerId,
        purpose: 'signing_code',
      }),
    );
    assert.equal(
      (await h.call('check_sms_code', { ...ref, code: /: (\d{6})\./.exec(sms)![1]! })).status,
      'success',
    );
    const [deal] = await dealsOf(formGuid);
    assert.equal(
      (await getDeal(h.db.ctx.pool, deal!.id)).status,
      'Одобрен',
      'still approved while the bank works',
    );
    assert.equal((await h.call('confirm_contract', ref)).status, 'success');
    await h.waitFor('issue', async () =>
      (await h.call('get_issue_status', ref)).data.issue_status === 'done' ? true : undefined,
    );
    await h.waitFor('MFO application cancelled', async () =>
      (await getDeal(h.db.ctx.pool, deal!.id)).status === 'Отменен' ? true : undefined,
    );
  });

  it('cancels the deal when the form is cancelled', async () => {
    const created = await h.call('create_form', small({ passport_number: '100006' }));
    const formGuid = created.data.form_guid as string;
    const offers = (await closedForm(formGuid)).offers as WireOffer[];
    const mfo = offers.find((o) => o.name.startsWith('МФО'))!;
    const ref = { partner_guid: 'p1', form_guid: formGuid, offer_guid: mfo.guid };
    assert.equal((await h.call('confirm_offer', ref)).status, 'success');
    await h.waitFor('contract', async () => {
      const r = await h.call('get_contract', ref);
      return r.data.contract_status === 'done' ? true : undefined;
    });
    assert.equal((await h.call('cancel', { partner_guid: 'p1', form_guid: formGuid })).status, 'success');
    const [deal] = await dealsOf(formGuid);
    const cancelled = await h.waitFor('deal cancelled', async () => {
      const d = await getDeal(h.db.ctx.pool, deal!.id);
      return d.status === 'Отменен' ? d : undefined;
    });
    assert.equal(cancelled.issueDate, null);
  });

  /** A BNPL form the MFO can take: the engine needs a passport (the broker asks it above 40 000 ₽ only). */
  const splitForm = (passportNumber: string, overrides: Record<string, unknown> = {}) =>
    bnplForm('p1', 'bnpl', {
      passport_series: '4530',
      passport_number: passportNumber,
      passport_issue_date: '2015-06-01',
      passport_issued_by: 'ОВД района Хамовники г. Москвы',
      passport_division_code: '770-003',
      ...overrides,
    });

  async function confirmedSplit(passportNumber: string) {
    const created = await h.call('create_form', splitForm(passportNumber));
    assert.equal(created.status, 'success', created.error_message);
    const formGuid = created.data.form_guid as string;
    const data = await closedForm(formGuid);
    const offers = data.offers as WireOffer[];
    assert.equal(offers.length, 1, JSON.stringify(data));
    const ref = { partner_guid: 'p1', form_guid: formGuid, offer_guid: offers[0]!.guid };
    assert.equal((await h.call('confirm_offer', ref)).status, 'success');
    await h.waitFor('contract', async () =>
      (await h.call('get_contract', ref)).data.contract_status === 'done' ? true : undefined,
    );
    const paymentUrl = (await h.call('get_signing_status', ref)).data.payment_url as string;
    const [deal] = await dealsOf(formGuid);
    const session = async () =>
      (
        await h.db.ctx.pool.query<{ state: string; step: string }>(
          `SELECT state, step FROM bnpl.sessions WHERE order_id = $1`,
          [formGuid],
        )
      ).rows[0]!;
    return { formGuid, ref, paymentUrl, deal: deal!, session };
  }

  it('declines BNPL forms its engine declines, and orders BNPL3 does not cover', async () => {
    await withTx(h.db.ctx.pool, (tx) =>
      upsertClient(
        tx,
        h.db.ctx.cipher,
        {
          lastName: 'Смирнова',
          firstName: 'Ольга',
          birthDate: '1990-01-31',
          phone: '79123456780',
          passport: '4530200001',
          blacklisted: true,
        },
        { type: 'staff', id: 'test' },
      ),
    );
    const black = await h.call('create_form', splitForm('200001'));
    const large = await h.call(
      'create_form',
      splitForm('200002', {
        amount: 3_500_000,
        items: [
          {
            group: 'HOME_APPLIANCES',
            category: 'KITCHEN_APPLIANCES',
            description: 'Кофемашина',
            price: 3_500_000,
            vendor_code: 'CM-900',
            storage_unit: 'шт',
          },
        ],
      }),
    );
    for (const r of [black, large]) {
      assert.equal(r.status, 'success', r.error_message);
      assert.equal((await closedForm(r.data.form_guid as string)).offer_status, 'declined');
    }
    assert.match((await mfoAnswer(black.data.form_guid as string)).detail!, /чёрном списке/);
    const [blackDeal] = await dealsOf(black.data.form_guid as string);
    assert.equal(blackDeal!.status, 'Отказ');
    assert.match((await mfoAnswer(large.data.form_guid as string)).detail!, /нет продукта на сумму 35\s000/);
    // A minor never passes the broker's form check; the engine refuses one on its own too.
    const { InhouseLender } = await import('../../src/broker/lenders/inhouse-lender.ts');
    const minor = new Date(Date.now() - 16 * 365.25 * 86_400_000).toISOString().slice(0, 10);
    const answer = await new InhouseLender(h.db.ctx).score({
      applicationId: randomUUID(),
      kind: 'bnpl',
      offline: false,
      amount: 2_000_000n,
      initialPayment: 0n,
      termValue: undefined,
      fields: { ...splitForm('200003'), birth_date: minor, mobile_phone: '79123456781' },
    });
    assert.equal(answer.decision, 'declined');
    assert.match(answer.decision === 'declined' ? answer.reason : '', /займы выдаются с 18 лет/);
  });

  it('closes the payment page and cancels the deal when the form is cancelled before payment', async () => {
    const { formGuid, ref, paymentUrl, deal, session } = await confirmedSplit('200004');
    assert.equal((await session()).state, 'processing');
    assert.equal((await getDeal(h.db.ctx.pool, deal.id)).status, 'Одобрен');
    assert.equal((await h.call('cancel', { partner_guid: 'p1', form_guid: formGuid })).status, 'success');
    await h.waitFor('session cancelled', async () =>
      (await session()).state === 'cancelled' ? true : undefined,
    );
    assert.equal((await getDeal(h.db.ctx.pool, deal.id)).status, 'Отменен');
    const path = new URL(paymentUrl).pathname;
    const page = await h.app.inject({ method: 'GET', url: path });
    assert.match(page.body, /больше не действует/);
    assert.equal((await h.app.inject({ method: 'POST', url: `${path}/pay` })).statusCode, 409);
    assert.equal((await h.call('get_signing_status', ref)).data.signing_status, 'CANCELED');
    const issued = await h.db.ctx.pool.query(`SELECT 1 FROM ledger.transfers WHERE idem_key = $1`, [
      `lending:issue:${deal.id}`,
    ]);
    assert.equal(issued.rowCount, 0, 'no money moved');
  });

  it('voids a paid first part when the form is cancelled before the issue', async () => {
    const { formGuid, ref, paymentUrl, deal, session } = await confirmedSplit('200005');
    // The client pays at the acquirer but never comes back to the frame: the broker's status
    // request reads the payment from the acquirer.
    await payOnFramePage(h, paymentUrl, '4111111111111111', false);
    assert.equal((await session()).state, 'processing');
    await h.waitFor('payment', async () =>
      (await h.call('get_payment_status', ref)).data.payment_status === 'paid' ? true : undefined,
    );
    assert.equal((await getDeal(h.db.ctx.pool, deal.id)).status, 'Выдан');
    assert.equal((await h.call('cancel', { partner_guid: 'p1', form_guid: formGuid })).status, 'success');
    await h.waitFor('session voided', async () => ((await session()).state === 'voided' ? true : undefined));
    assert.equal((await getDeal(h.db.ctx.pool, deal.id)).status, 'Отменен');
    const card = await h.db.ctx.pool.query<{ status: string }>(
      `SELECT c.status FROM bnpl.card_payments c JOIN bnpl.sessions s ON s.id = c.session_id
       WHERE s.order_id = $1`,
      [formGuid],
    );
    assert.deepEqual(
      card.rows.map((r) => r.status),
      ['voided'],
      "the card's hold released",
    );
    // Every movement is reversed by balanced transfers: the MFO's cash is whole again.
    const { rows } = await h.db.ctx.pool.query<{ idem_key: string; sum: bigint; cash: bigint }>(
      `SELECT t.idem_key, sum(e.amount)::bigint AS sum,
         coalesce(sum(e.amount) FILTER (WHERE a.code = 'mfo:cash:RUB'), 0)::bigint AS cash
       FROM ledger.transfers t JOIN ledger.entries e ON e.transfer_id = t.id JOIN ledger.accounts a ON a.id = e.account_id
       WHERE t.idem_key LIKE $1 OR t.idem_key LIKE $2 OR t.idem_key LIKE $3 GROUP BY t.idem_key`,
      [`lending:issue:${deal.id}`, `lending:bnpl-void:%:${deal.id}`, 'lending:repay:Moneywall:bnpl-%'],
    );
    assert.ok(
      rows.some((r) => r.idem_key === `lending:bnpl-void:issue:${deal.id}`),
      rows.map((r) => r.idem_key).join(),
    );
    for (const r of rows) assert.equal(BigInt(r.sum), 0n, `${r.idem_key} balanced`);
    const cash = (key: string) => BigInt(rows.find((r) => r.idem_key === key)?.cash ?? 0n);
    assert.equal(cash(`lending:issue:${deal.id}`), -deal.amount, 'the principal left the MFO cash');
    assert.equal(cash(`lending:bnpl-void:issue:${deal.id}`), deal.amount, 'and came back');
  });
});
