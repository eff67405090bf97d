/**
 * Hostile input for every face (fixed seed, a few hundred requests each): no 5xx, no internal
 * detail, the protocol's own error form, no change in the database. `npm run bench -- fuzz` runs
 * ten thousand per face.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { FACES } from '../../src/faces/index.ts';
import { faceRoutes, fuzzFace, summarize } from './fuzz-run.ts';
import { PROFILES } from './profiles.ts';
import { demoWorld, type World } from './world.ts';

const COUNT = Number(process.env.KOPEK_FUZZ_COUNT ?? 400);
const SEED = Number(process.env.KOPEK_FUZZ_SEED ?? 20261123);

describe('hostile input', () => {
  let world: World;
  before(async () => {
    world = await demoWorld();
  });
  after(() => world.close());

  it('has a profile for every face with an API', async () => {
    const profiled = new Set(PROFILES.map((p) => p.face));
    for (const face of FACES) {
      const routes = await faceRoutes(world.app, face.name);
      // The platform's probes and the static pages (console, BNPL frame, demo shop) have no API.
      if (face.name === 'platform' || routes.length === 0) continue;
      assert.ok(profiled.has(face.name), `face ${face.name} has no entry in test/resilience/profiles.ts`);
    }
  });

  it('answers an undecodable URL or an over-long path parameter in the face form (platform frameworkErrors)', async () => {
    const bad = await world.app.inject({ method: 'GET', url: '/v1/payments/%ED%A0%80' });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().meta.error, 'bad_request', bad.body);
    const long = await world.app.inject({
      method: 'GET',
      url: `/MeMFOWork/hs/PS/dealforps/${'9'.repeat(200)}/`,
      headers: { authorization: 'Basic c2l0ZTpzaXRlLXBhc3N3b3Jk' },
    });
    assert.equal(long.statusCode, 414);
    assert.ok('СообщениеОбОшибке' in long.json(), long.body);
    const admin = await world.app.inject({ method: 'GET', url: '/admin/api/ledger/accounts/%FF' });
    assert.equal(admin.json().error.code, 'bad_url', admin.body);
  });

  for (const profile of PROFILES)
    it(`${profile.face}: ${COUNT} hostile requests are refused cleanly and change nothing`, async () => {
      const report = await fuzzFace(world.app, world.db.ctx.pool, profile, { count: COUNT, seed: SEED });
      assert.equal(report.sent, COUNT);
      assert.deepEqual(summarize(report.findings), []);
      assert.deepEqual(report.dbChanges, []);
      // The run reached past the credential check: some answers were refusals of the content.
      const refusedContent = Object.entries(report.byStatus)
        .filter(([s]) => s !== '401' && s !== '403')
        .reduce((n, [, c]) => n + c, 0);
      assert.ok(refusedContent > COUNT / 4, JSON.stringify(report.byStatus));
    });
});
