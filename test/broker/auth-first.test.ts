import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Harness, startHarness } from './harness.ts';

/** Bodies no route accepts: the token must be refused before any of them is looked at. */
const BAD_BODIES: { name: string; type: string; payload: string }[] = [
  { name: 'empty object', type: 'application/json', payload: '{}' },
  { name: 'wrong types', type: 'application/json', payload: '{"partner_guid":1,"form_guid":[],"code":{}}' },
  { name: 'broken JSON', type: 'application/json', payload: '{"partner_guid":' },
  { name: 'XML', type: 'application/xml', payload: '<a/>' },
];

describe('DenimHub face: the token is checked before the body', () => {
  let h: Harness;
  let routes: { method: 'GET' | 'POST'; path: string }[];

  before(async () => {
    h = await startHarness({ lenders: [] });
    const doc = (await h.app.inject({ method: 'GET', url: '/docs/denimhub/json' })).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    routes = Object.entries(doc.paths).flatMap(([path, ops]) => [
      ...(ops.post ? [{ method: 'POST' as const, path }] : []),
      ...(ops.get ? [{ method: 'GET' as const, path }] : []),
    ]);
  });
  after(() => h.close());

  it('every route answers 1001 / HTTP 401 without or with a wrong token, whatever the body', async () => {
    assert.equal(routes.length, 15, routes.map((r) => r.path).join(', '));
    for (const route of routes)
      for (const auth of [{}, { authorization: 'Bearer wrong' }, { 'x-partner-token': 'wrong' }])
        for (const body of route.method === 'POST' ? BAD_BODIES : [undefined]) {
          const res = await h.app.inject({
            method: route.method,
            url: `${route.path}${route.method === 'GET' ? '?file_guid[]=x' : ''}`,
            headers: { ...auth, ...(body ? { 'content-type': body.type } : {}) },
            ...(body ? { payload: body.payload } : {}),
          });
          const what = `${route.path} ${JSON.stringify(auth)} ${body?.name ?? 'bad query'}`;
          assert.equal(res.statusCode, 401, `${what}: ${res.body}`);
          assert.equal(res.json().status, 'error', what);
          assert.equal(res.json().error_code, 1001, what);
        }
  });

  it('a valid token: a bad body is 2000, another partner_guid is 1003', async () => {
    const headers = { authorization: 'Bearer token-1' };
    const bad = await h.app.inject({ method: 'POST', url: '/dp/get_offers', headers, payload: {} });
    assert.equal(bad.json().error_code, 2000);
    const foreign = await h.app.inject({
      method: 'POST',
      url: '/dp/get_offers',
      headers,
      payload: { partner_guid: 'p2', form_guid: '00000000-0000-4000-8000-000000000000' },
    });
    assert.equal(foreign.statusCode, 403);
    assert.equal(foreign.json().error_code, 1003);
  });

  it('an unknown method is still 1404', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/dp/nothing', payload: {} });
    assert.equal(res.json().error_code, 1404);
  });
});
