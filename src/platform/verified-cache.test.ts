import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { VerifiedCache } from './verified-cache.ts';

function clock(start = 1_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

/** A check whose outcome and completion the test controls, counting its runs. */
function controlledCheck<V>() {
  const runs: { resolve: (v: V | undefined) => void; reject: (e: unknown) => void }[] = [];
  const check = () =>
    new Promise<V | undefined>((resolve, reject) => {
      runs.push({ resolve, reject });
    });
  return { check, runs };
}

const tick = () => new Promise((r) => setImmediate(r));

const options = { ttlMs: 30_000, refreshMs: 10_000, maxEntries: 10 };

/** A cache on a test clock holding key 'k' = 'v1', made by the check's first run. */
async function withEntry() {
  const c = clock();
  const cache = new VerifiedCache<string>({ ...options, now: c.now });
  const { check, runs } = controlledCheck<string>();
  const first = cache.get('k', check);
  runs[0]!.resolve('v1');
  await first;
  return { c, cache, check, runs };
}

describe('VerifiedCache', () => {
  it('shares one check among concurrent misses and keeps its outcome', async () => {
    const c = clock();
    const cache = new VerifiedCache<string>({ ...options, now: c.now });
    const { check, runs } = controlledCheck<string>();
    const a = cache.get('k', check);
    const b = cache.get('k', check);
    assert.equal(runs.length, 1);
    runs[0]!.resolve('caller');
    assert.deepEqual(await Promise.all([a, b]), ['caller', 'caller']);
    assert.equal(await cache.get('k', check), 'caller');
    assert.equal(runs.length, 1);
  });

  it('answers from the entry near its end and re-checks once in the background', async () => {
    const { c, cache, check, runs } = await withEntry();
    c.advance(19_000);
    assert.equal(await cache.get('k', check), 'v1');
    assert.equal(runs.length, 1, 'no check before the refresh window');
    c.advance(2_000); // 21 s: in the last 10 s
    assert.equal(await cache.get('k', check), 'v1', 'answered at once, without waiting for the check');
    assert.equal(await cache.get('k', check), 'v1');
    assert.equal(runs.length, 2, 'one background check for both');
    runs[1]!.resolve('v2');
    await tick();
    c.advance(15_000); // 36 s: past the first entry's end (30 s), before the refreshed one's window (41 s)
    assert.equal(await cache.get('k', check), 'v2');
    assert.equal(runs.length, 2);
  });

  it('drops the entry when the background check refuses', async () => {
    const { c, cache, check, runs } = await withEntry();
    c.advance(25_000);
    assert.equal(await cache.get('k', check), 'v1');
    runs[1]!.resolve(undefined); // revoked meanwhile
    await tick();
    const next = cache.get('k', check);
    assert.equal(runs.length, 3, 'the next request checks again and waits for it');
    runs[2]!.resolve(undefined);
    assert.equal(await next, undefined);
  });

  it('never serves an entry past its TTL, even when the background check failed', async () => {
    const { c, cache, check, runs } = await withEntry();
    c.advance(25_000);
    assert.equal(await cache.get('k', check), 'v1');
    runs[1]!.reject(new Error('database down'));
    await tick();
    assert.equal(await cache.get('k', check), 'v1', 'kept until its end after a failed check');
    assert.equal(runs.length, 3, 'and re-checked by the next request in the window');
    runs[2]!.reject(new Error('database down'));
    await tick();
    c.advance(5_000); // 30 s: the hard end
    const late = cache.get('k', check);
    assert.equal(runs.length, 4);
    runs[3]!.reject(new Error('database down'));
    await assert.rejects(late, /database down/);
  });

  it('does not let a check started before clear() bring its entry back', async () => {
    const c = clock();
    const cache = new VerifiedCache<string>({ ...options, now: c.now });
    const { check, runs } = controlledCheck<string>();
    const first = cache.get('k', check);
    cache.clear();
    runs[0]!.resolve('stale');
    assert.equal(await first, 'stale');
    assert.equal(cache.size, 0);
  });

  it('refuses a refresh window outside the TTL', () => {
    assert.throws(() => new VerifiedCache({ ttlMs: 1_000, refreshMs: 1_000, maxEntries: 1 }), /refreshMs/);
  });
});
