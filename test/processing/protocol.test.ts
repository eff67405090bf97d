import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getAccount } from '../../src/ledger/index.ts';
import { call, count, type ProcessingWorld, processingWorld, type TestAgent, testAgent } from './helpers.ts';

/** The request examples of the agent document, verbatim (text, not re-serialized). */
const DOC = {
  service: `{
    "serviceId": "P1012"
}`,
  checkPlain: `{
    "serviceId": "P1011",
    "account": "7770017711",
    "agentTransactionId": 1233355,
    "agentTransactionDate": "2015-02-17T16:48:37",
    "amountTo": 200.00,
    "amountFrom": 200.00
}`,
  checkIdentity: `{
    "serviceId": "P1011",
    "account": "7770017711",
    "agentTransactionId": 1233355,
    "agentTransactionDate": "2015-02-17T16:48:37",
    "amountTo": 200.00,
    "amountFrom": 200.00,
    "identityCard": "123456789",
    "fullName": "Иванов Иван Иванович"
}`,
  checkExtras: `{
    "serviceId": "P1012",
    "account": "0",
    "agentTransactionId": 1233355,
    "agentTransactionDate": "2015-02-17T16:48:37",
    "amountTo": 200.00,
    "amountFrom": 200.00,
    "extras": {
        "account1": "test@gmail.com",
        "account2": "121231"
    }
}`,
  payPlain: `{
    "serviceId": "P1011",
    "account": "7770017711",
    "agentTransactionId": 1233355,
    "agentTransactionDate": "2015-02-17T16:48:37",
    "amountTo": 200.00,
    "amountFrom": 200.00
}`,
  payExtras: `{
    "serviceId": "P1011",
    "account": "7770017711",
    "agentTransactionId": 1233355,
    "agentTransactionDate": "2015-02-17T16:48:37",
    "amountTo": 200.00,
    "amountFrom": 200.00,
    "extras": {
        "account1": "test@gmail.com",
        "account2": "121231"
    }
}`,
  payChoice: `{
    "serviceId": "P1011",
    "account": "7770017711",
    "agentTransactionId": 1233355,
    "agentTransactionDate": "2015-02-17T16:48:37",
    "amountTo": 200.00,
    "amountFrom": 200.00,
    "extras": {
        "contractId": "000000588"
    }
}`,
  payComplex: `{
    "serviceId": "P1011",
    "account": "7770017711",
    "agentTransactionId": 1233355,
    "agentTransactionDate": "2015-02-17T16:48:37",
    "amountTo": 450.00,
    "amountFrom": 450.00,
    "extraServices": [
        {
            "subServiceId": "114",
            "lastCount": "11236",
            "amount": 100.00
        },
        {
            "subServiceId": "37",
            "amount": 150.00
        },
        {
            "subServiceId": "45",
            "amount": 200.00
        }
    ]
}`,
  operator: `{
    "phoneNumber": "7777731414"
}`,
};

const PAY_KEYS = [
  'result',
  'resultMessage',
  'transactionId',
  'transactionDate',
  'statusDate',
  'agentTransactionId',
];

describe('processing protocol v20: the document examples', () => {
  let w: ProcessingWorld;
  // One agent per pay example: the examples share agentTransactionId 1233355.
  const agents: TestAgent[] = [];
  before(async () => {
    w = await processingWorld();
    for (let i = 0; i < 5; i++) agents.push(await testAgent(w.ctx));
  });
  after(() => w.close());

  it('services: the list under "services" and the document key with a Cyrillic "с"', async () => {
    const r = await call(w.app, agents[0]!.token, 'services');
    assert.equal(r.status, 200);
    assert.equal(r.json.result, 0);
    const latin = r.json.services as Record<string, unknown>[];
    assert.deepEqual(r.json.serviсes, latin);
    assert.ok(r.text.includes('"serviсes"'));
    const p1012 = latin.find((s) => s.serviceId === 'P1012')!;
    assert.deepEqual(p1012, {
      serviceId: 'P1012',
      type: 0,
      name: 'Herbalife',
      group: 'Товары по каталогам',
      fixedPayment: true,
      country: 'КАЗАХСТАН',
      inputs: [
        { name: 'account', required: true, title: 'Номер независимого партнера', regexp: '^\\d{10}$' },
        { name: 'ev_account1', required: true, title: 'Номер заказа', regexp: '^\\d{10}$' },
      ],
      displays: [
        { name: 'fio', required: true, title: 'ФИО', regexp: '^.+$' },
        { name: 'info', required: true, title: 'Сумма к оплате', regexp: '^.+$' },
        { name: 'fixedAmount', required: true, title: '', regexp: '^\\d{1,9}\\.\\d{2}$' },
      ],
    });
    assert.deepEqual(
      ['P0005', 'P0006', 'P1011', 'P1012'].map((id) => latin.find((s) => s.serviceId === id)?.type),
      [1, 2, 0, 0],
    );
  });

  it('service: one service, verbatim request', async () => {
    const r = await call(w.app, agents[0]!.token, 'service', DOC.service);
    assert.equal(r.json.result, 0);
    assert.equal((r.json.serviсes as { serviceId: string }[])[0]!.serviceId, 'P1012');
    assert.equal((r.json.services as unknown[]).length, 1);
  });

  it('balance: the agent object with amounts as numbers with two decimals', async () => {
    const r = await call(w.app, agents[0]!.token, 'balance');
    assert.equal(r.json.result, 0);
    const agent = r.json.agent as Record<string, unknown>;
    assert.deepEqual(Object.keys(agent), [
      'agentId',
      'agentName',
      'balance',
      'overdraft',
      'notification',
      'currency',
    ]);
    assert.equal(agent.agentId, Number(agents[0]!.agent.id));
    assert.match(r.text, /"balance":1000000\.00,"overdraft":0\.00,"notification":0\.00,"currency":"KZT"/);
  });

  it('balance also answers an empty body without a content type and Basic auth (login, token)', async () => {
    const a = agents[0]!;
    const res = await w.app.inject({
      method: 'POST',
      url: '/api/v20/balance',
      headers: { authorization: `Basic ${Buffer.from(`${a.agent.login}:${a.token}`).toString('base64')}` },
    });
    assert.equal(res.json().result, 0);
  });

  for (const [name, body] of [
    ['plain', DOC.checkPlain],
    ['with identity data', DOC.checkIdentity],
  ] as const) {
    it(`check ${name}: result 0 with transactionId and the agent's id`, async () => {
      const r = await call(w.app, agents[0]!.token, 'check', body);
      assert.deepEqual(Object.keys(r.json), [
        'result',
        'resultMessage',
        'transactionId',
        'agentTransactionId',
      ]);
      assert.equal(r.json.result, 0);
      assert.equal(r.json.agentTransactionId, 1233355);
      assert.equal(typeof r.json.transactionId, 'number');
    });
  }

  it('check with extras (P1012, account "0"): result 4, the account fails the service regexp', async () => {
    const r = await call(w.app, agents[0]!.token, 'check', DOC.checkExtras);
    assert.equal(r.json.result, 4);
    assert.equal(r.json.agentTransactionId, 1233355);
  });

  it('check P1012 with a valid account: displays', async () => {
    const body = JSON.parse(DOC.checkExtras);
    body.account = '1234567890';
    // The order number (input ev_account1, sent as account1 like the document does) must be 10 digits.
    body.extras.account1 = 'test@gmail.com';
    assert.equal((await call(w.app, agents[0]!.token, 'check', body)).json.result, 4);
    body.extras.account1 = '0000012345';
    const r = await call(w.app, agents[0]!.token, 'check', body);
    assert.equal(r.json.result, 0);
    assert.deepEqual(r.json.displays, {
      fio: 'Test fio',
      address: 'Набережная 134 кв 5',
      info: 'Сумма к оплате 20000.00 тенге',
      fixedAmount: '20000.00',
    });
  });

  it('check of a "with choice" service: contracts', async () => {
    const r = await call(w.app, agents[0]!.token, 'check', {
      ...JSON.parse(DOC.checkPlain),
      serviceId: 'P0005',
    });
    assert.equal(r.json.result, 0);
    const contracts = r.json.contracts as Record<string, string>[];
    assert.equal(contracts.length, 3);
    assert.deepEqual(contracts[1], {
      name: 'Петров',
      contractId: '000000588',
      contractNumber: '2/00-Ф',
      contractSum: '2000.00',
      contractDate: '20200216000000',
    });
  });

  it('check of a complex service: invoice.invoices[].services[].data with numbers and booleans', async () => {
    const r = await call(w.app, agents[0]!.token, 'check', {
      ...JSON.parse(DOC.checkPlain),
      serviceId: 'P0006',
      account: '123456789012',
    });
    assert.equal(r.json.result, 0);
    const invoice = (r.json.invoice as { invoices: Record<string, unknown>[] }).invoices[0]!;
    assert.equal(invoice.invoiceId, '2020020003535444');
    assert.equal(invoice.clientName, 'Иванов Иван Иванович');
    const services = invoice.services as { subServiceId: string; data: Record<string, unknown> }[];
    assert.deepEqual(
      services.map((s) => s.subServiceId),
      ['36', '13', '2'],
    );
    assert.equal(services[0]!.data.paySum, 359.8);
    assert.equal(services[0]!.data.isMeter, true);
    assert.equal(services[1]!.data.isMeter, false);
    assert.equal(services[0]!.data.si, 'тг/м2');
  });

  it('check of an international provider: currencyRate, rate, finalAmount, currency', async () => {
    const r = await call(w.app, agents[0]!.token, 'check', {
      ...JSON.parse(DOC.checkPlain),
      serviceId: 'P3001',
      amountTo: 840.0,
      amountFrom: 840.0,
    });
    assert.equal(r.json.result, 0);
    assert.equal(r.json.currencyRate, 'Курс конвертации KZT/USD 0.0021');
    assert.match(r.text, /"rate":0\.0020833333/);
    assert.match(r.text, /"finalAmount":1\.75/);
    assert.equal(r.json.currency, 'USD');
  });

  const payCases = [
    ['plain', DOC.payPlain, 20_000n],
    ['with extras', DOC.payExtras, 20_000n],
    ['"with choice" (extras.contractId)', DOC.payChoice, 20_000n],
    ['"complex" (extraServices summing to amountTo)', DOC.payComplex, 45_000n],
  ] as const;
  payCases.forEach(([name, body, amount], i) => {
    it(`pay ${name}: result 0 with transactionDate and statusDate; the ledger moved amountTo once`, async () => {
      const a = agents[i + 1]!;
      const before = await getAccount(w.ctx.pool, a.agent.accountId);
      const r = await call(w.app, a.token, 'pay', body);
      assert.deepEqual(Object.keys(r.json), PAY_KEYS);
      assert.equal(r.json.result, 0);
      assert.equal(r.json.agentTransactionId, 1233355);
      assert.match(String(r.json.transactionDate), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}$/);
      assert.match(String(r.json.statusDate), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}$/);
      const afterPay = await getAccount(w.ctx.pool, a.agent.accountId);
      // P1011 pays the agent 1 % of amountTo back as commission.
      assert.equal(before.balance - afterPay.balance, amount - amount / 100n);
      assert.equal(afterPay.pendingDebits, 0n);
      const again = await call(w.app, a.token, 'pay', body);
      assert.deepEqual(again.json, r.json);
      assert.equal(
        await count(w.ctx, `ledger.transfers WHERE idem_key LIKE $1`, [`processing:pay:${a.agent.id}:%`]),
        1,
      );
    });
  });

  it('pay of an international provider: the conversion fields on success', async () => {
    const a = agents[0]!;
    const r = await call(w.app, a.token, 'pay', {
      ...JSON.parse(DOC.payPlain),
      agentTransactionId: '777000000000000001',
      serviceId: 'P3001',
      amountTo: '840.00',
      amountFrom: '840.00',
    });
    assert.equal(r.json.result, 0);
    assert.match(r.text, /"agentTransactionId":777000000000000001/);
    assert.match(
      r.text,
      /"currencyRate":"Курс конвертации KZT\/USD 0.0021","rate":0.0020833333,"finalAmount":1.75,"currency":"USD"/,
    );
  });

  it("operatorByPhone: the service of the number's operator", async () => {
    const r = await call(w.app, agents[0]!.token, 'operatorByPhone', DOC.operator);
    assert.deepEqual(r.json, { result: 0, resultMessage: 'ok', serviceId: 'P1011' });
    const kcell = await call(w.app, agents[0]!.token, 'operatorByPhone', { phoneNumber: '+7 701 123 45 67' });
    assert.equal(kcell.json.serviceId, 'P1013');
    const unknown = await call(w.app, agents[0]!.token, 'operatorByPhone', { phoneNumber: '7990000000' });
    assert.equal(unknown.json.result, 5);
    assert.equal(unknown.json.serviceId, undefined);
  });

  it('serves its OpenAPI document', async () => {
    const res = await w.app.inject({ method: 'GET', url: '/docs/processing/json' });
    assert.equal(res.statusCode, 200);
    const doc = res.json() as { paths: Record<string, unknown> };
    for (const m of ['services', 'service', 'balance', 'check', 'pay', 'operatorByPhone'])
      assert.ok(doc.paths[`/api/v20/${m}`], m);
  });
});
