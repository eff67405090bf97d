import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { mymfoFace } from '../../src/faces/mymfo/face.ts';
import { addDays, todayMoscow } from '../../src/lending/dates.ts';
import { decideDeal, signDeal } from '../../src/lending/deals/decisions.ts';
import { getDeal } from '../../src/lending/deals/repository.ts';
import { debtSummary } from '../../src/lending/debt/summary.ts';
import { cabinetPass } from '../../src/mymfo/cabinet.ts';
import { DEMO_CABINET, seedCabinetDemo } from '../../src/mymfo/demo-clients.ts';
import { deliverSms, latestSmsText } from '../../src/notify/outbox.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import { buildServer } from '../../src/platform/http/server.ts';
import { createLogger } from '../../src/platform/logging.ts';
import { BASE, basic, type MymfoWorld, mymfoWorld, SITE } from './helpers.ts';

const xml = new XMLParser({ parseTagValue: false });
const STAFF = { type: 'staff', id: 't' } as const;

function application(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const suffix = String(Math.floor(Math.random() * 1_000_000)).padStart(6, '0');
  return {
    last_name: 'Заявкин',
    first_name: 'Пётр',
    middle_name: 'Сергеевич',
    phone: `8912${suffix}1`,
    birthday: '1985-03-04',
    amount: '5000',
    period: addDays(todayMoscow(), 20),
    passport_series: '46 11',
    passport_number: suffix,
    incoming: '60000',
    ...overrides,
  };
}

describe('mymfo face: site services', () => {
  let w: MymfoWorld;
  let clientId: bigint;
  let issuedNumber: string;
  before(async () => {
    w = await mymfoWorld();
    await withTx(w.ctx.pool, (tx) => seedCabinetDemo(tx, w.ctx));
    const r = await w.app.inject({
      method: 'GET',
      url: `${BASE}/NumbersDeals/${DEMO_CABINET.passport}`,
      headers: SITE,
    });
    issuedNumber = r.json().Договоры[0].НомерДоговора;
    clientId = (await getDeal(w.ctx.pool, issuedNumber)).clientId;
  });
  after(() => w.close());

  describe('client/', () => {
    it('logs in with sha256(phone + password) and answers the client as well-formed XML', async () => {
      const pass = cabinetPass(DEMO_CABINET.phone, DEMO_CABINET.password);
      const r = await w.app.inject({
        method: 'GET',
        url: `${BASE}/client/?phone=${DEMO_CABINET.phone}&pass=${pass}`,
        headers: SITE,
      });
      assert.equal(r.statusCode, 200);
      assert.match(String(r.headers['content-type']), /xml/);
      assert.equal(XMLValidator.validate(r.body), true);
      assert.match(r.body, /<dateissue>29\.07\.2008<\/dateissue>/);
      const doc = xml.parse(r.body).response;
      assert.equal(doc.status, '0');
      assert.equal(doc.fio, 'Иванов Иван Иванович');
      assert.equal(doc.series, '0808');
      assert.equal(doc.number, '223433');
      assert.equal(doc.datebirthday, '22.11.1988');
      assert.equal(doc.IDClient, String(clientId).padStart(9, '0'));
      assert.equal(doc.placeofwork, 'ООО "Перспектива"');
      assert.equal(doc.blacklist, 'false');
      assert.deepEqual(Object.keys(doc), [
        'status',
        'errormessage',
        'IDClient',
        'fio',
        'datebirthday',
        'series',
        'number',
        'issued',
        'dateissue',
        'code',
        'residence',
        'registration',
        'placeofwork',
        'email',
        'blacklist',
        'dateofban',
      ]);
    });

    it('without pass creates a password, sends it by SMS (status 11), and the new password logs in', async () => {
      const r = await w.app.inject({
        method: 'GET',
        url: `${BASE}/client/?phone=${DEMO_CABINET.phone}`,
        headers: SITE,
      });
      assert.equal(xml.parse(r.body).response.status, '11');
      const again = await w.app.inject({
        method: 'GET',
        url: `${BASE}/client/?phone=${DEMO_CABINET.phone}`,
        headers: SITE,
      });
      assert.equal(xml.parse(again.body).response.status, '1', 'no second SMS within a minute');
      const { rows } = await w.ctx.pool.query<{ id: bigint }>(
        `SELECT id FROM notify.sms_outbox WHERE module = 'mymfo' AND subject_id = $1`,
        [clientId],
      );
      assert.equal(rows.length, 1);
      await deliverSms(w.ctx, String(rows[0]!.id), 1, 8);
      const text = await latestSmsText(w.ctx.pool, w.ctx, { module: 'mymfo', subjectId: clientId });
      const password = /: (\S+)\./.exec(text ?? '')?.[1];
      assert.ok(password, text);
      const old = cabinetPass(DEMO_CABINET.phone, DEMO_CABINET.password);
      const oldLogin = await w.app.inject({
        method: 'GET',
        url: `${BASE}/client/?phone=${DEMO_CABINET.phone}&pass=${old}`,
        headers: SITE,
      });
      assert.equal(xml.parse(oldLogin.body).response.status, '2', 'the old password is replaced');
      const ok = await w.app.inject({
        method: 'GET',
        url: `${BASE}/client/?phone=${DEMO_CABINET.phone}&pass=${cabinetPass(DEMO_CABINET.phone, password!)}`,
        headers: SITE,
      });
      assert.equal(xml.parse(ok.body).response.status, '0');
    });

    it('answers 1 for an unknown phone, an error for a malformed one, and locks after 5 wrong passes', async () => {
      const unknown = await w.app.inject({
        method: 'GET',
        url: `${BASE}/client/?phone=89990000000&pass=abc`,
        headers: SITE,
      });
      assert.equal(xml.parse(unknown.body).response.status, '1');
      const malformed = await w.app.inject({ method: 'GET', url: `${BASE}/client/?phone=12`, headers: SITE });
      assert.equal(malformed.statusCode, 200);
      assert.equal(XMLValidator.validate(malformed.body), true);
      assert.match(xml.parse(malformed.body).response.errormessage, /телефон/);
      const missing = await w.app.inject({ method: 'GET', url: `${BASE}/client/`, headers: SITE });
      assert.match(xml.parse(missing.body).response.errormessage, /phone/);
      // A client of its own, so the lock does not disturb the other tests.
      const body = application();
      const created = await w.app.inject({
        method: 'POST',
        url: `${BASE}/Request/`,
        headers: SITE,
        payload: body,
      });
      assert.equal(created.json().result, '1', created.body);
      for (let i = 0; i < 5; i++) {
        const wrong = await w.app.inject({
          method: 'GET',
          url: `${BASE}/client/?phone=${body.phone}&pass=wrong${i}`,
          headers: SITE,
        });
        assert.equal(xml.parse(wrong.body).response.status, '2');
      }
      const locked = await w.app.inject({
        method: 'GET',
        url: `${BASE}/client/?phone=${body.phone}&pass=whatever`,
        headers: SITE,
      });
      assert.match(xml.parse(locked.body).response.errormessage, /заблокирован/);
    });
  });

  describe('NumbersDeals, statusdeal', () => {
    it('lists the deals of a passport with their paid flag', async () => {
      const r = await w.app.inject({
        method: 'GET',
        url: `${BASE}/NumbersDeals/${DEMO_CABINET.passport}`,
        headers: SITE,
      });
      assert.deepEqual(r.json(), {
        Договоры: [{ НомерДоговора: issuedNumber, Оплачен: false }],
        СообщениеОбОшибке: '',
      });
      const none = await w.app.inject({
        method: 'GET',
        url: `${BASE}/NumbersDeals/0000000000`,
        headers: SITE,
      });
      assert.deepEqual(none.json().Договоры, []);
      assert.match(none.json().СообщениеОбОшибке, /не найдены/);
      const bad = await w.app.inject({ method: 'GET', url: `${BASE}/NumbersDeals/12ab`, headers: SITE });
      assert.match(bad.json().СообщениеОбОшибке, /10 цифр/);
    });

    it('answers ID<n> per IDDeal<n> with the status, and КодОтвета', async () => {
      const r = await w.app.inject({
        method: 'POST',
        url: `${BASE}/statusdeal`,
        headers: SITE,
        payload: { IDDeal1: issuedNumber, IDDeal2: 'НЕТ000000' },
      });
      const body = r.json();
      assert.equal(body.КодОтвета, 0);
      assert.equal(body.ID1.НомерСделки, issuedNumber);
      assert.equal(body.ID1.Статус, 'Выдан');
      assert.match(body.ID1.ДатаСделки, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/);
      assert.equal(body.ID2, undefined);
      assert.match(body.СообщениеОбОшибке, /НЕТ000000/);
      const bad = await w.app.inject({
        method: 'POST',
        url: `${BASE}/statusdeal`,
        headers: SITE,
        payload: { foo: 'x' },
      });
      assert.equal(bad.json().КодОтвета, 1);
      assert.ok(bad.json().СообщениеОбОшибке);
      const broken = await w.app.inject({
        method: 'POST',
        url: `${BASE}/statusdeal`,
        headers: { ...SITE, 'content-type': 'application/json' },
        payload: '{"IDDeal1": "a" "IDDeal2": "b"}',
      });
      assert.equal(broken.statusCode, 400);
      assert.equal(broken.json().КодОтвета, 1);
    });
  });

  describe('Request/', () => {
    it('creates an application and names every bad field in Russian', async () => {
      const bad = await w.app.inject({
        method: 'POST',
        url: `${BASE}/Request/`,
        headers: SITE,
        payload: {
          last_name: 'Тестов',
          amount: 'много',
          birthday: '31.02.1990',
          passport_series: '45',
          email: 'x',
        },
      });
      const body = bad.json();
      assert.equal(body.result, '0');
      for (const field of [
        'first_name (Имя)',
        'middle_name (Отчество)',
        'phone (Телефон)',
        'passport_number',
        'period',
        'amount (Сумма займа)',
        'birthday',
        'passport_series',
        'email',
      ])
        assert.ok(body.description.includes(field), `${field} in ${body.description}`);
      assert.equal(body.IDDeal, undefined);
      const notJson = await w.app.inject({
        method: 'POST',
        url: `${BASE}/Request/`,
        headers: { ...SITE, 'content-type': 'application/json' },
        payload: '{"last_name": "Тестов" "first_name": "Тест"}',
      });
      assert.equal(notJson.statusCode, 400);
      assert.deepEqual(Object.keys(notJson.json()), ['result', 'description']);
      assert.equal(notJson.json().result, '0');
    });

    it('reads registrarion_*/registration_*, interval, creditproduct by name, flags and utm fields', async () => {
      const body = application({
        period: undefined,
        interval: '6',
        amount: '30000',
        creditproduct: 'Займ на полгода (ежемесячные платежи)',
        registrarion_city: 'Зеленогорск',
        registration_street: 'Порядковая',
        NewLoanFromLK: 'True',
        utm_source: 'yandex',
        car_model: 'Тойота Камри',
        files: [{ filename: 'Паспорт_страница_1', bitmap: '0KLQtdGB0YIx' }],
      });
      delete body.period;
      const r = await w.app.inject({ method: 'POST', url: `${BASE}/Request/`, headers: SITE, payload: body });
      const answer = r.json();
      assert.equal(answer.result, '1', r.body);
      assert.match(answer.IDClient, /^\d{9}$/);
      const deal = await getDeal(w.ctx.pool, answer.IDDeal);
      assert.equal(deal.amount, 3_000_000n);
      assert.equal(deal.termDays, 180);
      assert.equal(deal.extra.NewLoanFromLK, true);
      assert.equal(deal.extra.utm_source, 'yandex');
      assert.equal(deal.extra.car_model, 'Тойота Камри');
      const { rows } = await w.ctx.pool.query<{
        registration_address: Record<string, string>;
        content: Buffer;
      }>(
        `SELECT c.registration_address, f.content FROM lending.clients c JOIN lending.deals d ON d.client_id = c.id
         JOIN lending.deal_files f ON f.deal_id = d.id WHERE d.number = $1`,
        [answer.IDDeal],
      );
      assert.deepEqual(rows[0]!.registration_address, { city: 'Зеленогорск', street: 'Порядковая' });
      assert.equal(rows[0]!.content.toString('utf8'), 'Тест1');
    });

    it('refuses a second application while one is open, and an unknown product', async () => {
      const first = application();
      const r1 = await w.app.inject({
        method: 'POST',
        url: `${BASE}/Request/`,
        headers: SITE,
        payload: first,
      });
      assert.equal(r1.json().result, '1');
      const r2 = await w.app.inject({
        method: 'POST',
        url: `${BASE}/Request/`,
        headers: SITE,
        payload: { ...first, amount: '6000' },
      });
      assert.equal(r2.json().result, '0');
      assert.match(r2.json().description, new RegExp(`незавершенная заявка ${r1.json().IDDeal}`));
      const r3 = await w.app.inject({
        method: 'POST',
        url: `${BASE}/Request/`,
        headers: SITE,
        payload: application({ creditproduct: 'НЕТ' }),
      });
      assert.match(r3.json().description, /creditproduct/);
    });

    it('answers a repeated identical Request (also in parallel) with the first answer and one deal', async () => {
      const body = application({ ID: '' });
      const replies = await Promise.all(
        Array.from({ length: 4 }, () =>
          w.app.inject({ method: 'POST', url: `${BASE}/Request/`, headers: SITE, payload: body }),
        ),
      );
      const answers = replies.map((r) => r.json());
      assert.ok(
        answers.every((a) => a.result === '1'),
        JSON.stringify(answers),
      );
      assert.equal(new Set(answers.map((a) => a.IDDeal)).size, 1);
      const { rows } = await w.ctx.pool.query(`SELECT 1 FROM lending.deals WHERE client_id = $1`, [
        BigInt(answers[0].IDClient),
      ]);
      assert.equal(rows.length, 1);
      const withId = application({ ID: 'site-42' });
      const a = await w.app.inject({
        method: 'POST',
        url: `${BASE}/Request/`,
        headers: SITE,
        payload: withId,
      });
      const b = await w.app.inject({
        method: 'POST',
        url: `${BASE}/Request/`,
        headers: SITE,
        payload: withId,
      });
      assert.deepEqual(b.json(), a.json());
      const other = await w.app.inject({
        method: 'POST',
        url: `${BASE}/Request/`,
        headers: SITE,
        payload: { ...withId, amount: '7000' },
      });
      assert.equal(other.json().result, '0');
      assert.match(other.json().description, /site-42/);
    });
  });

  describe('card/attachtoclient, card/attachtodeal', () => {
    const IDC = () => String(clientId).padStart(10, '0');
    it('attaches a card keeping only first 6 / last 4, idempotently', async () => {
      const url = `${BASE}/card/attachtoclient/?id=tok-1&name=4111111111111111&client=${IDC()}&cardholder=IVAN%20IVANOV&validity=122030&service=Mandarinpay`;
      const r = await w.app.inject({ method: 'GET', url, headers: SITE });
      assert.deepEqual(r.json(), { Результат: 'Карта привязана к клиенту' });
      await w.app.inject({ method: 'GET', url, headers: SITE });
      const { rows } = await w.ctx.pool.query(`SELECT * FROM mymfo.cards WHERE client_id = $1`, [clientId]);
      assert.equal(rows.length, 1);
      assert.equal(rows[0].first6, '411111');
      assert.equal(rows[0].last4, '1111');
      assert.ok(
        !JSON.stringify(rows[0], (_k, v) => (typeof v === 'bigint' ? String(v) : v)).includes(
          '4111111111111111',
        ),
      );
      const toDeal = await w.app.inject({
        method: 'GET',
        url: `${BASE}/card/attachtodeal/?id=tok-2&name=555555******4444&deal=${encodeURIComponent(issuedNumber)}&cardholder=IVAN&validity=1230&service=Mandarinpay`,
        headers: SITE,
      });
      assert.deepEqual(toDeal.json(), { Результат: 'Карта привязана к договору' });
    });

    it('rejects a malformed card in the Error field', async () => {
      for (const [query, why] of [
        ['name=4111111111111112', /контрольной цифры/],
        ['name=41111', /13–19 цифр/],
        ['name=4111111111111111&validity=012020', /истек/],
        ['name=4111111111111111&validity=13', /ММГГГГ/],
      ] as const) {
        const params = new URLSearchParams({
          id: 't',
          client: IDC(),
          cardholder: 'IVAN',
          validity: '122030',
          service: 'X',
        });
        for (const pair of query.split('&')) {
          const [k, v] = pair.split('=');
          params.set(k!, v!);
        }
        const r = await w.app.inject({
          method: 'GET',
          url: `${BASE}/card/attachtoclient/?${params}`,
          headers: SITE,
        });
        assert.match(r.json().Error, why);
      }
      const unknown = await w.app.inject({
        method: 'GET',
        url: `${BASE}/card/attachtoclient/?id=t&name=4111111111111111&client=999999&cardholder=IVAN&validity=122030&service=X`,
        headers: SITE,
      });
      assert.match(unknown.json().Error, /клиент не найден/);
      const noDeal = await w.app.inject({
        method: 'GET',
        url: `${BASE}/card/attachtodeal/?id=t&name=4111111111111111&cardholder=IVAN&validity=122030&service=X`,
        headers: SITE,
      });
      assert.match(noDeal.json().Error, /deal \(номер договора\)/);
      const otherClient = await w.app.inject({
        method: 'GET',
        url: `${BASE}/card/attachtodeal/?id=t&name=4111111111111111&deal=${encodeURIComponent(issuedNumber)}&client=999999&cardholder=IVAN&validity=122030&service=X`,
        headers: SITE,
      });
      assert.match(otherClient.json().Error, /не найден у этого клиента/);
    });
  });

  describe('PS/deal, PS/dealforps, fixingissue', () => {
    it('shows the debt summary with ISO dates and rouble numbers', async () => {
      const r = await w.app.inject({
        method: 'GET',
        url: `${BASE}/PS/deal/${encodeURIComponent(issuedNumber)}/${DEMO_CABINET.passport}`,
        headers: SITE,
      });
      const body = r.json();
      assert.equal(body.НомерДоговора, issuedNumber);
      assert.equal(body.ОстатокОД, 10000);
      assert.ok(body.ОбщийДолгНаТекДату > 10000);
      assert.equal(body.ТекущийГрафикПлатежей.length, 1);
      assert.match(body.ТекущийГрафикПлатежей[0].ДатаПлатежа, /^\d{4}-\d{2}-\d{2}T00:00:00$/);
      assert.equal(body.СообщениеОбОшибке, '');
      assert.ok(r.body.includes('"ОстатокОД":10000,'), 'integers without .00');
      const other = await w.app.inject({
        method: 'GET',
        url: `${BASE}/PS/deal/${encodeURIComponent(issuedNumber)}/1111222333`,
        headers: SITE,
      });
      assert.match(other.json().СообщениеОбОшибке, /не найден/);
      assert.equal(other.json().ОстатокОД, undefined);
      for (const url of [
        `/PS/deal/${encodeURIComponent(issuedNumber)}/12345`,
        `/PS/deal/${encodeURIComponent(issuedNumber)}/%25E0%25A4`,
        `/PS/dealforps/${encodeURIComponent(issuedNumber)}/?pd=abc`,
        '/PS/dealforps/%20/',
      ]) {
        const bad = await w.app.inject({ method: 'GET', url: `${BASE}${url}`, headers: SITE });
        assert.equal(bad.statusCode, 200, url);
        assert.match(bad.json().СообщениеОбОшибке, /паспорт|номер договора/, url);
      }
    });

    it('masks the name and phone for the acquiring page', async () => {
      const r = await w.app.inject({
        method: 'GET',
        url: `${BASE}/PS/dealforps/${encodeURIComponent(issuedNumber)}/?pd=${DEMO_CABINET.passport}`,
        headers: SITE,
      });
      const body = r.json();
      assert.equal(body.ИмяОтчествоФ, 'Иван Иванович И.');
      assert.equal(body.Телефон, '8911*****11');
      assert.ok(body.ОбщийДолгНаТекДату > 10000);
      const noPd = await w.app.inject({
        method: 'GET',
        url: `${BASE}/PS/dealforps/${encodeURIComponent(issuedNumber)}/`,
        headers: SITE,
      });
      assert.equal(noPd.json().НомерДоговора, issuedNumber);
    });

    it('registers an issue done outside Kopek, once', async () => {
      const app = await w.app.inject({
        method: 'POST',
        url: `${BASE}/Request/`,
        headers: SITE,
        payload: application(),
      });
      const number = app.json().IDDeal as string;
      const deal = await getDeal(w.ctx.pool, number);
      await withTx(w.ctx.pool, async (tx) => {
        if (deal.status !== 'Одобрен') await decideDeal(tx, deal.id, 'approve', 'тест', STAFF);
        await signDeal(tx, deal.id, 'тест', STAFF);
      });
      const payload = {
        IDDeal: number,
        date: todayMoscow(),
        amount: 5000,
        method: 'Наличные в кассе',
        reference: 'РКО-7',
      };
      const early = await w.app.inject({
        method: 'POST',
        url: `${BASE}/fixingissue/`,
        headers: SITE,
        payload: { ...payload, amount: 4000 },
      });
      assert.match(early.json().СообщениеОбОшибке, /всю сумму/);
      const r = await w.app.inject({ method: 'POST', url: `${BASE}/fixingissue/`, headers: SITE, payload });
      assert.equal(r.json().Статус, 'Выдан', r.body);
      assert.equal(r.json().СообщениеОбОшибке, '');
      const again = await w.app.inject({
        method: 'POST',
        url: `${BASE}/fixingissue/`,
        headers: SITE,
        payload,
      });
      assert.deepEqual(again.json(), r.json());
      const differs = await w.app.inject({
        method: 'POST',
        url: `${BASE}/fixingissue/`,
        headers: SITE,
        payload: { ...payload, method: 'Банк' },
      });
      assert.match(differs.json().СообщениеОбОшибке, /уже зарегистрирована/);
      const bad = await w.app.inject({
        method: 'GET',
        url: `${BASE}/fixingissue/?IDDeal=${encodeURIComponent(number)}&date=2999-01-01`,
        headers: SITE,
      });
      assert.match(bad.json().СообщениеОбОшибке, /будущем/);
      assert.match(bad.json().СообщениеОбОшибке, /amount/);
      assert.match(bad.json().СообщениеОбОшибке, /method/);
      const ps = await w.app.inject({
        method: 'GET',
        url: `${BASE}/PS/deal/${encodeURIComponent(number)}/${encodeURIComponent(String(application().passport_series))}`,
        headers: basic('qiwi'),
      });
      assert.equal(ps.statusCode, 200);
    });
  });

  it('sends one password when the site asks for it several times at once', async () => {
    const body = application();
    const created = await w.app.inject({
      method: 'POST',
      url: `${BASE}/Request/`,
      headers: SITE,
      payload: body,
    });
    const id = BigInt(created.json().IDClient);
    const replies = await Promise.all(
      Array.from({ length: 5 }, () =>
        w.app.inject({ method: 'GET', url: `${BASE}/client/?phone=${body.phone}`, headers: SITE }),
      ),
    );
    const statuses = replies.map((r) => xml.parse(r.body).response.status).sort();
    assert.deepEqual(statuses, ['1', '1', '1', '1', '11']);
    const { rows } = await w.ctx.pool.query(
      `SELECT 1 FROM notify.sms_outbox WHERE module = 'mymfo' AND subject_id = $1`,
      [id],
    );
    assert.equal(rows.length, 1);
  });

  it("PS/deal figures are the engine's debt summary in roubles", async () => {
    const summary = await debtSummary(w.ctx.pool, issuedNumber);
    const r = await w.app.inject({
      method: 'GET',
      url: `${BASE}/PS/deal/${encodeURIComponent(issuedNumber)}/${DEMO_CABINET.passport}`,
      headers: SITE,
    });
    const body = r.json();
    const rub = (k: bigint) => Number(k) / 100;
    assert.equal(body.ОбщийДолгНаТекДату, rub(summary.totalDebt));
    assert.equal(body.СуммаПроценты, rub(summary.interest));
    assert.equal(body.ДолгПоТекПлатежу, rub(summary.currentDue));
    assert.equal(body.КоличествоДнейПросрочки, summary.daysPastDue);
    assert.equal(body.ТекущийГрафикПлатежей[0].СуммаПлатежа, rub(summary.schedule[0]!.total));
    assert.equal(body.ТекущийГрафикПлатежей[0].ДатаПлатежа, `${summary.schedule[0]!.dueDate}T00:00:00`);
  });

  it('publishes an OpenAPI document with every service and the quirks', async () => {
    const r = await w.app.inject({ method: 'GET', url: '/docs/mymfo/json' });
    const doc = r.json();
    for (const p of [
      'client/',
      'NumbersDeals/{passport}',
      'statusdeal',
      'Request/',
      'card/attachtoclient/',
      'card/attachtodeal/',
      'PS/deal/{deal}/{passport}',
      'PS/dealforps/{deal}/',
      'fixingissue/',
    ])
      assert.ok(doc.paths[`${BASE}/${p}`], p);
    for (const quirk of ['registrarion_', '</dateissuecode>', '2017-07- 06T00:00:00', 'fixingissue', 'Луна'])
      assert.ok(doc.info.description.includes(quirk), quirk);
  });

  it('unknown paths answer in the document form without echoing the path', async () => {
    const r = await w.app.inject({ method: 'GET', url: `${BASE}/nothing/0808223433`, headers: SITE });
    assert.equal(r.statusCode, 404);
    assert.equal(r.json().СообщениеОбОшибке, 'метод не найден');
  });

  it('keeps passports, pd, pass and phone out of the request log', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _e, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const app = await buildServer({ ...w.ctx, log: createLogger('info', sink) }, [mymfoFace]);
    try {
      for (const url of [
        `${BASE}/NumbersDeals/0808223433`,
        `${BASE}/PS/deal/1_000000001/0808223433`,
        `${BASE}/PS/dealforps/1_000000001/?pd=0808223433`,
        `${BASE}/client/?phone=89111111111&pass=Hgu32D11`,
      ])
        await app.inject({ method: 'GET', url, headers: SITE });
    } finally {
      await app.close();
    }
    const out = lines.join('');
    assert.ok(out.includes('NumbersDeals/[скрыто]'), out.slice(0, 500));
    for (const secret of ['0808223433', '89111111111', 'Hgu32D11', 'c2l0ZS1wYXNzd29yZA'])
      assert.ok(!out.includes(secret), `${secret} leaked`);
  });
});
