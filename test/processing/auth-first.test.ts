import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ProcessingWorld, processingWorld, type TestAgent, testAgent } from './helpers.ts';

/** Bodies no route accepts: the credential must be refused before any of them is looked at. */
const BAD_BODIES: { name: string; type: string; payload: string }[] = [
  { name: 'empty object', type: 'application/json', payload: '{}' },
  {
    name: 'wrong types',
    type: 'application/json',
    payload: '{"serviceId":[],"phoneNumber":{},"amount":"x"}',
  },
  { name: 'broken JSON', type: 'application/json', payload: '{"serviceId":' },
  { name: 'XML', type: 'application/xml', payload: '<a/>' },
];

describe('processing face: the credential is checked before the body', () => {
  let w: ProcessingWorld;
  let a: TestAgent;
  let routes: string[];

  before(async () => {
    w = await processingWorld();
    a = await testAgent(w.ctx);
    const doc = (await w.app.inject({ method: 'GET', url: '/docs/processing/json' })).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    routes = Object.keys(doc.paths).filter((p) => doc.paths[p]!.post);
  });
  after(() => w.close());

  it('every route answers 401 / result 300 without or with a wrong credential, whatever the body', async () => {
    assert.ok(routes.length >= 6, `routes: ${routes.join(', ')}`);
    for (const path of routes)
      for (const auth of [undefined, 'Bearer no-such-token-123', 'Basic bm8tb25lOm5vdGhpbmc='])
        for (const body of BAD_BODIES) {
          const res = await w.app.inject({
            method: 'POST',
            url: path,
            headers: { 'content-type': body.type, ...(auth ? { authorization: auth } : {}) },
            payload: body.payload,
          });
          const what = `${path} ${auth ?? 'no credential'} ${body.name}`;
          assert.equal(res.statusCode, 401, `${what}: ${res.body}`);
          assert.equal(res.json().result, 300, what);
        }
  });

  it('with a valid credential the same bodies get the protocol error 202', async () => {
    for (const path of ['/pay', '/check', '/service', '/operatorByPhone']) {
      const res = await w.app.inject({
        method: 'POST',
        url: `/api/v20${path}`,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${a.token}` },
        payload: '{}',
      });
      assert.equal(res.statusCode, 200, path);
      assert.equal(res.json().result, 202, path);
    }
  });

  it('an unknown method is still 404, not an authentication failure', async () => {
    const res = await w.app.inject({ method: 'POST', url: '/api/v20/nothing', payload: {} });
    assert.equal(res.statusCode, 404);
  });
});
