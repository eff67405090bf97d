import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { addDays, todayMoscow } from '../../src/lending/dates.ts';
import { DEMO_CABINET, seedCabinetDemo } from '../../src/mymfo/demo-clients.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import { BASE, exampleUrl, type MymfoWorld, mymfoWorld, SITE } from './helpers.ts';

/**
 * The document's request examples, verbatim: URLs with the host dropped and the markdown's
 * stray backtick removed; JSON bodies repaired only where they are not JSON (missing commas,
 * the `//` comment line, trailing commas).
 */
const REQUEST_EXAMPLE = `{
  "ID" : "",
  "last_name" : "Тестов",
  "first_name" : "Тест",
  "middle_name" : "Тестович",
  "phone" : "89117115544",
  "birthday" : "2017-05-05",
  "email" : "test88@mail.ru",
  "amount" : "15000",
  "period" : "2017-06-20",
  "inn_number" : "4445558877",
  "id_sex" : "Мужской",
  "passport_series" : "45 10",
  "passport_number" : "666666",
  "passport_date_of_issue" : "2008-01-09",
  "birthplace" : "г. Хабаровск",
  "passport_org" : "ОВД Центрального округа, гор. Хабаровска",
  "passport_code" : "270-009",
  "incoming" : "35000",
  "work_name" : "ОАО РЖД",
  "experience" : "60",
  "work_phone" : "88123839935",
  "residential_region" : "Забайкальский кр.",
  "residential_city" : "г. Самара",
  "residential_street" : "Афонина",
  "residential_house" : "12",
  "residential_building" : "2",
  "residential_apartment" : "62",
  "match_addresses" : "0",
  "registrarion_region" : "Санкт-Петербург",
  "registrarion_city" : "Зеленогорск",
  "registrarion_street" : "Порядковая",
  "registrarion_house" : "11",
  "registrarion_building" : "3",
  "registrarion_apartment" : "58",
  "files": [
			{"filename":"Паспорт_страница_1", "bitmap":"0KLQtdGB0YIx"},
			{"filename":"Паспорт_страница_2", "bitmap":"0KLQtdGB0YIy"}
		   ],
  "car_model" : "Тойота Камри",
  "car_issuedate" : "2006",
  "car_price" : "600000",
  "car_color" : "Белый",
  "car_number" : "С238ОГ",
  "car_vin" : "GDRT2890JH23GFDV22",
  "sts_number" : "К34821",
  "sts_issueby" : "Центральной МВД",
  "pts_number" : "34 4321м",
  "pts_issueby" : "Центральной МВД"
}`;

const STATUSDEAL_EXAMPLE = `{
  "IDDeal1" : "1_000000001",
  "IDDeal2" : "1_000000012",
  "IDDeal3" : "1_000000003",
  "IDDeal4" : "1_000000010"
}`;

describe('mymfo face: the document examples', () => {
  let w: MymfoWorld;
  before(async () => {
    w = await mymfoWorld();
    await withTx(w.ctx.pool, (tx) => seedCabinetDemo(tx, w.ctx));
  });
  after(() => w.close());

  it('client: the example URL answers well-formed XML (its pass is not the demo password: status 2)', async () => {
    const r = await w.app.inject({
      method: 'GET',
      url: exampleUrl('http://192.168.0.1/MeMFOWork/hs/client/?phone=89111111111&pass=Hgu32D11`'),
      headers: SITE,
    });
    assert.equal(XMLValidator.validate(r.body), true);
    const doc = new XMLParser({ parseTagValue: false }).parse(r.body).response;
    assert.equal(doc.status, '2');
    assert.equal(doc.errormessage, 'Неверный пароль');
  });

  it('NumbersDeals: the example passport has the document shape', async () => {
    const r = await w.app.inject({
      method: 'GET',
      url: `${BASE}/NumbersDeals/${DEMO_CABINET.passport}`,
      headers: SITE,
    });
    const body = r.json();
    assert.deepEqual(Object.keys(body), ['Договоры', 'СообщениеОбОшибке']);
    assert.deepEqual(Object.keys(body.Договоры[0]), ['НомерДоговора', 'Оплачен']);
  });

  it('Request: the example (repaired JSON) is accepted when its return date lies ahead', async () => {
    const verbatim = await w.app.inject({
      method: 'POST',
      url: `${BASE}/Request/`,
      headers: { ...SITE, 'content-type': 'application/json' },
      payload: REQUEST_EXAMPLE,
    });
    assert.equal(verbatim.json().result, '0');
    assert.match(verbatim.json().description, /period \(Дата возврата\): дата 2017-06-20 должна быть позже/);
    const ahead = REQUEST_EXAMPLE.replace('"2017-06-20"', `"${addDays(todayMoscow(), 20)}"`);
    const r = await w.app.inject({
      method: 'POST',
      url: `${BASE}/Request/`,
      headers: { ...SITE, 'content-type': 'application/json' },
      payload: ahead,
    });
    const body = r.json();
    assert.equal(body.result, '1', r.body);
    assert.equal(body.description, 'Заявка создана');
    assert.deepEqual(Object.keys(body), ['result', 'description', 'IDDeal', 'IDClient']);
    const again = await w.app.inject({
      method: 'POST',
      url: `${BASE}/Request/`,
      headers: { ...SITE, 'content-type': 'application/json' },
      payload: ahead,
    });
    assert.deepEqual(again.json(), body, 'a retry of the same body answers the same');
  });

  it('statusdeal: the example (commas added) answers КодОтвета and the missing numbers', async () => {
    const r = await w.app.inject({
      method: 'POST',
      url: `${BASE}/statusdeal`,
      headers: { ...SITE, 'content-type': 'application/json' },
      payload: STATUSDEAL_EXAMPLE,
    });
    const body = r.json();
    assert.equal(body.КодОтвета, 1);
    assert.match(body.СообщениеОбОшибке, /1_000000001, 1_000000012, 1_000000003, 1_000000010/);
  });

  it('card/attachtoclient: the example card number fails the Luhn check and is refused in Error', async () => {
    const r = await w.app.inject({
      method: 'GET',
      url: exampleUrl(
        'http://192.168.0.1/MeMFOWork/hs/card/attachtoclient/?id=hfkd123g4453k34598d&name=4321123456788765&client=0000001233&cardholder=IvanovIvan&validity=112020&service=Mandarinpay`',
      ),
      headers: SITE,
    });
    assert.deepEqual(Object.keys(r.json()), ['Error']);
    assert.match(r.json().Error, /контрольной цифры/);
  });

  it('PS/deal and PS/dealforps: the example URLs answer in СообщениеОбОшибке (no such deal here)', async () => {
    for (const url of [
      'http://192.168.0.1/MeMFOWork/hs/PS/deal/1_000000001/0808223433`',
      'http://192.168.0.1/MeMFOWork/hs/PS/dealforps/1_000000001/?pd=0808223433`',
    ]) {
      const r = await w.app.inject({ method: 'GET', url: exampleUrl(url), headers: SITE });
      assert.equal(r.statusCode, 200);
      assert.match(r.json().СообщениеОбОшибке, /договор 1_000000001 не найден/);
    }
  });
});
