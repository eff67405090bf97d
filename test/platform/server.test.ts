import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Type } from '@sinclair/typebox';
import { platformFace } from '../../src/faces/platform/face.ts';
import type { AppContext } from '../../src/platform/context.ts';
import { createPool } from '../../src/platform/db/pool.ts';
import { AppError } from '../../src/platform/errors.ts';
import type { Face, FaceApp } from '../../src/platform/http/face.ts';
import { buildServer } from '../../src/platform/http/server.ts';
import { parseId } from '../../src/platform/ids.ts';
import { decimal } from '../../src/platform/json.ts';
import { createMetrics } from '../../src/platform/metrics.ts';
import { formatRoubles, parseRoubles } from '../../src/platform/money.ts';
import { type TestDatabase, testDatabase } from '../helpers/db.ts';

/** A face with its own error form, to see that each face answers in its protocol. */
const echoFace: Face = {
  name: 'echo',
  title: 'Echo',
  description: 'test face',
  prefix: '/echo',
  version: '1',
  replyError(error, _request, reply) {
    return reply.status(200).send({
      result: error.kind === 'validation' || error.kind === 'malformed' ? 202 : 300,
      message: error.message,
    });
  },
  routes(app) {
    app.post(
      '/pay',
      {
        schema: {
          body: Type.Object({
            id: Type.Union([Type.Integer(), Type.String()]),
            amount: Type.Union([Type.Number(), Type.String()]),
          }),
        },
      },
      async (request) => {
        const id = parseId(request.body.id);
        const amount = parseRoubles(request.body.amount, { allowZero: false });
        return { result: 0, id, amount: decimal(formatRoubles(amount)) };
      },
    );
    app.get('/boom', async () => {
      throw new Error('secret internals: password=hunter2');
    });
    app.get('/busy', async () => {
      throw new AppError('unavailable', 'x', 'повторите позже');
    });
  },
};

describe('HTTP platform', () => {
  let db: TestDatabase;
  let app: FaceApp;
  before(async () => {
    db = await testDatabase();
    app = await buildServer(db.ctx, [platformFace, echoFace]);
  });
  after(async () => {
    await app.close();
    await db.close();
  });

  it('answers liveness and readiness, with a request id', async () => {
    const health = await app.inject({ method: 'GET', url: '/healthz' });
    assert.equal(health.statusCode, 200);
    assert.deepEqual(health.json(), { status: 'ok' });
    assert.ok(health.headers['x-request-id']);
    const ready = await app.inject({ method: 'GET', url: '/readyz', headers: { 'x-request-id': 'abc-123' } });
    assert.deepEqual(ready.json(), { ready: true });
    assert.equal(ready.headers['x-request-id'], 'abc-123');
  });

  it('is not ready while the database is unreachable', async () => {
    const deadPool = createPool('postgres://nobody:x@127.0.0.1:1/none', 1);
    const ctx: AppContext = { ...db.ctx, pool: deadPool, metrics: createMetrics(deadPool) };
    const deadApp = await buildServer(ctx, [platformFace]);
    try {
      const ready = await deadApp.inject({ method: 'GET', url: '/readyz' });
      assert.equal(ready.statusCode, 503);
      assert.equal(ready.json().ready, false);
      assert.equal((await deadApp.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
    } finally {
      await deadApp.close();
      await deadPool.end();
    }
  });

  it('reads and writes 18-digit ids and exact amounts losslessly', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/echo/pay',
      headers: { 'content-type': 'application/json' },
      payload: '{"id": 123456789012345678, "amount": 200.00}',
    });
    assert.equal(res.statusCode, 200);
    assert.equal(res.body, '{"result":0,"id":123456789012345678,"amount":200.00}');
  });

  it("answers bad input in the face's own form, in Russian", async () => {
    const cases = [
      { payload: '{"id": 1, "amount": "1.001"}', message: /не более двух знаков/ },
      { payload: '{"id": 1234567890123456789, "amount": 1}', message: /длиннее 18 цифр/ },
      { payload: '{"id": 1, "amount": 1e3}', message: /числом вида 200.00/ },
      { payload: '{"id": 1}', message: /amount: обязательное поле/ },
      { payload: '{"id": true, "amount": 1}', message: /id: / },
      { payload: '{"id": 1, "amount": ', message: /не является корректным JSON/ },
    ];
    for (const c of cases) {
      const res = await app.inject({
        method: 'POST',
        url: '/echo/pay',
        headers: { 'content-type': 'application/json' },
        payload: c.payload,
      });
      assert.equal(res.statusCode, 200, c.payload);
      assert.equal(res.json().result, 202, c.payload);
      assert.match(res.json().message, c.message, c.payload);
    }
    const unknown = await app.inject({ method: 'POST', url: '/echo/nothing-here', payload: {} });
    assert.equal(unknown.json().result, 300);
  });

  it('never leaks internals of an unexpected error', async () => {
    const res = await app.inject({ method: 'GET', url: '/echo/boom' });
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().result, 300);
    assert.doesNotMatch(res.body, /hunter2|secret internals|at /);
    const platform404 = await app.inject({ method: 'GET', url: '/no-such-thing' });
    assert.equal(platform404.statusCode, 404);
    assert.equal(platform404.json().error.code, 'route_not_found');
  });

  it('exports Prometheus metrics per route, of the pool and of the job queue', async () => {
    await app.inject({ method: 'GET', url: '/healthz' });
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    assert.equal(res.statusCode, 200);
    assert.match(res.headers['content-type'] as string, /text\/plain/);
    assert.match(
      res.body,
      /kopek_http_request_duration_seconds_count\{method="GET",route="\/healthz",status="200"\} \d+/,
    );
    assert.match(res.body, /kopek_db_pool_connections\{state="total"\}/);
    assert.match(res.body, /kopek_job_queue_depth\{state="ready"\} 0/);
  });

  it('serves one OpenAPI 3.1 document per face, and an index', async () => {
    const echo = await app.inject({ method: 'GET', url: '/docs/echo/json' });
    assert.equal(echo.statusCode, 200);
    assert.equal(echo.json().openapi, '3.1.0');
    assert.deepEqual(Object.keys(echo.json().paths), ['/echo/pay', '/echo/boom', '/echo/busy']);
    const platform = await app.inject({ method: 'GET', url: '/docs/platform/json' });
    assert.ok(platform.json().paths['/readyz']);
    assert.equal(platform.json().paths['/echo/pay'], undefined);
    const ui = await app.inject({ method: 'GET', url: '/docs/echo/' });
    assert.equal(ui.statusCode, 200);
    assert.match(ui.body, /swagger/i);
    const index = await app.inject({ method: 'GET', url: '/docs' });
    assert.match(index.body, /href="\/docs\/echo"/);
  });
});
