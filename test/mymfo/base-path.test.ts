import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { mymfoFace } from '../../src/faces/mymfo/face.ts';
import { ConfigError, loadConfig } from '../../src/platform/config.ts';
import type { FaceApp } from '../../src/platform/http/face.ts';
import { buildServer } from '../../src/platform/http/server.ts';
import { type MymfoWorld, mymfoWorld, SITE } from './helpers.ts';

describe('mymfo face: MYMFO_BASE_PATH', () => {
  let w: MymfoWorld;
  let app: FaceApp;
  before(async () => {
    w = await mymfoWorld();
    const config = {
      ...w.ctx.config,
      ...{ mymfoBasePath: loadConfig({ MYMFO_BASE_PATH: '/Base1C/hs/' }).mymfoBasePath },
    };
    app = await buildServer({ ...w.ctx, config }, [mymfoFace]);
  });
  after(async () => {
    await app.close();
    await w.close();
  });

  it('defaults to /MeMFOWork/hs and mounts the face where configured', async () => {
    assert.equal(loadConfig({}).mymfoBasePath, '/MeMFOWork/hs');
    const r = await app.inject({ method: 'GET', url: '/Base1C/hs/NumbersDeals/0808223433', headers: SITE });
    assert.equal(r.statusCode, 200);
    assert.ok('Договоры' in r.json());
    const old = await app.inject({
      method: 'GET',
      url: '/MeMFOWork/hs/NumbersDeals/0808223433',
      headers: SITE,
    });
    assert.equal(old.statusCode, 404);
  });

  it('refuses a base path that is not a path', () => {
    for (const bad of ['MeMFOWork/hs', '/a b', '/x?y'])
      assert.throws(() => loadConfig({ MYMFO_BASE_PATH: bad }), ConfigError);
  });
});
