import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getAccount } from '../../src/ledger/index.ts';
import { findWalletByPhone } from '../../src/wallet/wallets.ts';
import { basic, call, lastCode, type WalletWorld, waitFor, walletWorld } from './helpers.ts';

/** The document's examples, sent as its curl lines send them, in its order. */
describe('wallet: the document examples end to end', () => {
  let w: WalletWorld;
  const auth = basic('+79261111111', 'p@ssw0rD');
  const OUTBOUND_KEYS = ['code', 'id', 'name'];
  before(async () => {
    w = await walletWorld();
  });
  after(() => w.close());

  it('creates the wallet (dev server: 10 000 roubles), activates it with the SMS code', async () => {
    const r = await call(w.app, 'POST', '/v1/wallet', {
      headers: { 'content-type': 'application/json' },
      body: '{"phone": "+79261111111", "password": "p@ssw0rD"}',
    });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, {
      meta: { code: 200, status: 200 },
      data: { phone: '+79261111111', amount: 10000 },
    });
    const wallet = (await findWalletByPhone(w.ctx.pool, '+79261111111'))!;
    assert.equal(wallet.status, 'pending');
    const act = await call(w.app, 'POST', '/v1/wallet/activate', {
      auth,
      body: { code: await lastCode(w.ctx, wallet.id, 'activation') },
    });
    assert.equal(act.status, 200, act.text);
    assert.equal((await findWalletByPhone(w.ctx.pool, '+79261111111'))!.status, 'active');
  });

  it('loads the wallet with -u phone:password and answers the session cookie', async () => {
    const r = await call(w.app, 'GET', '/v1/wallet', { auth });
    assert.equal(r.status, 200);
    assert.deepEqual(r.json.data, { phone: '+79261111111', amount: 10000 });
    assert.match(r.cookie ?? '', /^JSESSIONID=.{20,}/);
    const again = await call(w.app, 'GET', '/v1/wallet', { cookie: r.cookie });
    assert.equal(again.status, 200, 'the cookie alone is enough');
  });

  it("person: the example request (SNILS with a wrong check number) is 422 invalid_ssn; the answer's SNILS passes", async () => {
    const example = {
      family_name: 'Арсеньев',
      given_name: 'Алексей',
      patronymic_name: 'Александрович',
      passport_series_number: '2202655885',
      passport_issued_at: '2012-02-27',
      itn: '330500938709',
      ssn: '12963855556',
    };
    const bad = await call(w.app, 'POST', '/v1/wallet/person', { auth, body: example });
    assert.equal(bad.status, 422);
    assert.equal(bad.json.meta.error, 'invalid_ssn');
    const r = await call(w.app, 'POST', '/v1/wallet/person', {
      auth,
      body: { ...example, ssn: '11223344595' },
    });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json.data, { ...example, ssn: '11223344595', status: 'data_entered' });
    const stored = await w.ctx.pool.query<{ passport_enc: string; itn_enc: string; ssn_enc: string }>(
      'SELECT passport_enc, itn_enc, ssn_enc FROM wallet.persons',
    );
    const raw = JSON.stringify(stored.rows);
    for (const secret of ['2202655885', '330500938709', '11223344595'])
      assert.ok(!raw.includes(secret), 'encrypted at rest');
    const g = await call(w.app, 'GET', '/v1/wallet/person', { auth });
    assert.equal(g.status, 200);
    const data = g.json.data as Record<string, unknown>;
    assert.equal(data.status, 'data_verified');
    assert.match(String(data.verified_at), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it("services/1 is the document's Мегафон; the list and the groups carry Мультибанк 61", async () => {
    const one = await call(w.app, 'GET', '/v1/services/1', { auth });
    assert.deepEqual(one.json, {
      meta: { code: 200, status: 200 },
      data: {
        id: 1,
        name: 'Мегафон',
        min: 1,
        max: 15000,
        parameters: [
          {
            code: 'phoneNumber',
            min_length: 10,
            max_length: 10,
            name: '№ телефона (10 цифр)',
            pattern: '^\\d{10}$',
            type: 'numeric',
            pattern_description: '№ телефона (10 цифр)',
            items: [],
          },
        ],
      },
    });
    const list = await call(w.app, 'GET', '/v1/services', { auth });
    const ids = (list.json.data as { id: unknown }[]).map((s) => s.id);
    assert.ok(ids.includes(1) && ids.includes(61), `ids ${ids}`);
    assert.ok(!ids.includes('P1011'), "tenge services are not the wallet's");
    const groups = await call(w.app, 'GET', '/v1/services/groups', { auth });
    const bank = (groups.json.data as { code: string; name: string; services: { id: unknown }[] }[]).find(
      (g) => g.code === 'bank',
    );
    assert.equal(bank?.name, 'Банковские услуги');
    assert.ok(bank.services.some((s) => s.id === 61));
  });

  it("one-step Мегафон: create (with the example's phoneNumbe) -> pay -> finished, 100 roubles taken", async () => {
    const wallet = (await findWalletByPhone(w.ctx.pool, '+79261111111'))!;
    const before = await getAccount(w.ctx.pool, wallet.accountId);
    const created = await call(w.app, 'POST', '/v1/payments', {
      auth,
      headers: { 'content-type': 'application/json' },
      body: '{"type": "out", "client_payment_id": "071c6d23-7508-4e35-ad92-852308a47677", \n "amount": 100, "service": 1, "parameters": {"phoneNumbe": "9267101280"}}',
    });
    assert.equal(created.status, 200, created.text);
    assert.deepEqual(created.json.meta, { code: 200, status: 200, next_action: 'pay' });
    const d = created.json.data as Record<string, unknown>;
    assert.match(String(d.id), /^\d{13}$/);
    assert.match(String(d.created_at), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    assert.deepEqual(Object.keys(d.outbound as object).sort(), OUTBOUND_KEYS);
    assert.deepEqual(
      { ...d, id: undefined, created_at: undefined, outbound: undefined },
      {
        id: undefined,
        client_payment_id: '071c6d23-7508-4e35-ad92-852308a47677',
        amount: 100,
        total: 100,
        created_at: undefined,
        status: 'processing',
        type: 'out',
        service: { id: 1, name: 'Мегафон' },
        parameters: [{ code: 'phoneNumber', name: '№ телефона (10 цифр)', value: '9267101280' }],
        outbound: undefined,
      },
    );
    // The document's pay: Content-type json and no body.
    const paid = await call(w.app, 'POST', `/v1/payments/${d.id}/pay`, {
      auth,
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(paid.status, 200, paid.text);
    const pd = paid.json.data as Record<string, unknown>;
    assert.ok(
      (pd.status === 'processing' && paid.json.meta.next_action === 'get') ||
        (pd.status === 'finished' && paid.json.meta.next_action === undefined),
      paid.text,
    );
    const got = await waitFor(
      () => call(w.app, 'GET', `/v1/payments/${d.id}`, { auth }),
      (r) => (r.json.data as { status: string }).status !== 'processing',
    );
    const gd = got.json.data as Record<string, unknown>;
    assert.equal(gd.status, 'finished');
    assert.deepEqual(got.json.meta, { code: 200, status: 200 });
    assert.match(String(gd.processed_at), /Z$/);
    const after = await getAccount(w.ctx.pool, wallet.accountId);
    assert.equal(before.balance - after.balance, 10_000n);
    assert.equal(after.pendingDebits, 0n);
  });

  it('multi-step Мультибанк 61: create -> get (update, Pname1/Pname2) -> update -> get (pay, total 135) -> pay -> finished', async () => {
    const wallet = (await findWalletByPhone(w.ctx.pool, '+79261111111'))!;
    const before = await getAccount(w.ctx.pool, wallet.accountId);
    const created = await call(w.app, 'POST', '/v1/payments', {
      auth,
      body: '{"type": "out", "client_payment_id": "e731a7e2-c553-4295-867e-1023359bee28", \n "amount": 100, "service": 61, "parameters": {"phoneNumber": "9267101283", \n "BIK": "044583151", "Name": "name", "SName": "sname", "Fam": "fam"}}',
    });
    assert.equal(created.status, 200, created.text);
    assert.deepEqual(created.json.meta, { code: 200, status: 200, next_action: 'get' });
    const d = created.json.data as Record<string, unknown>;
    assert.equal(d.total, undefined, 'no total before the provider was asked');
    assert.deepEqual(d.service, { id: 61, name: 'Мультибанк' });
    assert.deepEqual(d.parameters, [
      { code: 'phoneNumber', name: '№ Телефона (10 цифр)', value: '9267101283' },
      { code: 'BIK', name: 'БИК', value: '044583151' },
      { code: 'Name', name: 'Имя Отправителя', value: 'name' },
      { code: 'SName', name: 'Отчество Отправителя', value: 'sname' },
      { code: 'Fam', name: 'Фамилия Отправителя', value: 'fam' },
    ]);

    const step = await call(w.app, 'GET', `/v1/payments/${d.id}`, { auth });
    assert.equal(step.status, 200, step.text);
    assert.deepEqual(step.json.meta, {
      code: 200,
      status: 200,
      next_action: 'update',
      current_parameters: [
        { code: 'bank', name: 'Банк', value: 'ЗАО "БАНК РУССКИЙ СТАНДАРТ"', editable: false },
        {
          code: 'dest',
          name: 'Назначение платежа',
          value: 'Зачисление на счет/карту/N договора',
          editable: false,
        },
        { code: 'Pname1', name: 'Номер счета/карты/договора', value: '', editable: true },
        { code: 'Pname2', name: 'ФИО владельца счета/карты/договора', value: '', editable: true },
        { code: 'whatToDo', name: 'Что делать?', value: '', editable: true },
      ],
    });
    assert.equal((step.json.data as Record<string, unknown>).status, 'processing');

    const paying = await call(w.app, 'POST', `/v1/payments/${d.id}/pay`, { auth });
    assert.equal(paying.status, 422, 'not ready before the update');
    assert.equal(paying.json.meta.error, 'payment_not_ready');

    const updated = await call(w.app, 'POST', `/v1/payments/${d.id}`, {
      auth,
      body: '{"parameters": {"phoneNumber": "9267101283", "BIK": "044583151", \n "Name": "name", "SName": "sname", "Fam": "fam", "Pname1": "5136913818331704", "Pname2": "fio"}}',
    });
    assert.equal(updated.status, 200, updated.text);
    assert.deepEqual(updated.json.meta, { code: 200, status: 200, next_action: 'get' });
    const ud = updated.json.data as Record<string, unknown>;
    assert.deepEqual(
      (ud.parameters as { code: string }[]).map((p) => p.code),
      ['phoneNumber', 'BIK', 'Name', 'SName', 'Fam', 'Pname1', 'Pname2'],
    );
    assert.deepEqual((ud.parameters as unknown[]).slice(5), [
      { code: 'Pname1', name: 'Номер счета/карты/договора', value: '5136913818331704' },
      { code: 'Pname2', name: 'ФИО владельца счета/карты/договора', value: 'fio' },
    ]);

    const ready = await call(w.app, 'GET', `/v1/payments/${d.id}`, { auth });
    assert.deepEqual(ready.json.meta, {
      code: 200,
      status: 200,
      next_action: 'pay',
      current_parameters: [
        {
          code: 'knp',
          name: 'Номер чека на стороне провайдера',
          value: '486221871621136659',
          editable: false,
        },
      ],
    });
    const rd = ready.json.data as Record<string, unknown>;
    assert.equal(rd.amount, 100);
    assert.equal(rd.total, 135, 'the commission is shown before pay');

    const paid = await call(w.app, 'POST', `/v1/payments/${d.id}/pay`, { auth });
    assert.equal(paid.status, 200, paid.text);
    assert.equal((paid.json.data as Record<string, unknown>).total, 135);
    const done = await waitFor(
      () => call(w.app, 'GET', `/v1/payments/${d.id}`, { auth }),
      (r) => (r.json.data as { status: string }).status !== 'processing',
    );
    assert.equal((done.json.data as Record<string, unknown>).status, 'finished');
    assert.deepEqual(done.json.meta, { code: 200, status: 200 });
    const after = await getAccount(w.ctx.pool, wallet.accountId);
    assert.equal(before.balance - after.balance, 13_500n);

    // The stray `y` of the document's last URL: that id does not exist.
    const stray = await call(w.app, 'GET', `/v1/payments/${d.id}y`, { auth });
    assert.equal(stray.status, 404);
  });

  it('history: newest first, paginated', async () => {
    const all = await call(w.app, 'GET', '/v1/payments', { auth });
    assert.equal(all.status, 200);
    const list = all.json.data as { client_payment_id: string; status: string; total: number }[];
    assert.deepEqual(
      list.map((p) => p.client_payment_id),
      ['e731a7e2-c553-4295-867e-1023359bee28', '071c6d23-7508-4e35-ad92-852308a47677'],
    );
    assert.equal(list[0]!.total, 135);
    const page = await call(w.app, 'GET', '/v1/payments?page=1&size=1', { auth });
    assert.deepEqual(
      (page.json.data as { client_payment_id: string }[]).map((p) => p.client_payment_id),
      ['071c6d23-7508-4e35-ad92-852308a47677'],
    );
  });

  it('deletes the wallet on the dev server; production refuses', async () => {
    w.ctx.config.walletDevMode = false;
    try {
      const refused = await call(w.app, 'DELETE', '/v1/wallet', { auth });
      assert.equal(refused.status, 422);
      assert.equal(refused.json.meta.error, 'dev_only');
    } finally {
      w.ctx.config.walletDevMode = true;
    }
    const r = await call(w.app, 'DELETE', '/v1/wallet', { auth });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.json, { meta: { code: 200, status: 200 } });
    const gone = await call(w.app, 'GET', '/v1/wallet', { auth });
    assert.equal(gone.status, 401);
  });
});
