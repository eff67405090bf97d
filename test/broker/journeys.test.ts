import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getDeal } from '../../src/lending/deals/repository.ts';
import { latestSmsText } from '../../src/notify/outbox.ts';
import {
  bnplForm,
  type Harness,
  JPEG,
  OFFLINE_SCANS,
  POS_PRODUCT,
  payOnFramePage,
  posForm,
  startHarness,
} from './harness.ts';

interface WireOffer {
  guid: string;
  name: string;
  amount: number;
  regular_payment_amount: number;
  term_value: number;
  term_unit: string;
  regular_period_type: string;
}

/**
 * The whole road of a form through three lenders: create, offers sorted by the client's cost,
 * choice, contract and print forms, signing, scans with a rescan, final confirmation, issue.
 * BNPL forms also go to Kopek's own MFO, whose payment page is Moneywall's frame.
 */
describe('broker journeys through three lenders', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      deadlineMs: 4000,
      second: true,
      inhouse: ['bnpl'],
      lenders: [
        {
          kinds: ['pos'],
          mapping: { phoneFormat: 'plus7', rename: { email: 'client_email' } },
          config: {
            code: 'bank-a',
            secret: 'secret-a',
            delayMs: [10, 40],
            printForms: 'pdf',
            requiredScans: ['PASSPORT_MAIN', 'PASSPORT_REGISTRATION', 'CLIENT_PHOTO'],
            rescanOnce: ['CLIENT_PHOTO'],
            reissuePrintForms: true,
            products: [POS_PRODUCT('a24', 24, 166, '19.9'), POS_PRODUCT('a12', 12, 0, '0')],
          },
        },
        {
          kinds: ['pos', 'bnpl'],
          config: {
            code: 'bank-b',
            secret: 'secret-b',
            delayMs: [20, 60],
            printForms: 'template',
            counterOfferAbove: 3_000_000n,
            products: [
              POS_PRODUCT('b10', 10, 204, '24.5'),
              {
                code: 'split4',
                name: 'Сплит на 4 платежа',
                kind: 'bnpl',
                payments: 4,
                rate: '0',
                ratePerPeriodBp: 0,
              },
            ],
          },
        },
        {
          kinds: ['pos', 'bnpl'],
          config: {
            code: 'bank-c',
            secret: 'secret-c',
            delayMs: [5, 20],
            declineAbove: 1_000_000n,
            products: [POS_PRODUCT('c6', 6, 100, '12')],
          },
        },
      ],
    });
  });
  after(() => h.close());

  async function lenderAnswer(formGuid: string, lender: string) {
    const { rows } = await h.db.ctx.pool.query<{ status: string; detail: string | null }>(
      `SELECT fl.status, fl.detail FROM broker.form_lenders fl JOIN broker.forms f ON f.id = fl.form_id
       JOIN broker.lenders l ON l.id = fl.lender_id WHERE f.guid = $1 AND l.code = $2`,
      [formGuid, lender],
    );
    return rows[0]!;
  }

  async function offersOf(formGuid: string): Promise<WireOffer[]> {
    return h.waitFor('offers', async () => {
      const r = await h.call('get_offers', { partner_guid: 'p1', form_guid: formGuid });
      assert.equal(r.status, 'success');
      return r.data.offer_status === 'done' ? (r.data.offers as WireOffer[]) : undefined;
    });
  }

  it('runs the full offline POS journey', async () => {
    const created = await h.call('create_form', posForm('p1', 'offline', { scans: OFFLINE_SCANS }));
    assert.equal(created.status, 'success', created.error_message);
    const formGuid = created.data.form_guid as string;
    // Offers arrive once every lender answered, well before the deadline; bank-c declined.
    const offers = await offersOf(formGuid);
    assert.equal(offers.length, 3);
    const totals = offers.map((o) => o.regular_payment_amount * (o.term_value || 1));
    assert.deepEqual(
      [...totals].sort((a, b) => a - b),
      totals,
      'sorted by what the client pays',
    );
    assert.equal(offers[0]!.name, 'b10 10 мес.', 'the counter-offer for less is the cheapest in all');
    const counter = offers.find((o) => o.name.startsWith('b10'))!;
    assert.equal(counter.amount, 3_000_000, 'bank-b counter-offered a smaller amount');
    // The route's mapping reached bank-a, and only bank-a.
    const scoreA = h.sims['bank-a']!.calls.find(
      (c) => c.op === 'score' && c.body.application_id === formGuid,
    )!;
    const sentA = scoreA.body.form as Record<string, unknown>;
    assert.equal(sentA.mobile_phone, '+79123456789');
    assert.equal(sentA.client_email, 'ivanov@example.ru');
    const sentB = h.sims['bank-b']!.calls.find((c) => c.op === 'score' && c.body.application_id === formGuid)!
      .body.form as Record<string, unknown>;
    assert.equal(sentB.mobile_phone, '79123456789');

    const chosen = offers.find((o) => o.name === 'a12 12 мес.')!;
    const ref = { partner_guid: 'p1', form_guid: formGuid, offer_guid: chosen.guid };
    // Out of order: no contract yet to sign or confirm.
    assert.equal((await h.call('check_sms_code', { ...ref, code: '000000' })).error_code, 3104);
    assert.equal((await h.call('confirm_offer', ref)).status, 'success');
    assert.equal((await h.call('confirm_offer', { ...ref, offer_guid: counter.guid })).error_code, 6009);
    const contract = await h.contract(ref);
    const c = contract.contract as Record<string, unknown>;
    assert.equal(c.amount, 4_500_000);
    assert.equal(c.payments_count, 12);
    assert.match(String(c.number), /^BANK-A-/);
    const files = contract.files as { file_guid: string; file_name: string }[];
    assert.equal(files.length, 1);
    // The lender re-issues the print forms with its first scan check, a job that races this test:
    // a contract read that already lists them has taken them in (PRINT_FORMS_CHANGED never shows).
    const REISSUED = 'Договор (уточнённый).pdf';
    let reissueSeen = files[0]!.file_name === REISSUED;
    const getFile = (guid: string) =>
      h.app.inject({
        method: 'GET',
        url: `/dp/get_file?partner_guid=p1&file_guid=${guid}`,
        headers: { authorization: 'Bearer token-1' },
      });
    let pdf = await getFile(files[0]!.file_guid);
    if (pdf.statusCode === 404) {
      // The scans' check (a job) may have re-issued the print forms meanwhile (seen once in CI):
      // the old file is gone and the contract lists the new one.
      const reissued = (await h.contract(ref)).files as { file_guid: string; file_name: string }[];
      assert.notEqual(reissued[0]!.file_guid, files[0]!.file_guid);
      reissueSeen = reissued[0]!.file_name === REISSUED;
      pdf = await getFile(reissued[0]!.file_guid);
    }
    assert.equal(pdf.statusCode, 200);
    assert.equal(pdf.headers['content-type'], 'application/pdf');
    assert.equal(pdf.rawPayload.subarray(0, 5).toString(), '%PDF-');
    // Another partner cannot read this form, its offers or its files.
    assert.equal(
      (await h.call('get_offers', { partner_guid: 'p2', form_guid: formGuid }, 'token-2')).error_code,
      3102,
    );
    assert.equal((await h.call('get_contract', { ...ref, partner_guid: 'p2' }, 'token-2')).error_code, 3102);
    assert.equal(
      (await h.call('get_offers', { partner_guid: 'p2', form_guid: formGuid }, 'token-1')).error_code,
      1003,
    );
    const stolen = await h.app.inject({
      method: 'GET',
      url: `/dp/get_file?partner_guid=p2&file_guid=${files[0]!.file_guid}`,
      headers: { authorization: 'Bearer token-2' },
    });
    assert.equal(stolen.statusCode, 404);
    assert.equal(stolen.json().error_code, 1004);

    // POS is signed by SMS code: the payment link is not its mode.
    assert.equal((await h.call('send_sms_link', ref)).error_code, 7003);
    const offerId = (
      await h.db.ctx.pool.query<{ id: bigint }>(`SELECT id FROM broker.offers WHERE guid = $1`, [chosen.guid])
    ).rows[0]!.id;
    const firstSms = await h.waitFor('first code', () =>
      latestSmsText(h.db.ctx.pool, h.db.ctx, {
        module: 'broker',
        subjectId: offerId,
        purpose: 'signing_code',
      }),
    );
    const firstCode = /: (\d{6})\./.exec(firstSms)![1]!;
    assert.equal((await h.call('resend_sms_code', ref)).status, 'success');
    const secondSms = await h.waitFor('second code', async () => {
      const t = await latestSmsText(h.db.ctx.pool, h.db.ctx, {
        module: 'broker',
        subjectId: offerId,
        purpose: 'signing_code',
      });
      return t !== firstSms ? t : undefined;
    });
    const code = /: (\d{6})\./.exec(secondSms)![1]!;
    const wrong = code === '000000' ? '111111' : '000000';
    assert.equal((await h.call('check_sms_code', { ...ref, code: wrong })).error_code, 7000);
    if (firstCode !== code)
      assert.equal(
        (await h.call('check_sms_code', { ...ref, code: firstCode })).error_code,
        7000,
        'a resend voids the old code',
      );
    // Until signed and scanned, the deal cannot be confirmed.
    assert.equal((await h.call('confirm_contract', ref)).error_code, 7004);
    assert.equal((await h.call('get_issue_status', ref)).data.issue_status, 'signing_needed');
    assert.equal((await h.call('check_sms_code', { ...ref, code })).status, 'success');
    assert.equal((await h.call('get_signing_status', ref)).data.signing_status, 'SIGNED');
    assert.equal((await h.call('check_sms_code', { ...ref, code })).error_code, 6010);
    await h.waitFor('lender told of signature', async () =>
      h.sims['bank-a']!.applications.get(formGuid)?.signed ? true : undefined,
    );

    // The scans that came with the form went to bank-a, which wants the photo again.
    const rescan = await h.waitFor('rescan request', async () => {
      const r = await h.call('get_scans_status', ref);
      return r.data.scans_status === 'RESCAN_NEEDED' ? r.data : undefined;
    });
    const photo = (rescan.scans as { type: string; status: string; decline_reason?: string }[]).find(
      (s) => s.type === 'CLIENT_PHOTO',
    )!;
    assert.equal(photo.status, 'RESCAN_NEEDED');
    assert.ok(photo.decline_reason);
    assert.equal((await h.call('get_issue_status', ref)).data.issue_status, 'rescan_needed');
    assert.equal((await h.call('confirm_contract', ref)).error_code, 7004);
    // A scan whose content is not what its MIME type says is refused.
    const lying = await h.call('save_scans', {
      ...ref,
      scans: [{ type: 'CLIENT_PHOTO', mime_type: 'image/png', base64: JPEG }],
    });
    assert.equal(lying.error_code, 2000);
    assert.match(lying.error_message!, /scans\[0\]\.mime_type/);
    assert.equal(
      (
        await h.call('save_scans', {
          ...ref,
          scans: [{ type: 'CLIENT_PHOTO', mime_type: 'image/jpeg', base64: JPEG }],
        })
      ).status,
      'success',
    );
    // The lender re-issued the print forms with its first check: the partner must read them first.
    if (!reissueSeen) {
      await h.waitFor('print forms changed', async () => {
        const r = await h.call('get_scans_status', ref);
        if (r.data.scans_status === 'CHECKING' || r.data.scans_status === 'RECEIVED_FROM_PARTNER') {
          const early = await h.call('confirm_contract', ref);
          if (early.status === 'error') assert.equal(early.error_code, 7005);
        }
        return r.data.scans_status === 'PRINT_FORMS_CHANGED' ? true : undefined;
      });
      assert.equal((await h.call('confirm_contract', ref)).error_code, 7004);
    }
    const reread = await h.call('get_contract', ref);
    const newFiles = reread.data.files as { file_guid: string; file_name: string }[];
    assert.deepEqual(
      newFiles.map((f) => f.file_name),
      [REISSUED],
    );
    // The lender's first scan check may have re-issued the forms before the contract was first read
    // (the check job races the partner): every form read earlier and not re-listed now is gone.
    for (const replaced of files.filter((f) => !newFiles.some((n) => n.file_guid === f.file_guid))) {
      const oldFile = await h.app.inject({
        method: 'GET',
        url: `/dp/get_file?partner_guid=p1&file_guid=${replaced.file_guid}`,
        headers: { authorization: 'Bearer token-1' },
      });
      assert.equal(oldFile.statusCode, 404, 'the replaced print form is gone');
    }
    // The re-sent photo may still be under the lender's check when the re-issue is seen.
    await h.waitFor('scans accepted', async () => {
      const status = String((await h.call('get_scans_status', ref)).data.scans_status);
      assert.ok(['ACCEPTED', 'CHECKING', 'RECEIVED_FROM_PARTNER'].includes(status), status);
      return status === 'ACCEPTED' ? true : undefined;
    });
    assert.equal((await h.call('confirm_contract', ref)).status, 'success');
    const issued = await h.waitFor('issue', async () => {
      const r = await h.call('get_issue_status', ref);
      return r.data.issue_status === 'done' ? r : undefined;
    });
    assert.equal(issued.status, 'success');
    assert.ok(h.sims['bank-a']!.applications.get(formGuid)?.issued);
    assert.equal((await h.call('cancel', { partner_guid: 'p1', form_guid: formGuid })).error_code, 6009);
  });

  it('runs the full BNPL journey: payment link, payment, issue', async () => {
    const created = await h.call('create_form', bnplForm('p1', 'bnpl'));
    assert.equal(created.status, 'success', created.error_message);
    const formGuid = created.data.form_guid as string;
    const offers = await offersOf(formGuid);
    // bank-c declined 20 000 roubles (its limit is 10 000), bank-a takes no bnpl, the MFO's
    // engine wants a passport this form does not carry: one offer.
    assert.equal(offers.length, 1);
    assert.match((await lenderAnswer(formGuid, 'kopek-mfo')).detail ?? '', /паспорт/);
    assert.equal(offers[0]!.regular_payment_amount, 500_000);
    const ref = { partner_guid: 'p1', form_guid: formGuid, offer_guid: offers[0]!.guid };
    assert.equal((await h.call('get_signing_status', ref)).data.signing_status, 'NOT_FOUND');
    assert.equal((await h.call('confirm_offer', ref)).status, 'success');
    const contract = await h.contract(ref);
    assert.equal((contract.contract as Record<string, unknown>).number, undefined, 'number is pos-only');
    const files = contract.files as { file_guid: string }[];
    assert.equal(files.length, 1, 'rendered from the lender template');
    const pdf = await h.app.inject({
      method: 'GET',
      url: `/dp/get_file?partner_guid=p1&file_guid=${files[0]!.file_guid}`,
      headers: { authorization: 'Bearer token-1' },
    });
    assert.equal(pdf.rawPayload.subarray(0, 5).toString(), '%PDF-');
    assert.ok(pdf.rawPayload.length > 5000, 'the Cyrillic font is embedded');
    assert.equal((await h.call('check_sms_code', { ...ref, code: '123456' })).error_code, 7003);
    assert.equal((await h.call('resend_sms_code', ref)).error_code, 7003);
    const signing = await h.call('get_signing_status', ref);
    assert.equal(signing.data.signing_status, 'NOT_SIGNED');
    const paymentUrl = signing.data.payment_url as string;
    assert.match(paymentUrl, /\/pay\//);
    for (let i = 0; i < 3; i++) assert.equal((await h.call('send_sms_link', ref)).status, 'success');
    assert.equal((await h.call('send_sms_link', ref)).error_code, 7001);
    assert.equal((await h.call('get_payment_status', ref)).data.payment_status, 'pending');
    assert.equal((await h.call('confirm_contract', ref)).error_code, 7004);
    // The client pays on the lender's page.
    assert.equal((await fetch(paymentUrl, { method: 'POST' })).status, 200);
    const paid = await h.waitFor('payment', async () => {
      const r = await h.call('get_payment_status', ref);
      return r.data.payment_status === 'paid' ? r.data : undefined;
    });
    const payments = paid.payments as { amount: number; status: string; payed_at: string }[];
    assert.equal(payments[0]!.amount, 500_000);
    assert.equal(payments[0]!.status, 'success');
    assert.match(payments[0]!.payed_at, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    assert.equal((await h.call('get_signing_status', ref)).data.signing_status, 'SIGNED');
    assert.equal((await h.call('confirm_contract', ref)).status, 'success');
    await h.waitFor('issue', async () =>
      (await h.call('get_issue_status', ref)).data.issue_status === 'done' ? true : undefined,
    );
  });

  it("runs the BNPL journey with the MFO: offer, Moneywall's payment page, issue", async () => {
    const passport = {
      passport_series: '4520',
      passport_number: '654321',
      passport_issue_date: '2012-03-15',
      passport_issued_by: 'ОВД района Арбат г. Москвы',
      passport_division_code: '770-002',
    };
    const created = await h.call('create_form', bnplForm('p1', 'bnpl', passport));
    assert.equal(created.status, 'success', created.error_message);
    const formGuid = created.data.form_guid as string;
    const offers = await offersOf(formGuid);
    // Three lenders asked: bank-b's split, the MFO's three parts, bank-c declined.
    assert.equal(offers.length, 2, JSON.stringify(offers));
    assert.equal((await lenderAnswer(formGuid, 'bank-c')).status, 'declined');
    const mfo = offers.find((o) => o.name.startsWith('МФО «Копек»'))!;
    assert.ok(mfo, JSON.stringify(offers));
    assert.equal(offers.at(-1), mfo, 'dearer than the free split: 20 000 ₽ × 1.20 in all');
    assert.equal(mfo.amount, 2_000_000);
    assert.deepEqual([mfo.term_value, mfo.term_unit, mfo.regular_period_type], [64, 'day', 'month']);
    assert.equal(mfo.regular_payment_amount, 800_000, 'ORDER × 1.20 / 3 (no departure date)');
    const { rows } = await h.db.ctx.pool.query<{ deal_id: bigint }>(
      `SELECT deal_id FROM broker.inhouse_deals WHERE application_id = $1`,
      [formGuid],
    );
    assert.equal(rows.length, 1, 'one BNPL3 application');
    const deal = await getDeal(h.db.ctx.pool, rows[0]!.deal_id);
    assert.equal(deal.status, 'Одобрен', "a new client's 64-day loan passes by Moneywall's rule");

    const ref = { partner_guid: 'p1', form_guid: formGuid, offer_guid: mfo.guid };
    assert.equal((await h.call('confirm_offer', ref)).status, 'success');
    const contract = await h.contract(ref);
    const c = contract.contract as Record<string, unknown>;
    assert.equal(c.amount, 2_000_000);
    assert.equal(c.payments_count, 3);
    assert.equal(c.regular_payment_amount, 800_000);
    assert.equal((contract.files as unknown[]).length, 1, 'the MFO individual terms as PDF');
    assert.equal((await h.call('check_sms_code', { ...ref, code: '123456' })).error_code, 7003);
    const signing = await h.call('get_signing_status', ref);
    assert.equal(signing.data.signing_status, 'NOT_SIGNED');
    const paymentUrl = signing.data.payment_url as string;
    assert.match(paymentUrl, /\/frame\/[0-9a-f]{48}$/);
    assert.equal((await h.call('send_sms_link', ref)).status, 'success');
    const offerId = (
      await h.db.ctx.pool.query<{ id: bigint }>(`SELECT id FROM broker.offers WHERE guid = $1`, [mfo.guid])
    ).rows[0]!.id;
    const link = await h.waitFor('payment link SMS', () =>
      latestSmsText(h.db.ctx.pool, h.db.ctx, {
        module: 'broker',
        subjectId: offerId,
        purpose: 'payment_link',
      }),
    );
    assert.ok(link.includes(paymentUrl));
    assert.equal((await h.call('get_payment_status', ref)).data.payment_status, 'pending');
    assert.equal((await h.call('confirm_contract', ref)).error_code, 7004);

    // The client pays the first part on the page; a declined card first, then a good one.
    const declined = await payOnFramePage(h, paymentUrl, '4111111111170000');
    assert.match(declined.before, /принимаете индивидуальные условия/);
    assert.match(declined.after, /Платёж не прошёл/);
    const pending = await h.waitFor('declined card seen', async () => {
      const r = await h.call('get_payment_status', ref);
      const ps = r.data.payments as { status: string }[];
      return ps.length === 1 && ps[0]!.status === 'cancel' ? r.data : undefined;
    });
    assert.equal(pending.payment_status, 'pending');
    assert.equal((await getDeal(h.db.ctx.pool, deal.id)).status, 'Одобрен', 'not signed by a failed payment');
    const done = await payOnFramePage(h, paymentUrl);
    assert.match(done.after, /Первый платёж оплачен/);
    assert.doesNotMatch(done.after, /data-redirect/, 'no merchant page to go back to');
    const paid = await h.waitFor('payment', async () => {
      const r = await h.call('get_payment_status', ref);
      return r.data.payment_status === 'paid' ? r.data : undefined;
    });
    const payments = paid.payments as { amount: number; status: string; payed_at: string }[];
    assert.deepEqual(
      payments.map((p) => [p.status, p.amount]),
      [
        ['cancel', 800_000],
        ['success', 800_000],
      ],
    );
    assert.match(payments[1]!.payed_at, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    assert.equal((await h.call('get_signing_status', ref)).data.signing_status, 'SIGNED');
    assert.equal((await h.call('confirm_contract', ref)).status, 'success');
    await h.waitFor('issue', async () =>
      (await h.call('get_issue_status', ref)).data.issue_status === 'done' ? true : undefined,
    );

    // The engine's loan: signed by the payment, issued to the merchant, its first part repaid.
    const issued = await getDeal(h.db.ctx.pool, deal.id);
    assert.equal(issued.status, 'Выдан');
    const proof = await h.db.ctx.pool.query<{ sign_proof: string }>(
      'SELECT sign_proof FROM lending.deals WHERE id = $1',
      [deal.id],
    );
    assert.match(proof.rows[0]!.sign_proof, /оплата первого платежа картой 411111\*{6}1111/);
    const { rows: transfers } = await h.db.ctx.pool.query<{ idem_key: string; sum: bigint; n: number }>(
      `SELECT t.idem_key, sum(e.amount)::bigint AS sum, count(*)::int AS n FROM ledger.transfers t
       JOIN ledger.entries e ON e.transfer_id = t.id
       WHERE t.idem_key = $1 OR t.idem_key LIKE 'lending:repay:Moneywall:bnpl-%'
       GROUP BY t.idem_key`,
      [`lending:issue:${deal.id}`],
    );
    const issue = transfers.find((t) => t.idem_key === `lending:issue:${deal.id}`);
    assert.ok(issue, 'the principal left the MFO cash');
    assert.equal(BigInt(issue.sum), 0n, 'balanced');
    const sessionId = (
      await h.db.ctx.pool.query<{ id: bigint }>(`SELECT id FROM bnpl.sessions WHERE order_id = $1`, [
        formGuid,
      ])
    ).rows[0]!.id;
    const firstPart = transfers.find((t) =>
      t.idem_key.startsWith(`lending:repay:Moneywall:bnpl-${sessionId}-1`),
    );
    assert.ok(firstPart, transfers.map((t) => t.idem_key).join(', '));
    assert.equal(BigInt(firstPart.sum), 0n, 'balanced');
    const schedule = await h.db.ctx.pool.query<{ paid: bigint }>(
      `SELECT coalesce(sum(amount), 0)::bigint AS paid FROM lending.payments WHERE deal_id = $1`,
      [deal.id],
    );
    assert.equal(BigInt(schedule.rows[0]!.paid), 800_000n, 'the first part repaid the first line');
    assert.equal(
      (await h.db.ctx.pool.query(`SELECT 1 FROM bnpl.callbacks WHERE session_id = $1`, [sessionId])).rowCount,
      0,
      'no merchant callback for a broker session',
    );
  });
});
