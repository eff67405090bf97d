import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import v8 from 'node:v8';
import vm from 'node:vm';
import { parseJson } from './json.ts';

// A full GC without starting node with --expose-gc.
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe('parseJson memory', () => {
  it('gives flat strings: a kept 36-character id costs bytes, not a rope of cons cells', () => {
    const n = 20_000;
    const bodies = Array.from(
      { length: n },
      (_, i) => `{"application_id":"00000000-0000-4000-8000-${String(i).padStart(12, '0')}"}`,
    );
    const kept = new Map<string, number>();
    const before = heapAfterGc();
    for (let i = 0; i < n; i++)
      kept.set((parseJson(bodies[i]!) as { application_id: string }).application_id, i);
    const perKey = (heapAfterGc() - before) / n;
    assert.equal(kept.size, n);
    // A rope of this id is ~800 bytes; flat, the string and its Map slot are ~100-150.
    assert.ok(perKey < 300, `${perKey.toFixed(0)} bytes per kept id`);
  });
});
