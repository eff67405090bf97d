import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BoundedCache } from './bounded-cache.ts';

function clock(start = 1_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('BoundedCache', () => {
  it('never holds more than maxEntries, whatever the keys', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.integer({ min: 0, max: 200 })),
        (max, keys) => {
          const cache = new BoundedCache<number, number>({ maxEntries: max });
          for (const k of keys) {
            cache.set(k, k);
            assert.ok(cache.size <= max);
          }
          // The newest keys are the ones kept.
          const last = keys.at(-1);
          if (last !== undefined) assert.equal(cache.get(last), last);
        },
      ),
    );
  });

  it('drops the least recently used entry at the bound, not the least recently set', () => {
    const cache = new BoundedCache<string, number>({ maxEntries: 2 });
    cache.set('a', 1).set('b', 2);
    assert.equal(cache.get('a'), 1); // a is now the most recent
    cache.set('c', 3);
    assert.equal(cache.get('b'), undefined);
    assert.equal(cache.get('a'), 1);
    assert.equal(cache.get('c'), 3);
  });

  it('forgets an entry at its expiry and removes it when read', () => {
    const t = clock();
    const cache = new BoundedCache<string, string>({ maxEntries: 10, ttlMs: 100, now: t.now });
    cache.set('k', 'v');
    t.advance(99);
    assert.equal(cache.get('k'), 'v');
    t.advance(1);
    assert.equal(cache.get('k'), undefined);
    assert.equal(cache.size, 0);
  });

  it('removes expired entries that nobody reads again, on a later write', () => {
    const t = clock();
    const cache = new BoundedCache<number, number>({ maxEntries: 10_000, ttlMs: 1_000, now: t.now });
    for (let i = 0; i < 500; i++) cache.set(i, i);
    assert.equal(cache.size, 500);
    t.advance(1_000);
    cache.set(-1, -1);
    assert.equal(cache.size, 1);
  });

  it('keeps an entry no longer than its own shorter TTL', () => {
    const t = clock();
    const cache = new BoundedCache<string, number>({ maxEntries: 10, ttlMs: 5_000, now: t.now });
    cache.set('short', 1, 50);
    cache.set('long', 2, 60_000); // capped at the cache's 5 s
    t.advance(50);
    assert.equal(cache.get('short'), undefined);
    t.advance(4_949);
    assert.equal(cache.get('long'), 2);
    t.advance(1);
    assert.equal(cache.get('long'), undefined);
  });

  it('deletes by value and refuses a bound below one', () => {
    const cache = new BoundedCache<string, { wallet: number }>({ maxEntries: 10 });
    cache.set('a', { wallet: 1 }).set('b', { wallet: 2 }).set('c', { wallet: 1 });
    cache.deleteWhere((v) => v.wallet === 1);
    assert.equal(cache.size, 1);
    assert.deepEqual(cache.get('b'), { wallet: 2 });
    assert.throws(() => new BoundedCache({ maxEntries: 0 }), /maxEntries/);
  });
});
