import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import { addDays, todayMoscow } from '../../src/lending/dates.ts';
import { decideDeal } from '../../src/lending/deals/decisions.ts';
import { getDeal } from '../../src/lending/deals/repository.ts';
import { cabinetPass } from '../../src/mymfo/cabinet.ts';
import { deliverSms, latestSmsText } from '../../src/notify/outbox.ts';
import { sha256Hex } from '../../src/platform/crypto.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import { BASE, basic, type MymfoWorld, mymfoWorld, SITE } from './helpers.ts';

const xml = new XMLParser({ parseTagValue: false });

/**
 * The cabinet journey of the document's "Концепция работы личного кабинета": Request -> client
 * login -> NumbersDeals -> statusdeal -> card -> dealinpdf -> dealsign/code -> codereview ->
 * fixingissue -> PS/deal -> Payment/QIWI check + pay -> PS/deal shows the payment.
 */
describe('mymfo face: the personal cabinet journey', () => {
  let w: MymfoWorld;
  before(async () => {
    w = await mymfoWorld();
  });
  after(() => w.close());

  it('goes from an application to a paid instalment', async () => {
    const get = (url: string, headers = SITE) =>
      w.app.inject({ method: 'GET', url: `${BASE}${url}`, headers });
    const phone = '89215554433';
    const passport = '4012345678';
    // 1. Request
    const request = await w.app.inject({
      method: 'POST',
      url: `${BASE}/Request/`,
      headers: SITE,
      payload: {
        last_name: 'Путников',
        first_name: 'Андрей',
        middle_name: 'Александрович',
        phone,
        birthday: '1984-02-03',
        amount: '8000',
        period: addDays(todayMoscow(), 25),
        passport_series: '40 12',
        passport_number: '345678',
        passport_date_of_issue: '2010-03-04',
        passport_org: 'ТП УФМС',
        incoming: '70000',
        work_name: 'ООО "Ромашка"',
      },
    });
    const { IDDeal, IDClient, result } = request.json();
    assert.equal(result, '1', request.body);
    const deal = await getDeal(w.ctx.pool, IDDeal);
    if (deal.status !== 'Одобрен')
      await withTx(w.ctx.pool, (tx) =>
        decideDeal(tx, deal.id, 'approve', 'андеррайтер', { type: 'staff', id: 't' }),
      );

    // 2. client: password by SMS, then login
    assert.equal(xml.parse((await get(`/client/?phone=${phone}`)).body).response.status, '11');
    const { rows } = await w.ctx.pool.query<{ id: bigint }>(
      `SELECT id FROM notify.sms_outbox WHERE module = 'mymfo' ORDER BY id DESC LIMIT 1`,
    );
    await deliverSms(w.ctx, String(rows[0]!.id), 1, 8);
    const password = /: (\S+)\./.exec(
      (await latestSmsText(w.ctx.pool, w.ctx, { module: 'mymfo', subjectId: deal.clientId })) ?? '',
    )![1]!;
    const login = xml.parse(
      (await get(`/client/?phone=${phone}&pass=${cabinetPass(phone, password)}`)).body,
    ).response;
    assert.equal(login.status, '0');
    assert.equal(login.IDClient, IDClient);

    // 3. NumbersDeals, 4. statusdeal
    assert.deepEqual((await get(`/NumbersDeals/${passport}`)).json().Договоры, [
      { НомерДоговора: IDDeal, Оплачен: false },
    ]);
    const status = await w.app.inject({
      method: 'POST',
      url: `${BASE}/statusdeal`,
      headers: SITE,
      payload: { IDDeal1: IDDeal },
    });
    assert.equal(status.json().ID1.Статус, 'Одобрен');

    // 7. card
    const card = await get(
      `/card/attachtoclient/?id=tok-journey&name=5555555555554444&client=${IDClient}&cardholder=ANDREY%20P&validity=112030&service=Mandarinpay`,
    );
    assert.equal(card.json().Результат, 'Карта привязана к клиенту');

    // 6. dealinpdf: a real PDF with the client's name and the ПСК
    const pdfAnswer = await get(`/dealinpdf/${encodeURIComponent(IDDeal)}/?pd=${passport}`);
    assert.equal(pdfAnswer.json().СообщениеОбОшибке, '', pdfAnswer.body);
    const pdfBase64 = Object.values(pdfAnswer.json()).find(
      (v) => typeof v === 'string' && v.startsWith('JVBER'),
    ) as string;
    assert.ok(pdfBase64, 'the answer carries the PDF in base64');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mymfo-journey-'));
    writeFileSync(path.join(dir, 'c.pdf'), Buffer.from(pdfBase64, 'base64'));
    const text = execFileSync('pdftotext', [path.join(dir, 'c.pdf'), '-'], { encoding: 'utf8' });
    assert.match(text, /Путников/);
    assert.match(text, /полная стоимость|ПСК/i);

    // 8. dealsign/code, 9. codereview
    const code = await get(`/dealsign/code/${passport}/${encodeURIComponent(IDDeal)}`);
    assert.equal(code.json().СообщениеОбОшибке, '', code.body);
    const hash = sha256Hex(`${code.json().IDClient}${code.json().IDDeal}${code.json().Code}`);
    const signed = await get(`/dealsign/codereview/${passport}/${encodeURIComponent(IDDeal)}/${hash}`);
    assert.equal(signed.json().СообщениеОбОшибке, '', signed.body);
    assert.equal((await getDeal(w.ctx.pool, IDDeal)).status, 'Подписан (дистанционно)');

    // 10. fixingissue
    const issued = await w.app.inject({
      method: 'POST',
      url: `${BASE}/fixingissue/`,
      headers: SITE,
      payload: { IDDeal, date: todayMoscow(), amount: '8000', method: 'Наличные в кассе' },
    });
    assert.equal(issued.json().Статус, 'Выдан', issued.body);

    // 5. PS/deal before paying
    const before = (await get(`/PS/deal/${encodeURIComponent(IDDeal)}/${passport}`)).json();
    assert.equal(before.ОстатокОД, 8000);
    assert.deepEqual(before.Оплаты, []);

    // 11. Payment/QIWI check + pay
    const qiwi = basic('qiwi');
    const check = xml.parse(
      (
        await get(
          `/Payment/QIWI/?command=check&txn_id=70001&account=${encodeURIComponent(IDDeal)}&sum=1000.00`,
          qiwi,
        )
      ).body,
    ).response;
    assert.equal(check.result, '0');
    const pay = await get(
      `/Payment/QIWI/?command=pay&txn_id=70001&txn_date=${todayMoscow().replace(/-/g, '')}120000&account=${encodeURIComponent(IDDeal)}&sum=1000.00`,
      qiwi,
    );
    assert.equal(xml.parse(pay.body).response.result, '0', pay.body);

    // PS/deal shows the payment
    const afterPay = (await get(`/PS/deal/${encodeURIComponent(IDDeal)}/${passport}`)).json();
    assert.equal(afterPay.Оплаты.length, 1);
    assert.equal(afterPay.Оплаты[0].СуммаОплаты, 1000);
    assert.ok(afterPay.ОбщийДолгНаТекДату < before.ОбщийДолгНаТекДату);
  });
});
