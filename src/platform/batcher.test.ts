import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Batcher, KeyLocks } from './batcher.ts';

function recorder(options: { failMany?: unknown; inFlight?: number; maxBatch?: number } = {}) {
  const calls: { kind: 'many' | 'single'; items: number[] }[] = [];
  const batcher = new Batcher<number, string>({
    many: async (items) => {
      calls.push({ kind: 'many', items });
      await new Promise((r) => setTimeout(r, 5));
      if (options.failMany) throw options.failMany;
      return items.map((i) => `many:${i}`);
    },
    single: async (item) => {
      calls.push({ kind: 'single', items: [item] });
      await new Promise((r) => setTimeout(r, 5));
      if (item < 0) throw new Error(`bad ${item}`);
      return `single:${item}`;
    },
    oneByOne: (error) => (error as { code?: string }).code === 'KL001',
    maxBatch: options.maxBatch ?? 32,
    inFlight: options.inFlight ?? 1,
  });
  return { batcher, calls };
}

describe('Batcher', () => {
  it('a lone item goes out alone, through single, at once', async () => {
    const { batcher, calls } = recorder();
    assert.equal(await batcher.submit(7), 'single:7');
    assert.deepEqual(calls, [{ kind: 'single', items: [7] }]);
  });

  it('items submitted together share one call; each gets its own answer, in order', async () => {
    const { batcher, calls } = recorder();
    const answers = await Promise.all([1, 2, 3, 4].map((i) => batcher.submit(i)));
    assert.deepEqual(answers, ['many:1', 'many:2', 'many:3', 'many:4']);
    assert.deepEqual(calls, [{ kind: 'many', items: [1, 2, 3, 4] }]);
    assert.deepEqual(batcher.stats, { batches: 1, items: 4, oneByOne: 0 });
  });

  it('items arriving while the in-flight limit is reached wait and go out together; maxBatch splits', async () => {
    const { batcher, calls } = recorder({ inFlight: 1, maxBatch: 3 });
    const first = batcher.submit(1);
    await new Promise((r) => setImmediate(r));
    const rest = [2, 3, 4, 5].map((i) => batcher.submit(i));
    await Promise.all([first, ...rest]);
    assert.deepEqual(calls, [
      { kind: 'single', items: [1] },
      { kind: 'many', items: [2, 3, 4] },
      { kind: 'single', items: [5] },
    ]);
  });

  it('a batch refused for one item is redone one by one: each item gets its own answer or error', async () => {
    const { batcher } = recorder({ failMany: Object.assign(new Error('insufficient'), { code: 'KL001' }) });
    const answers = await Promise.allSettled([1, -2, 3].map((i) => batcher.submit(i)));
    assert.deepEqual(
      answers.map((a) => (a.status === 'fulfilled' ? a.value : (a.reason as Error).message)),
      ['single:1', 'bad -2', 'single:3'],
    );
    assert.equal(batcher.stats.oneByOne, 1);
  });

  it('any other failure of a batch fails all its items', async () => {
    const { batcher, calls } = recorder({ failMany: new Error('connection lost') });
    const answers = await Promise.allSettled([1, 2].map((i) => batcher.submit(i)));
    assert.ok(answers.every((a) => a.status === 'rejected' && /connection lost/.test(String(a.reason))));
    assert.equal(calls.length, 1);
  });
});

describe('Batcher with keys', () => {
  it('running batches never share a key, across batchers sharing the locks; one key may fill a batch', async () => {
    const locks = new KeyLocks();
    const running = new Map<string, number>();
    let overlap = false;
    const calls: string[][] = [];
    const make = (name: string) =>
      new Batcher<{ agent: string; n: number }, string>({
        many: async (items) => {
          const agents = [...new Set(items.map((i) => i.agent))];
          for (const a of agents) {
            if (running.has(a)) overlap = true;
            running.set(a, 1);
          }
          calls.push(items.map((i) => `${name}:${i.agent}${i.n}`));
          await new Promise((r) => setTimeout(r, 5));
          for (const a of agents) running.delete(a);
          return items.map((i) => `${name}:${i.agent}${i.n}`);
        },
        single: async (item) => {
          if (running.has(item.agent)) overlap = true;
          running.set(item.agent, 1);
          calls.push([`${name}:${item.agent}${item.n}`]);
          await new Promise((r) => setTimeout(r, 5));
          running.delete(item.agent);
          return `${name}:${item.agent}${item.n}`;
        },
        oneByOne: () => false,
        maxBatch: 4,
        inFlight: 4,
        key: (item) => item.agent,
        locks,
      });
    const reserve = make('r');
    const settle = make('s');
    const agents = ['a', 'b', 'c', 'a', 'a', 'd', 'b', 'e', 'a', 'c', 'f', 'a'];
    const answers = await Promise.all(
      agents.flatMap((agent, n) => [reserve.submit({ agent, n }), settle.submit({ agent, n })]),
    );
    assert.equal(overlap, false, `no two running batches shared an agent: ${JSON.stringify(calls)}`);
    assert.deepEqual(
      answers,
      agents.flatMap((agent, n) => [`r:${agent}${n}`, `s:${agent}${n}`]),
    );
    assert.equal(calls.flat().length, agents.length * 2);
  });
});
