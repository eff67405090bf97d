import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { allocate, type Dues } from './allocation.ts';

const dues: Dues = {
  overdueInterest: 100n,
  overduePrincipal: 200n,
  penalty: 30n,
  currentInterest: 40n,
  currentPrincipal: 500n,
  other: 7n,
  futurePrincipal: 1_000n,
};

describe('allocation by 353-FZ art. 5 part 20', () => {
  it('fills the buckets strictly in order', () => {
    assert.deepEqual(allocate(150n, dues), {
      overdueInterest: 100n,
      overduePrincipal: 50n,
      penalty: 0n,
      currentInterest: 0n,
      currentPrincipal: 0n,
      other: 0n,
      earlyPrincipal: 0n,
      toAdvance: 0n,
    });
    assert.deepEqual(allocate(345n, dues), {
      overdueInterest: 100n,
      overduePrincipal: 200n,
      penalty: 30n,
      currentInterest: 15n,
      currentPrincipal: 0n,
      other: 0n,
      earlyPrincipal: 0n,
      toAdvance: 0n,
    });
  });

  it('keeps the rest on account unless it repays everything or early repayment is asked', () => {
    const a = allocate(1_000n, dues);
    assert.equal(a.other, 7n);
    assert.equal(a.earlyPrincipal, 0n);
    assert.equal(a.toAdvance, 1_000n - 877n);
    const early = allocate(1_000n, dues, true);
    assert.equal(early.earlyPrincipal, 123n);
    assert.equal(early.toAdvance, 0n);
    const full = allocate(2_000n, dues);
    assert.equal(full.earlyPrincipal, 1_000n);
    assert.equal(full.toAdvance, 2_000n - 1_877n);
  });
});
