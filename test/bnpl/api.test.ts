import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { initBatchStats } from '../../src/bnpl/sessions.ts';
import { addDays, todayMoscow } from '../../src/lending/dates.ts';
import { type Harness, harness, init, initBody, refundReq, TOKEN } from './harness.ts';

/** The document's examples, verbatim where they can be, and every check of init. */
describe('Moneywall partner API', { timeout: 120_000 }, () => {
  let h: Harness;
  before(async () => {
    h = await harness();
  });
  after(async () => {
    await h?.close();
  });

  // The document's init example, byte for byte (its expires_at is in 2017 and has no zone).
  const DOC_INIT =
    '{ "phone": "79031232299", "email": "test@test.com", "amount": 10000, "calculated_credit_cost": 12000, "success_callback_url": "http://yoursite.com/callbacks/success", "failure_callback_url": "http://yoursite.com/callbacks/failure", "redirect_url": "http://yoursite.com/order/234", "order_id": "partner_order_id", "web_mode": "standalone", "original_provider_order_id": "original_provider_order_id", "expires_at": "2017-07-01T00:00:00", "product_type": "airline_tickets" }';

  it('refuses a missing or wrong token with 401 in the error form', async () => {
    const none = await h.app.inject({
      method: 'POST',
      url: '/api/partners/payments/init',
      headers: { 'content-type': 'application/json' },
      payload: DOC_INIT,
    });
    assert.equal(none.statusCode, 401);
    assert.equal(none.json().error, 'bnpl.unauthorized');
    assert.match(none.json().message, /токен/);
    const wrong = await init(h.app, JSON.parse(DOC_INIT), 'SuperSecretTokenValue');
    assert.equal(wrong.statusCode, 401);
    const state = await h.app.inject({ method: 'GET', url: '/api/partners/payments/state?order_id=x' });
    assert.equal(state.statusCode, 401);
  });

  it("answers the document's init example: its 2017 time limit is refused clearly, a current one gives id, amount, frame_url", async () => {
    const verbatim = await h.app.inject({
      method: 'POST',
      url: '/api/partners/payments/init',
      headers: { 'content-type': 'application/json', authorization: TOKEN },
      payload: DOC_INIT,
    });
    assert.equal(verbatim.statusCode, 422);
    assert.equal(verbatim.json().message, 'expires_at: таймлимит заказа уже истёк');
    const current = DOC_INIT.replace('2017-07-01T00:00:00', `${addDays(todayMoscow(), 2)}T00:00:00`);
    const r = await h.app.inject({
      method: 'POST',
      url: '/api/partners/payments/init',
      headers: { 'content-type': 'application/json', authorization: TOKEN },
      payload: current,
    });
    assert.equal(r.statusCode, 200, r.body);
    const body = r.json();
    assert.deepEqual(Object.keys(body).sort(), ['amount', 'frame_url', 'id']);
    assert.equal(typeof body.id, 'number');
    assert.match(r.body, /"amount":10000[,}]/);
    assert.match(body.frame_url, /^http:\/\/[^/]+\/frame\/[A-Za-z0-9_-]{20,}$/);
    // The state example: processing.
    const state = await h.app.inject({
      method: 'GET',
      url: '/api/partners/payments/state?order_id=partner_order_id',
      headers: { authorization: 'demo-merchant-token' },
    });
    assert.deepEqual(state.json(), { order_id: 'partner_order_id', state: 'processing' });
    // The refund example on a session not paid yet: refused, not processed (not 200).
    const refund = await h.app.inject({
      method: 'POST',
      url: '/api/partners/payments/refund',
      headers: { 'content-type': 'application/json', authorization: TOKEN },
      payload: '{ "amount": 100, "order_id": "partner_order_id" }',
    });
    assert.equal(refund.statusCode, 409);
    assert.match(refund.json().message, /processing/);
  });

  it('is idempotent per order_id: same body -> same session, other body -> 409, parallel duplicates -> one session', async () => {
    const body = initBody('idem-1');
    const a = await init(h.app, body);
    const b = await init(h.app, { ...body });
    assert.equal(a.statusCode, 200);
    assert.equal(b.json().id, a.json().id);
    assert.equal(b.json().frame_url, a.json().frame_url);
    const other = await init(h.app, { ...body, amount: 13000 });
    assert.equal(other.statusCode, 409);
    assert.equal(other.json().error, 'bnpl.order_id_reused');

    const parallel = initBody('idem-parallel');
    const answers = await Promise.all(Array.from({ length: 12 }, () => init(h.app, parallel)));
    assert.ok(answers.every((r) => r.statusCode === 200));
    assert.equal(new Set(answers.map((r) => r.json().id)).size, 1);
    const { rows } = await h.db.ctx.pool.query(
      `SELECT count(*)::int AS n FROM bnpl.sessions WHERE order_id = 'idem-parallel'`,
    );
    assert.equal(rows[0].n, 1);
  });

  it('concurrent inits share statements, and each gets the answer it would get alone', async () => {
    // Bodies carry times to the second: a repeat reuses the very body, or a tick between two
    // builds would make it "another body" (seen once in CI).
    const known = initBody('batch-known');
    const first = await init(h.app, known);
    assert.equal(first.statusCode, 200);
    const before = { ...initBatchStats(h.db.ctx)! };
    const fresh24 = Array.from({ length: 24 }, (_, i) => initBody(`batch-${i}`));
    const bodies = [
      ...fresh24,
      known, // a repeat: the stored session
      { ...known, amount: 13000 }, // the same order_id with another body: 409
      fresh24[3]!, // a duplicate inside the burst: the same session as its twin
      { ...fresh24[5]!, amount: 13000 }, // a twin with another body: one wins, the other gets 409
    ];
    const answers = await Promise.all(bodies.map((b) => init(h.app, b)));
    const after = initBatchStats(h.db.ctx)!;
    assert.ok(after.batches > before.batches, 'the burst went out in shared statements');
    assert.ok(after.items - before.items >= 2 * (after.batches - before.batches));
    const fresh = answers.slice(0, 24).filter((_, i) => i !== 5);
    for (const r of fresh) assert.equal(r.statusCode, 200);
    assert.equal(new Set(fresh.map((r) => r.json().id)).size, 23);
    assert.equal(answers[24]!.json().id, first.json().id);
    assert.equal(answers[25]!.statusCode, 409);
    assert.equal(answers[25]!.json().error, 'bnpl.order_id_reused');
    assert.equal(answers[26]!.statusCode, 200);
    assert.equal(answers[26]!.json().id, answers[3]!.json().id);
    assert.equal(answers[26]!.json().frame_url, answers[3]!.json().frame_url);
    const twins = [answers[5]!, answers[27]!];
    assert.deepEqual(twins.map((r) => r.statusCode).sort(), [200, 409]);
    const won = twins.find((r) => r.statusCode === 200)!.json();
    const stored = await h.db.ctx.pool.query(
      `SELECT id, amount FROM bnpl.sessions WHERE order_id = 'batch-5'`,
    );
    assert.equal(stored.rows[0].id, BigInt(won.id));
    assert.equal(stored.rows[0].amount, BigInt(won.amount) * 100n);
    // Every session once, with its own first history row and its own encrypted details.
    const { rows } = await h.db.ctx.pool.query(
      `SELECT s.order_id, s.amount, count(h.*)::int AS history, s.request_enc LIKE 'v1:%' AS encrypted
       FROM bnpl.sessions s JOIN bnpl.state_history h ON h.session_id = s.id AND h.reason = 'init'
       WHERE s.order_id LIKE 'batch-%' GROUP BY s.id ORDER BY s.order_id`,
    );
    assert.equal(rows.length, 25);
    assert.ok(rows.every((r) => r.history === 1 && r.encrypted && r.amount === 1_200_000n));
  });

  it('validates every object with clear messages', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ phone: '123' }, /phone/],
      [{ amount: 100.123 }, /amount/],
      [{ amount: 100 }, /amount: сумма заказа должна быть от 3\s000,00/],
      [{ expires_at: '2030-01-01 10:00' }, /expires_at: дата и время в формате ISO 8601/],
      [{ web_mode: 'popup' }, /web_mode/],
      [{ local_passport: { ...initBody('x').local_passport, number: '12' } }, /local_passport\.number/],
      [
        { local_passport: { ...initBody('x').local_passport, issue_date: '2001-02-30' } },
        /local_passport\.issue_date: несуществующая дата/,
      ],
      [{ address: { city: 'Москва' } }, /address\.street/],
      [{ product: { ...initBody('x').product, segments: [] } }, /product\.segments/],
      [{ product: { ...initBody('x').product, cabin_type: 'first' } }, /product\.cabin_type/],
      [
        { international_passport: { ...initBody('x').international_passport, country_code: 'rus' } },
        /international_passport\.country_code/,
      ],
      [{ meta: { client_orders_count: 'many' } }, /meta\.client_orders_count/],
      [{ success_callback_url: 'ftp://x' }, /success_callback_url/],
    ];
    for (const [over, message] of cases) {
      const r = await init(h.app, initBody(`bad-${Math.random()}`, over));
      assert.ok(r.statusCode === 422 || r.statusCode === 400, `${JSON.stringify(over)} -> ${r.statusCode}`);
      assert.match(r.json().message, message, JSON.stringify(over));
    }
    const flights = structuredClone(initBody('x').product);
    flights.segments[0]!.flights[0]!.arrival_dt = '2000-01-01T00:00:00+03:00';
    const r = await init(h.app, initBody('bad-arrival', { product: flights }));
    assert.equal(r.statusCode, 422);
    assert.match(r.json().message, /arrival_dt: прилёт раньше вылета/);
  });

  it('prices by the formula at 64 and 65 days (credit_applications/validate creates nothing)', async () => {
    const today = todayMoscow();
    const at = async (days: number) => {
      const body = initBody(`price-${days}`, { amount: 10000 });
      body.product.segments[0]!.flights[0]!.departure_dt = `${addDays(today, days)}T12:00:00+03:00`;
      body.product.segments[0]!.flights[0]!.arrival_dt = `${addDays(today, days)}T15:00:00+03:00`;
      const r = await h.app.inject({
        method: 'POST',
        url: '/api/partners/payments/credit_applications/validate',
        headers: { authorization: TOKEN, 'content-type': 'application/json' },
        payload: JSON.stringify(body),
      });
      assert.equal(r.statusCode, 200, r.body);
      return r;
    };
    const d64 = await at(64);
    assert.equal(d64.json().k, '1.20');
    assert.match(d64.body, /"total":12000[,}]/);
    assert.deepEqual(
      d64.json().payments.map((p: { amount: number }) => p.amount),
      [4000, 4000, 4000],
    );
    const d65 = await at(65);
    assert.equal(d65.json().k, '1.10');
    assert.match(d65.body, /"total":11000[,}]/);
    // 10 000 × 1.10 / 3 = 3 666.666…: two payments rounded half up, the third is the rest.
    assert.match(d65.body, /"amount":3666\.67.*"amount":3666\.67.*"amount":3666\.66/);
    const { rows } = await h.db.ctx.pool.query(
      `SELECT count(*)::int AS n FROM bnpl.sessions WHERE order_id LIKE 'price-%'`,
    );
    assert.equal(rows[0].n, 0);
  });

  it('stores ticket receipts (pdf, doc, docx by content) and refuses 8 MB + 1 and wrong types', async () => {
    await init(h.app, initBody('tickets-1'));
    const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(1000, 32)]);
    const doc = Buffer.concat([
      Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]),
      Buffer.alloc(500),
    ]);
    const upload = (parts: { name: string; value: string | Buffer; filename?: string }[]) => {
      const boundary = `----kopek${Math.random().toString(16).slice(2)}`;
      const chunks: Buffer[] = [];
      for (const p of parts) {
        chunks.push(
          Buffer.from(
            `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"${
              p.filename ? `; filename="${p.filename}"\r\nContent-Type: application/octet-stream` : ''
            }\r\n\r\n`,
          ),
          Buffer.isBuffer(p.value) ? p.value : Buffer.from(p.value),
          Buffer.from('\r\n'),
        );
      }
      chunks.push(Buffer.from(`--${boundary}--\r\n`));
      return h.app.inject({
        method: 'POST',
        url: '/api/partners/payments/product',
        headers: { authorization: TOKEN, 'content-type': `multipart/form-data; boundary=${boundary}` },
        payload: Buffer.concat(chunks),
      });
    };
    const ok = await upload([
      { name: 'order_id', value: 'tickets-1' },
      { name: 'product[product_type]', value: 'airline_tickets' },
      { name: 'product[product_items][][ticket_number]', value: '421-288879826' },
      { name: 'product[product_items][][ticket_receipt]', value: pdf, filename: 'test_pdf.pdf' },
      { name: 'product[product_items][][ticket_number]', value: '421-288879827' },
      { name: 'product[product_items][][ticket_receipt]', value: doc, filename: 'second.doc' },
      { name: 'transaction_letter', value: pdf, filename: 'letter.pdf' },
    ]);
    assert.equal(ok.statusCode, 200, ok.body);
    const files = await h.db.ctx.pool.query(
      `SELECT kind, ticket_number, mime_type, size FROM bnpl.files ORDER BY id`,
    );
    assert.deepEqual(
      files.rows.map((r) => [r.kind, r.ticket_number, r.mime_type]),
      [
        ['ticket_receipt', '421-288879826', 'application/pdf'],
        ['ticket_receipt', '421-288879827', 'application/msword'],
        ['transaction_letter', null, 'application/pdf'],
      ],
    );
    const big = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(8 * 1024 * 1024 + 1 - 9, 32)]);
    assert.equal(big.length, 8 * 1024 * 1024 + 1);
    const tooBig = await upload([
      { name: 'order_id', value: 'tickets-1' },
      { name: 'product[product_type]', value: 'airline_tickets' },
      { name: 'product[product_items][][ticket_number]', value: '1' },
      { name: 'product[product_items][][ticket_receipt]', value: big, filename: 'big.pdf' },
    ]);
    assert.equal(tooBig.statusCode, 422, tooBig.body);
    assert.match(tooBig.json().message, /8 МБ/);
    const exact = await upload([
      { name: 'order_id', value: 'tickets-1' },
      { name: 'product[product_type]', value: 'airline_tickets' },
      { name: 'product[product_items][][ticket_number]', value: '2' },
      {
        name: 'product[product_items][][ticket_receipt]',
        value: big.subarray(0, 8 * 1024 * 1024),
        filename: 'max.pdf',
      },
    ]);
    assert.equal(exact.statusCode, 200, exact.body);
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]);
    const wrongType = await upload([
      { name: 'order_id', value: 'tickets-1' },
      { name: 'product[product_type]', value: 'airline_tickets' },
      { name: 'product[product_items][][ticket_number]', value: '3' },
      { name: 'product[product_items][][ticket_receipt]', value: png, filename: 'looks.pdf' },
    ]);
    assert.equal(wrongType.statusCode, 422);
    assert.match(wrongType.json().message, /pdf, doc или docx/);
    const count = await h.db.ctx.pool.query(`SELECT count(*)::int AS n FROM bnpl.files`);
    assert.equal(count.rows[0].n, 4);
    const unknown = await upload([
      { name: 'order_id', value: 'no-such-order' },
      { name: 'product[product_type]', value: 'airline_tickets' },
      { name: 'product[product_items][][ticket_number]', value: '3' },
      { name: 'product[product_items][][ticket_receipt]', value: pdf, filename: 'a.pdf' },
    ]);
    assert.equal(unknown.statusCode, 404);
  });

  it('lists states changed in a period', async () => {
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const till = new Date(Date.now() + 3_600_000).toISOString();
    const r = await h.app.inject({
      method: 'GET',
      url: `/api/partners/payments/states?from=${encodeURIComponent(from)}&till=${encodeURIComponent(till)}`,
      headers: { authorization: TOKEN },
    });
    assert.equal(r.statusCode, 200, r.body);
    const orders = r.json().states.map((s: { order_id: string }) => s.order_id);
    assert.ok(orders.includes('idem-1') && orders.includes('tickets-1'));
    assert.ok(r.json().states.every((s: { state: string }) => s.state === 'processing'));
    const bad = await h.app.inject({
      method: 'GET',
      url: `/api/partners/payments/states?from=${encodeURIComponent(till)}&till=${encodeURIComponent(from)}`,
      headers: { authorization: TOKEN },
    });
    assert.equal(bad.statusCode, 422);
    void refundReq;
  });
});
