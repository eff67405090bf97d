import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { latestSmsText } from '../../src/notify/outbox.ts';
import { bnplForm, type Harness, POS_PRODUCT, posForm, startHarness } from './harness.ts';

/**
 * Deadlines, cancellation at every state, and each error code of the document produced by the
 * situation it names.
 */
describe('broker form lifecycle', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      deadlineMs: 1500,
      lenders: [
        {
          kinds: ['pos', 'bnpl'],
          config: {
            code: 'quick',
            secret: 's-q',
            delayMs: [5, 15],
            products: [
              POS_PRODUCT('q12', 12, 100, '12'),
              { code: 'b4', name: 'Сплит', kind: 'bnpl', payments: 4, rate: '0', ratePerPeriodBp: 0 },
            ],
          },
        },
        // Answers after the deadline: its offers must not appear.
        {
          kinds: ['pos'],
          timeoutMs: 5000,
          config: { code: 'slow', secret: 's-s', hangMs: 2500, products: [POS_PRODUCT('s6', 6, 50, '6')] },
        },
        // Never answers within its HTTP timeout: recorded as an error, collection still ends.
        {
          kinds: ['pos'],
          timeoutMs: 200,
          config: { code: 'dead', secret: 's-d', hangMs: 4000, products: [POS_PRODUCT('d6', 6, 50, '6')] },
        },
      ],
    });
  });
  after(() => h.close());

  async function formWithOffers(body: Record<string, unknown> = posForm('p1', 'online')) {
    const created = await h.call('create_form', body);
    assert.equal(created.status, 'success', created.error_message);
    const formGuid = created.data.form_guid as string;
    const offers = await h.waitFor(
      'offers',
      async () => {
        const r = await h.call('get_offers', { partner_guid: 'p1', form_guid: formGuid });
        return r.data.offer_status === 'done' ? (r.data.offers as { guid: string }[]) : undefined;
      },
      10_000,
    );
    return { formGuid, offers };
  }

  async function lenderStatuses(formGuid: string) {
    const { rows } = await h.db.ctx.pool.query<{ code: string; status: string }>(
      `SELECT l.code, fl.status FROM broker.form_lenders fl JOIN broker.lenders l ON l.id = fl.lender_id
       JOIN broker.forms f ON f.id = fl.form_id WHERE f.guid = $1 ORDER BY l.code`,
      [formGuid],
    );
    return Object.fromEntries(rows.map((r) => [r.code, r.status]));
  }

  it('closes offer collection at the deadline with what arrived; a timed-out lender does not block it', async () => {
    const started = Date.now();
    const created = await h.call('create_form', posForm('p1', 'online'));
    const formGuid = created.data.form_guid as string;
    const first = await h.call('get_offers', { partner_guid: 'p1', form_guid: formGuid });
    assert.equal(first.data.offer_status, 'pending');
    assert.equal(first.data.offers, undefined, 'offers only once done');
    const done = await h.waitFor('deadline', async () => {
      const r = await h.call('get_offers', { partner_guid: 'p1', form_guid: formGuid });
      return r.data.offer_status === 'done' ? r.data : undefined;
    });
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 1400, `closed by the deadline, not before (${elapsed} ms)`);
    assert.ok(elapsed < 6000, `closed soon after the deadline (${elapsed} ms)`);
    assert.deepEqual(
      (done.offers as { name: string }[]).map((o) => o.name),
      ['q12 12 мес.'],
    );
    const statuses = await lenderStatuses(formGuid);
    assert.equal(statuses.quick, 'offered');
    assert.ok(['late', 'error'].includes(statuses.dead!), statuses.dead);
    assert.equal(statuses.slow, 'late');
    // The slow lender's answer arrives after the deadline and stays out.
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(
      ((await h.call('get_offers', { partner_guid: 'p1', form_guid: formGuid })).data.offers as unknown[])
        .length,
      1,
    );
  });

  it('answers every state error with its code', async () => {
    const { formGuid, offers } = await formWithOffers();
    const other = await formWithOffers();
    const ref = { partner_guid: 'p1', form_guid: formGuid, offer_guid: offers[0]!.guid };
    assert.equal(
      (await h.call('get_offers', { partner_guid: 'p1', form_guid: randomUUID() })).error_code,
      3102,
    );
    assert.equal(
      (await h.call('get_offers', { partner_guid: 'p1', form_guid: 'not-a-guid' })).error_code,
      3102,
    );
    assert.equal((await h.call('confirm_offer', { ...ref, offer_guid: randomUUID() })).error_code, 3103);
    assert.equal(
      (await h.call('confirm_offer', { ...ref, offer_guid: other.offers[0]!.guid })).error_code,
      6011,
    );
    assert.equal((await h.call('get_contract', ref)).error_code, 3104);
    assert.equal((await h.call('get_signing_status', ref)).data.signing_status, 'NOT_FOUND');
    assert.equal((await h.call('confirm_offer', ref)).status, 'success');
    assert.equal((await h.call('confirm_offer', ref)).status, 'success', 'the same choice again is a no-op');
    await h.waitFor('contract', async () =>
      (await h.call('get_contract', ref)).data.contract_status === 'done' ? true : undefined,
    );
    // Resends: the first code plus three more, then 7001.
    for (let i = 0; i < 3; i++) assert.equal((await h.call('resend_sms_code', ref)).status, 'success');
    assert.equal((await h.call('resend_sms_code', ref)).error_code, 7001);
    // Five wrong tries burn the code: even the right one is then "expired".
    const offerId = (
      await h.db.ctx.pool.query<{ id: bigint }>(`SELECT id FROM broker.offers WHERE guid = $1`, [
        ref.offer_guid,
      ])
    ).rows[0]!.id;
    const sms = await h.waitFor('code', () =>
      latestSmsText(h.db.ctx.pool, h.db.ctx, {
        module: 'broker',
        subjectId: offerId,
        purpose: 'signing_code',
      }),
    );
    const code = /: (\d{6})\./.exec(sms)![1]!;
    const wrong = code === '999999' ? '888888' : '999999';
    for (let i = 0; i < 5; i++)
      assert.equal((await h.call('check_sms_code', { ...ref, code: wrong })).error_code, 7000);
    assert.equal((await h.call('check_sms_code', { ...ref, code })).error_code, 7002);
    // An expired code is refused too.
    await h.db.ctx.pool.query(
      `UPDATE broker.sms_codes SET attempts = 0, expires_at = now() - interval '1 second' WHERE offer_id = $1`,
      [offerId],
    );
    assert.equal((await h.call('check_sms_code', { ...ref, code })).error_code, 7002);
    // POS signs by code: the bnpl payment methods are not its mode.
    assert.equal((await h.call('send_sms_link', ref)).error_code, 7003);
    assert.equal((await h.call('get_payment_status', ref)).error_code, 7003);
  });

  it('lets exactly one of two parallel choices win', async () => {
    const many = await formWithOffers(posForm('p1', 'online', { term_value: 6 }));
    const { rows } = await h.db.ctx.pool.query<{ guid: string }>(
      `SELECT o.guid::text FROM broker.offers o JOIN broker.forms f ON f.id = o.form_id WHERE f.guid = $1`,
      [many.formGuid],
    );
    // One lender answered in time with one offer; add a second offer row to race on.
    const second = await h.db.ctx.pool.query<{ guid: string }>(
      `INSERT INTO broker.offers (guid, form_id, lender_id, lender_offer_id, name, initial_payment, amount, term_value,
         term_unit, regular_payment_amount, regular_period_type, payments_count, rate, total_cost, status, signing_mode)
       SELECT gen_random_uuid(), form_id, lender_id, 'other', 'Другое', 0, amount, 6, 'month', 1, 'month', 6, 1, 6,
         'offered', 'sms' FROM broker.offers WHERE guid = $1 RETURNING guid::text`,
      [rows[0]!.guid],
    );
    const answers = await Promise.all(
      [rows[0]!.guid, second.rows[0]!.guid].flatMap((g) =>
        [1, 2, 3].map(() =>
          h.call('confirm_offer', { partner_guid: 'p1', form_guid: many.formGuid, offer_guid: g }),
        ),
      ),
    );
    const winners = new Set(
      answers.map((a, i) => (a.status === 'success' ? i < 3 : undefined)).filter((x) => x !== undefined),
    );
    assert.equal(winners.size, 1, JSON.stringify(answers.map((a) => a.error_code ?? 'ok')));
    assert.ok(
      answers.filter((a) => a.status === 'error').every((a) => a.error_code === 6009),
      JSON.stringify(answers.map((a) => [a.error_code ?? 'ok', a.error_message])),
    );
    const { rows: confirmed } = await h.db.ctx.pool.query(
      `SELECT 1 FROM broker.offers o JOIN broker.forms f ON f.id = o.form_id WHERE f.guid = $1 AND o.status <> 'offered'`,
      [many.formGuid],
    );
    assert.equal(confirmed.length, 1);
  });

  it('confirm_contract answers 7005 while the lender is checking scans', async () => {
    const { formGuid, offers } = await formWithOffers();
    const ref = { partner_guid: 'p1', form_guid: formGuid, offer_guid: offers[0]!.guid };
    await h.call('confirm_offer', ref);
    await h.waitFor('contract', async () =>
      (await h.call('get_contract', ref)).data.contract_status === 'done' ? true : undefined,
    );
    const offerId = (
      await h.db.ctx.pool.query<{ id: bigint }>(`SELECT id FROM broker.offers WHERE guid = $1`, [
        ref.offer_guid,
      ])
    ).rows[0]!.id;
    const code = /: (\d{6})\./.exec(
      await h.waitFor('code', () =>
        latestSmsText(h.db.ctx.pool, h.db.ctx, {
          module: 'broker',
          subjectId: offerId,
          purpose: 'signing_code',
        }),
      ),
    )![1]!;
    assert.equal((await h.call('check_sms_code', { ...ref, code })).status, 'success');
    // A scan under check (as the job leaves it while the lender answers).
    await h.db.ctx.pool.query(
      `INSERT INTO broker.scans (form_id, type, status) SELECT id, 'PASSPORT_MAIN', 'CHECKING' FROM broker.forms WHERE guid = $1`,
      [formGuid],
    );
    assert.equal((await h.call('confirm_contract', ref)).error_code, 7005);
    await h.db.ctx.pool.query(
      `UPDATE broker.scans SET status = 'DECLINED' WHERE type = 'PASSPORT_MAIN' AND form_id = (SELECT id FROM broker.forms WHERE guid = $1)`,
      [formGuid],
    );
    assert.equal((await h.call('confirm_contract', ref)).error_code, 7004);
    assert.equal((await h.call('get_scans_status', ref)).data.scans_status, 'DECLINED');
    // A signed contract may still be cancelled before the final confirmation...
    assert.equal((await h.call('cancel', { partner_guid: 'p1', form_guid: formGuid })).status, 'success');
    assert.equal((await h.call('get_signing_status', ref)).data.signing_status, 'CANCELED');
    // ...but not once the lender is issuing.
    const issuing = await formWithOffers();
    const refI = { partner_guid: 'p1', form_guid: issuing.formGuid, offer_guid: issuing.offers[0]!.guid };
    await h.call('confirm_offer', refI);
    await h.db.ctx.pool.query(
      `UPDATE broker.offers SET status = 'issuing', issue_status = 'pending' WHERE guid = $1`,
      [refI.offer_guid],
    );
    assert.equal(
      (await h.call('cancel', { partner_guid: 'p1', form_guid: issuing.formGuid })).error_code,
      6009,
    );
    assert.equal((await h.call('get_issue_status', refI)).data.issue_status, 'pending');
  });

  it('cancels at each state, and refuses everything after', async () => {
    const cancel = (formGuid: string) => h.call('cancel', { partner_guid: 'p1', form_guid: formGuid });
    // While collecting.
    const collecting = (await h.call('create_form', posForm('p1', 'online'))).data.form_guid as string;
    assert.equal((await cancel(collecting)).status, 'success');
    assert.equal(
      (await h.call('get_offers', { partner_guid: 'p1', form_guid: collecting })).error_code,
      6009,
    );
    // With offers on the table.
    const a = await formWithOffers();
    assert.equal((await cancel(a.formGuid)).status, 'success');
    assert.equal(
      (
        await h.call('confirm_offer', {
          partner_guid: 'p1',
          form_guid: a.formGuid,
          offer_guid: a.offers[0]!.guid,
        })
      ).error_code,
      6009,
    );
    // After the choice, with the contract ready: the lender is told.
    const b = await formWithOffers();
    const refB = { partner_guid: 'p1', form_guid: b.formGuid, offer_guid: b.offers[0]!.guid };
    await h.call('confirm_offer', refB);
    await h.waitFor('contract', async () =>
      (await h.call('get_contract', refB)).data.contract_status === 'done' ? true : undefined,
    );
    assert.equal((await cancel(b.formGuid)).status, 'success');
    assert.equal((await h.call('get_signing_status', refB)).data.signing_status, 'CANCELED');
    assert.equal((await h.call('get_issue_status', refB)).data.issue_status, 'declined');
    assert.equal((await h.call('resend_sms_code', refB)).error_code, 6009);
    assert.equal((await h.call('check_sms_code', { ...refB, code: '123456' })).error_code, 6009);
    await h.waitFor('lender told', async () =>
      h.sims.quick!.applications.get(b.formGuid)?.cancelled ? true : undefined,
    );
    // Twice: the second is refused.
    assert.equal((await cancel(b.formGuid)).error_code, 6009);
    // BNPL after payment, before confirmation.
    const c = await formWithOffers(bnplForm('p1', 'bnpl'));
    const refC = { partner_guid: 'p1', form_guid: c.formGuid, offer_guid: c.offers[0]!.guid };
    await h.call('confirm_offer', refC);
    await h.waitFor('contract', async () =>
      (await h.call('get_contract', refC)).data.contract_status === 'done' ? true : undefined,
    );
    assert.equal((await cancel(c.formGuid)).status, 'success');
    assert.equal((await h.call('send_sms_link', refC)).error_code, 6009);
    assert.equal((await h.call('confirm_contract', refC)).error_code, 6009);
    const { rows } = await h.db.ctx.pool.query(
      `SELECT action FROM audit.log WHERE action = 'broker.form.cancel' AND subject_id = ANY($1)`,
      [[collecting, a.formGuid, b.formGuid, c.formGuid]],
    );
    assert.equal(rows.length, 4);
  });
});
