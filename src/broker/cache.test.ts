import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TtlCache } from './cache.ts';

describe('broker TtlCache', () => {
  it('stays within its bound when every key is new (unknown tokens by the thousand)', async () => {
    const cache = new TtlCache<string | undefined>(60_000, 100);
    for (let i = 0; i < 1_000; i++) await cache.get(`token-${i}`, async () => undefined);
    assert.equal(cache.size, 100);
  });

  it('remembers "not found" as an answer, and loads again after the TTL', async () => {
    const cache = new TtlCache<string | undefined>(30);
    let loads = 0;
    const load = async () => {
      loads++;
      return undefined;
    };
    await cache.get('k', load);
    await cache.get('k', load);
    assert.equal(loads, 1);
    await new Promise((r) => setTimeout(r, 60));
    await cache.get('k', load);
    assert.equal(loads, 2);
  });
});
