import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { mymfoFace } from '../../src/faces/mymfo/face.ts';
import { createApplication } from '../../src/lending/deals/applications.ts';
import { decideDeal } from '../../src/lending/deals/decisions.ts';
import { getDeal } from '../../src/lending/deals/repository.ts';
import { lendingProductsSeeder } from '../../src/lending/products-demo.ts';
import { clientCode } from '../../src/mymfo/codes.ts';
import { addCredential } from '../../src/mymfo/credentials.ts';
import { reviewValue } from '../../src/mymfo/signing/codes.ts';
import { type SimulatedSmsGateway, smsGateway } from '../../src/notify/gateway.ts';
import { deliverSms, latestSmsText } from '../../src/notify/outbox.ts';
import { CLI_ACTOR } from '../../src/platform/audit.ts';
import type { AppContext } from '../../src/platform/context.ts';
import { sha256Hex } from '../../src/platform/crypto.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import type { FaceApp } from '../../src/platform/http/face.ts';
import { buildServer } from '../../src/platform/http/server.ts';
import { type TestDatabase, testDatabase } from '../helpers/db.ts';
import { pdfText } from '../helpers/pdf-text.ts';

const BASE = '/MeMFOWork/hs';
const AUTH = `Basic ${Buffer.from('site-signing:site-password').toString('base64')}`;

interface ApprovedDeal {
  id: bigint;
  number: string;
  clientId: bigint;
  idClient: string;
  passport: string;
  phone: string;
  fullName: string;
}

let db: TestDatabase;
let ctx: AppContext;
let app: FaceApp;
/** The same face with MYMFO_SIGN_CODE_DELIVERY=sms: Kopek sends the code itself. */
let smsApp: FaceApp;

async function approvedDeal(options: { approve?: boolean } = {}): Promise<ApprovedDeal> {
  const passport = `4510${String(randomInt(0, 1_000_000)).padStart(6, '0')}`;
  const phone = `8911${String(randomInt(0, 10_000_000)).padStart(7, '0')}`;
  const lastName = ['Петрова', 'Смирнова', 'Кузнецова'][randomInt(0, 3)]!;
  return withTx(ctx.pool, async (tx) => {
    const { deal } = await createApplication(
      tx,
      ctx.cipher,
      {
        client: {
          lastName,
          firstName: 'Анна',
          middleName: 'Игоревна',
          birthDate: '1990-05-05',
          phone,
          passport: `${passport.slice(0, 2)} ${passport.slice(2, 4)} ${passport.slice(4)}`,
          monthlyIncome: 10_000_000n,
        },
        product: 'PDL30',
        amount: 1_000_000n,
        termDays: 30,
        autoScore: options.approve !== false,
      },
      CLI_ACTOR,
    );
    if (options.approve !== false && deal.status !== 'Одобрен')
      await decideDeal(tx, deal.id, 'approve', 'проверено', CLI_ACTOR);
    return {
      id: deal.id,
      number: deal.number,
      clientId: deal.clientId,
      idClient: clientCode(deal.clientId),
      passport,
      phone,
      fullName: `${lastName} Анна Игоревна`,
    };
  });
}

async function get(url: string, headers: Record<string, string> = {}, via: FaceApp = app) {
  return via.inject({
    method: 'GET',
    url: encodeURI(`${BASE}${url}`),
    headers: { authorization: AUTH, ...headers },
  });
}

/** Asks for a code the document's way (answered in `Code`) or, with `via: smsApp`, by Kopek's SMS. */
async function requestCode(deal: ApprovedDeal, via: FaceApp = app): Promise<string> {
  const before = await latestSmsText(ctx.pool, ctx, { module: 'mymfo', subjectId: deal.clientId });
  const res = await get(`/dealsign/code/${deal.passport}/${deal.number}`, {}, via);
  assert.equal(res.statusCode, 200);
  const body = res.json();
  assert.deepEqual(
    { ...body, Code: via === app ? body.Code.replace(/^\d{6}$/, 'six digits') : body.Code },
    {
      IDClient: deal.idClient,
      IDDeal: deal.number,
      Code: via === app ? 'six digits' : '',
      СообщениеОбОшибке: '',
    },
  );
  const sms = await latestSmsText(ctx.pool, ctx, { module: 'mymfo', subjectId: deal.clientId });
  if (via === app) {
    assert.equal(sms, before, 'the site sends the SMS itself');
    return body.Code;
  }
  const code = /: (\d{6})\./.exec(sms ?? '')?.[1];
  assert.ok(code, `a six-digit code in the SMS: ${sms}`);
  return code;
}

/** Lets the deal ask for a new code at once (the one-a-minute throttle is tested on its own). */
async function allowResend(deal: ApprovedDeal): Promise<void> {
  await ctx.pool.query(
    `UPDATE mymfo.signing_codes SET sent_at = now() - interval '2 minutes' WHERE deal_id = $1`,
    [deal.id],
  );
}

function review(deal: ApprovedDeal, value: string, headers: Record<string, string> = {}) {
  return get(`/dealsign/codereview/${deal.passport}/${deal.number}/${value}`, headers);
}

before(async () => {
  db = await testDatabase();
  ctx = db.ctx;
  await withTx(ctx.pool, (tx) => lendingProductsSeeder.seed(tx, ctx));
  await addCredential(
    ctx.pool,
    { login: 'site-signing', password: 'site-password', kind: 'site' },
    CLI_ACTOR,
  );
  app = await buildServer(ctx, [mymfoFace]);
  smsApp = await buildServer({ ...ctx, config: { ...ctx.config, mymfoSignCodeDelivery: 'sms' } }, [
    mymfoFace,
  ]);
});

after(async () => {
  await app?.close();
  await smsApp?.close();
  await db?.close();
});

describe('dealinpdf', () => {
  it('answers the individual terms as a real PDF in base64, or as application/pdf when asked', async () => {
    const deal = await approvedDeal();
    const res = await get(`/dealinpdf/${deal.number}/?pd=${deal.passport}`);
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.IDClient, deal.idClient);
    assert.equal(body.IDDeal, deal.number);
    assert.equal(body.Code, '');
    assert.equal(body.Подписан, false);
    assert.equal(body.СообщениеОбОшибке, '');
    const pdf = Buffer.from(body.Файл, 'base64');
    assert.equal(body.ХэшДокумента, sha256Hex(pdf));
    const text = pdfText(pdf);
    assert.ok(text.includes(deal.fullName), 'the client name');
    assert.match(text, /292,000 % годовых/, 'the ПСК in percent');
    assert.match(text, /2 400,00 ₽/, 'the ПСК in roubles');
    assert.match(text, /достигнет 100 % суммы предоставленного займа/, 'the cap of today (from 2026-04-01)');
    assert.ok(text.includes(deal.number));

    const raw = await get(`/dealinpdf/${deal.number}?pd=${deal.passport}`, { accept: 'application/pdf' });
    assert.equal(raw.statusCode, 200);
    assert.match(String(raw.headers['content-type']), /^application\/pdf/);
    assert.equal(sha256Hex(raw.rawPayload), body.ХэшДокумента, 'the same bytes each time');
  });

  it('refuses a wrong passport, an unknown deal, a declined one, and a caller without credentials', async () => {
    const deal = await approvedDeal();
    const wrong = await get(`/dealinpdf/${deal.number}/?pd=0000000000`);
    assert.equal(wrong.statusCode, 200);
    assert.deepEqual(wrong.json(), {
      СообщениеОбОшибке: 'паспорт не совпадает с паспортом заемщика по договору',
    });
    const unknown = await get(`/dealinpdf/НЕТ000001/?pd=${deal.passport}`);
    assert.deepEqual(unknown.json(), { СообщениеОбОшибке: 'договор с таким номером не найден' });
    await withTx(ctx.pool, (tx) => decideDeal(tx, deal.id, 'decline', 'отказ', CLI_ACTOR));
    const declined = await get(`/dealinpdf/${deal.number}/?pd=${deal.passport}`);
    assert.match(declined.json().СообщениеОбОшибке, /«Отказ»/);
    const anonymous = await app.inject({
      method: 'GET',
      url: encodeURI(`${BASE}/dealinpdf/${deal.number}/`),
    });
    assert.equal(anonymous.statusCode, 401);
    assert.equal(anonymous.body, '');
  });
});

describe('dealsign/code', () => {
  it('answers the code to the site or sends it by SMS, stores only a keyed hash, and throttles resends', async () => {
    const deal = await approvedDeal();
    const code = await requestCode(deal, smsApp);
    const { rows } = await ctx.pool.query<{ review_hash: string; expires_in: number }>(
      `SELECT review_hash, extract(epoch FROM expires_at - now())::int AS expires_in
         FROM mymfo.signing_codes WHERE deal_id = $1`,
      [deal.id],
    );
    assert.ok(!rows[0]!.review_hash.includes(code));
    assert.notEqual(rows[0]!.review_hash, reviewValue(deal.idClient, deal.number, code));
    assert.ok(rows[0]!.expires_in > 9 * 60 && rows[0]!.expires_in <= 10 * 60, 'valid 10 minutes');

    // The job `mymfo:send_sms` hands it to the SMS gateway (the simulator here).
    const queued = await ctx.pool.query<{ id: bigint }>(
      `SELECT id FROM notify.sms_outbox WHERE module = 'mymfo' AND subject_id = $1 AND purpose = 'signing_code'`,
      [deal.clientId],
    );
    assert.equal(queued.rowCount, 1);
    await deliverSms(ctx, String(queued.rows[0]!.id), 1, 8);
    const sent = (smsGateway() as SimulatedSmsGateway).sent.at(-1);
    assert.equal(sent?.phone, deal.phone);
    assert.ok(sent?.text.includes(code));

    const again = await get(`/dealsign/code/${deal.passport}/${deal.number}`);
    assert.match(again.json().СообщениеОбОшибке, /новый код можно запросить через \d+ с/);

    // A new code, answered to the site this time, replaces the old one.
    await allowResend(deal);
    const second = await requestCode(deal);
    if (second !== code) {
      const old = await review(deal, reviewValue(deal.idClient, deal.number, code));
      assert.match(old.json().СообщениеОбОшибке, /неверный код/);
    }
    for (let i = 0; i < 3; i++) {
      await allowResend(deal);
      await requestCode(deal);
    }
    await allowResend(deal);
    const sixth = await get(`/dealsign/code/${deal.passport}/${deal.number}`);
    assert.match(sixth.json().СообщениеОбОшибке, /не более 5 в час/);
  });

  it('is refused for a wrong passport and for a deal that is not approved', async () => {
    const deal = await approvedDeal();
    const wrong = await get(`/dealsign/code/0000000000/${deal.number}`);
    assert.deepEqual(wrong.json(), {
      СообщениеОбОшибке: 'паспорт не совпадает с паспортом заемщика по договору',
    });
    const fresh = await approvedDeal({ approve: false });
    assert.equal((await getDeal(ctx.pool, fresh.id)).status, 'Новый');
    const notApproved = await get(`/dealsign/code/${fresh.passport}/${fresh.number}`);
    assert.equal(
      notApproved.json().СообщениеОбОшибке,
      'договор в статусе «Новый» не может быть подписан: подписать можно только одобренную заявку',
    );
    assert.equal(
      await latestSmsText(ctx.pool, ctx, { module: 'mymfo', subjectId: fresh.clientId }),
      undefined,
    );
  });
});

describe('dealsign/codereview', () => {
  it('signs with the right code, prints the proof, and answers the same document on a repeat', async () => {
    const deal = await approvedDeal();
    const unsigned = (await get(`/dealinpdf/${deal.number}/?pd=${deal.passport}`)).json();
    const code = await requestCode(deal);
    const value = reviewValue(deal.idClient, deal.number, code);
    const res = await review(deal, value.toUpperCase());
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.equal(body.СообщениеОбОшибке, '');
    assert.equal(body.Подписан, true);
    assert.equal(body.IDClient, deal.idClient);
    const pdf = Buffer.from(body.Файл, 'base64');
    const text = pdfText(pdf);
    assert.match(text, /Подписано простой электронной подписью \(АСП\)/);
    assert.ok(text.includes(value), 'the code hash');
    assert.ok(text.includes(unsigned.ХэшДокумента), 'the hash of the unsigned PDF the client read');
    assert.ok(text.includes(deal.phone));
    assert.match(text, /IP-адрес: 127\.0\.0\.1/);
    assert.ok(text.includes(deal.fullName));

    const signed = await getDeal(ctx.pool, deal.id);
    assert.equal(signed.status, 'Подписан (дистанционно)');
    const { rows } = await ctx.pool.query<{ sign_proof: string }>(
      'SELECT sign_proof FROM lending.deals WHERE id = $1',
      [deal.id],
    );
    const proof = JSON.parse(rows[0]!.sign_proof);
    assert.equal(proof.codeHash, value);
    assert.equal(proof.documentHash, unsigned.ХэшДокумента);
    assert.equal(proof.phone, deal.phone);
    assert.equal(proof.ip, '127.0.0.1');

    const repeat = await review(deal, value);
    assert.equal(repeat.json().ХэшДокумента, body.ХэшДокумента, 'the same signed document');
    const asPdf = await review(deal, value, { accept: 'application/pdf' });
    assert.equal(sha256Hex(asPdf.rawPayload), body.ХэшДокумента);
    const afterwards = await get(`/dealinpdf/${deal.number}/?pd=${deal.passport}`);
    assert.equal(afterwards.json().ХэшДокумента, body.ХэшДокумента, 'dealinpdf now serves the signed copy');
    const other = await review(deal, 'f'.repeat(64));
    assert.deepEqual(other.json(), { СообщениеОбОшибке: 'договор уже подписан' });
    const codeAgain = await get(`/dealsign/code/${deal.passport}/${deal.number}`);
    assert.deepEqual(codeAgain.json(), { СообщениеОбОшибке: 'договор уже подписан' });
    const history = await ctx.pool.query(
      `SELECT 1 FROM lending.deal_history WHERE deal_id = $1 AND to_status = 'Подписан (дистанционно)'`,
      [deal.id],
    );
    assert.equal(history.rowCount, 1);
  });

  it('blocks the code after 5 wrong tries until a new one is asked', async () => {
    const deal = await approvedDeal();
    const code = await requestCode(deal);
    const wrongCode = code === '000000' ? '000001' : '000000';
    for (let left = 4; left >= 0; left--) {
      const res = await review(deal, reviewValue(deal.idClient, deal.number, wrongCode));
      assert.equal(res.statusCode, 200);
      assert.match(
        res.json().СообщениеОбОшибке,
        left > 0 ? new RegExp(`осталось попыток: ${left}$`) : /попытки исчерпаны/,
      );
    }
    const right = reviewValue(deal.idClient, deal.number, code);
    const blocked = await review(deal, right);
    assert.deepEqual(blocked.json(), {
      СообщениеОбОшибке: 'исчерпаны попытки ввода кода, запросите новый код',
    });
    assert.equal((await getDeal(ctx.pool, deal.id)).status, 'Одобрен');
    await allowResend(deal);
    const fresh = await requestCode(deal);
    const ok = await review(deal, reviewValue(deal.idClient, deal.number, fresh));
    assert.equal(ok.json().Подписан, true);
  });

  it('refuses an expired code, a wrong passport, a malformed hash and a review without a code', async () => {
    const deal = await approvedDeal();
    const none = await review(deal, 'a'.repeat(64));
    assert.match(none.json().СообщениеОбОшибке, /код подписания не запрашивался/);
    const code = await requestCode(deal);
    const value = reviewValue(deal.idClient, deal.number, code);
    const wrongPassport = await get(`/dealsign/codereview/0000000000/${deal.number}/${value}`);
    assert.deepEqual(wrongPassport.json(), {
      СообщениеОбОшибке: 'паспорт не совпадает с паспортом заемщика по договору',
    });
    const malformed = await review(deal, '12345');
    assert.match(malformed.json().СообщениеОбОшибке, /неверный формат кода/);
    await ctx.pool.query(
      `UPDATE mymfo.signing_codes SET expires_at = now() - interval '1 second' WHERE deal_id = $1`,
      [deal.id],
    );
    const expired = await review(deal, value);
    assert.deepEqual(expired.json(), { СообщениеОбОшибке: 'срок действия кода истек, запросите новый код' });
    assert.equal((await getDeal(ctx.pool, deal.id)).status, 'Одобрен');
  });

  it('signs once when parallel requests carry the right code', async () => {
    const deal = await approvedDeal();
    const code = await requestCode(deal);
    const value = reviewValue(deal.idClient, deal.number, code);
    const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const url = `${baseUrl}${encodeURI(`${BASE}/dealsign/codereview/${deal.passport}/${deal.number}/${value}`)}`;
      const answers = await Promise.all(
        Array.from({ length: 8 }, () =>
          fetch(url, { headers: { authorization: AUTH } }).then(
            (r) => r.json() as Promise<Record<string, unknown>>,
          ),
        ),
      );
      const hashes = new Set(answers.map((a) => a.ХэшДокумента));
      assert.equal(hashes.size, 1, 'every request got the same signed document');
      assert.ok(answers.every((a) => a.Подписан === true && a.СообщениеОбОшибке === ''));
    } finally {
      await app.close();
      app = await buildServer(ctx, [mymfoFace]);
    }
    const signatures = await ctx.pool.query('SELECT 1 FROM mymfo.signatures WHERE deal_id = $1', [deal.id]);
    assert.equal(signatures.rowCount, 1);
    const history = await ctx.pool.query(
      `SELECT 1 FROM lending.deal_history WHERE deal_id = $1 AND to_status = 'Подписан (дистанционно)'`,
      [deal.id],
    );
    assert.equal(history.rowCount, 1);
  });
});

describe('the document examples, verbatim', () => {
  // The examples address deal 1_000000001 of the client with passport 0808223433; the deal is
  // renumbered to that. Each example URL ends in a stray backtick of the markdown, left out.
  let deal: ApprovedDeal;
  before(async () => {
    const made = await approvedDeal();
    await ctx.pool.query(`UPDATE lending.deals SET number = '1_000000001' WHERE id = $1`, [made.id]);
    await ctx.pool.query('UPDATE lending.clients SET passport_enc = $2, passport_hash = $3 WHERE id = $1', [
      made.clientId,
      ctx.cipher.encrypt('0808223433'),
      ctx.cipher.lookupHash('0808223433'),
    ]);
    deal = { ...made, number: '1_000000001', passport: '0808223433' };
  });

  const headers = {
    'user-agent': 'АдресСервера'.replace(/[^\x20-\x7e]/g, '?'),
    'content-type': 'application/json',
  };

  it('dealinpdf/1_000000001/?pd=0808223433', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/MeMFOWork/hs/dealinpdf/1_000000001/?pd=0808223433',
      headers: { ...headers, authorization: AUTH },
    });
    const body = res.json();
    assert.deepEqual(Object.keys(body).sort(), [
      'Code',
      'IDClient',
      'IDDeal',
      'ИмяФайла',
      'Подписан',
      'СообщениеОбОшибке',
      'Файл',
      'ХэшДокумента',
    ]);
    assert.equal(body.IDDeal, '1_000000001');
    assert.ok(pdfText(Buffer.from(body.Файл, 'base64')).includes(deal.fullName));
  });

  it('dealsign/code/0808223433/1_000000001', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/MeMFOWork/hs/dealsign/code/0808223433/1_000000001',
      headers: { ...headers, authorization: AUTH },
    });
    const body = res.json();
    assert.match(body.Code, /^\d{6}$/, 'the code for the site to send by SMS');
    assert.deepEqual(body, {
      IDClient: deal.idClient,
      IDDeal: '1_000000001',
      Code: body.Code,
      СообщениеОбОшибке: '',
    });
    // The answered code is the live one (signing with it is the codereview tests' part).
    const { rows } = await ctx.pool.query<{ review_hash: string }>(
      'SELECT review_hash FROM mymfo.signing_codes WHERE deal_id = $1',
      [deal.id],
    );
    const value = reviewValue(deal.idClient, '1_000000001', body.Code);
    assert.equal(rows[0]!.review_hash, ctx.cipher.lookupHash(`mymfo-sign:${value}`));
  });

  it('dealsign/codereview/0808223433/1_000000001/1233243454354366234 (not a SHA-256: refused in the field)', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/MeMFOWork/hs/dealsign/codereview/0808223433/1_000000001/1233243454354366234',
      headers: { ...headers, authorization: AUTH },
    });
    assert.equal(res.statusCode, 200);
    assert.match(res.json().СообщениеОбОшибке, /^неверный формат кода/);
    assert.equal((await getDeal(ctx.pool, deal.id)).status, 'Одобрен');
  });
});

describe('OpenAPI', () => {
  it("publishes the three services with how the document's quirks are handled", async () => {
    const res = await app.inject({ method: 'GET', url: '/docs/mymfo/json' });
    assert.equal(res.statusCode, 200);
    const paths = res.json().paths as Record<string, { get?: { description?: string } }>;
    const dealinpdf = paths['/MeMFOWork/hs/dealinpdf/{IDDeal}/']?.get?.description ?? '';
    assert.match(dealinpdf, /не содержит файла/);
    const code = paths['/MeMFOWork/hs/dealsign/code/{passport}/{IDDeal}']?.get?.description ?? '';
    assert.match(code, /код возвращается в поле Code/);
    const review =
      paths['/MeMFOWork/hs/dealsign/codereview/{passport}/{IDDeal}/{sha256}']?.get?.description ?? '';
    assert.match(review, /IDClient \+ IDDeal \+ код АСП/);
    assert.match(review, /Подисан/);
  });
});
