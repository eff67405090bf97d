import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { LenderUnavailable } from './adapter.ts';
import { HttpLender, LenderProtocolError } from './http-lender.ts';
import { verifySignature } from './signing.ts';

const SECRET = 'секрет-1';
const OFFER = {
  id: 'p12',
  name: 'Рассрочка 12',
  initial_payment: 0,
  amount: 4_500_000,
  term_value: 12,
  term_unit: 'month',
  regular_payment_amount: 412_345,
  regular_period_type: 'month',
  payments_count: 12,
  rate: '15.50',
};

/** A lender on loopback whose answer each test sets; it records requests and connections. */
describe('broker HTTP lender adapter (transport)', () => {
  let server: Server;
  let url: string;
  let connections = 0;
  const received: { body: string; signed: boolean }[] = [];
  let answer: (req: IncomingMessage, res: ServerResponse, body: string) => void = (_q, res) => res.end('{}');

  before(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const h = (n: string) => req.headers[n] as string | undefined;
        received.push({
          body,
          signed: verifySignature(SECRET, h('x-kopek-timestamp'), h('x-kopek-signature'), body),
        });
        answer(req, res, body);
      });
    });
    server.on('connection', () => connections++);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const lender = (timeoutMs = 2000) => new HttpLender({ baseUrl: url, secret: SECRET, timeoutMs });
  const form = {
    applicationId: '3f0d3c1e-0000-4000-8000-000000000001',
    kind: 'pos' as const,
    offline: false,
    amount: 5_000_000n,
    initialPayment: 500_000n,
    termValue: 12,
    fields: { first_name: 'Иван', salary_income_amount: 12_000_000, items: [{ price: 5_000_000 }] },
  };

  it('sends signed JSON with exact amounts over one kept-alive connection', async () => {
    answer = (_q, res) => res.end(JSON.stringify({ decision: 'approved', offers: [OFFER] }));
    const before = connections;
    received.length = 0;
    for (let i = 0; i < 5; i++) {
      const r = await lender().score(form);
      assert.equal(r.decision, 'approved');
      if (r.decision === 'approved') {
        assert.equal(r.offers[0]!.amount, 4_500_000n);
        assert.equal(r.offers[0]!.rate, '15.50');
      }
    }
    assert.equal(connections - before, 1, 'five calls, one connection');
    assert.ok(received.every((r) => r.signed));
    const sent = JSON.parse(received[0]!.body);
    assert.equal(sent.amount, 5_000_000);
    assert.equal(sent.initial_payment, 500_000);
    assert.deepEqual(sent.form, form.fields);
    assert.match(received[0]!.body, /"amount":5000000,/, 'an integer literal, not a string');
  });

  it('never rounds a number a JS number cannot hold: such an amount arrives exact', async () => {
    // 2^53 + 1: JSON.parse would read 9007199254740992.
    answer = (_q, res) =>
      res.end(
        `{"decision":"approved","offers":[${JSON.stringify(OFFER).replace('"amount":4500000', '"amount":9007199254740993')}]}`,
      );
    const exact = await lender().score(form);
    assert.equal(exact.decision === 'approved' && exact.offers[0]!.amount, 9_007_199_254_740_993n);
    // A long number inside a string only takes the exact path; the answer is read as usual.
    answer = (_q, res) =>
      res.end(JSON.stringify({ decision: 'declined', reason: 'заявка 12345678901234567891 отклонена' }));
    assert.deepEqual(await lender().score(form), {
      decision: 'declined',
      reason: 'заявка 12345678901234567891 отклонена',
    });
  });

  it('reports a timeout, a cut-off answer, a 5xx and a refused connection as unavailable', async () => {
    answer = () => undefined;
    await assert.rejects(lender(100).cancel({ applicationId: 'x' }), (e) => {
      assert.ok(e instanceof LenderUnavailable);
      assert.match(e.message, /within 100 ms/);
      return true;
    });
    answer = (_q, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"status":');
      setTimeout(() => res.destroy(), 20);
    };
    await assert.rejects(lender().cancel({ applicationId: 'x' }), (e) => e instanceof LenderUnavailable);
    answer = (_q, res) => {
      res.statusCode = 503;
      res.end('busy');
    };
    await assert.rejects(lender().cancel({ applicationId: 'x' }), /answered 503/);
    answer = (_q, res) => {
      res.statusCode = 400;
      res.end('bad');
    };
    await assert.rejects(lender().cancel({ applicationId: 'x' }), (e) => e instanceof LenderProtocolError);
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    await assert.rejects(
      new HttpLender({ baseUrl: `http://127.0.0.1:${port}`, secret: SECRET, timeoutMs: 1000 }).cancel({
        applicationId: 'x',
      }),
      (e) => e instanceof LenderUnavailable && /unreachable/.test(e.message),
    );
  });
});
