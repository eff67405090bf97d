import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bnplPricing } from './bnpl-pricing.ts';

describe('bnplPricing', () => {
  it('uses K = 1.20 when the departure is 64 days after opening, and 1.10 at 65', () => {
    // Order 30 000.00 ₽ opened 2026-11-01; day 64 is 2027-01-04, day 65 is 2027-01-05.
    const at64 = bnplPricing(3_000_000n, '2026-11-01', '2027-01-04');
    assert.equal(at64.k, '1.20');
    assert.equal(at64.total, 3_600_000n); // 30 000 × 1.2
    assert.deepEqual(at64.payments, [1_200_000n, 1_200_000n, 1_200_000n]);
    const at65 = bnplPricing(3_000_000n, '2026-11-01', '2027-01-05');
    assert.equal(at65.k, '1.10');
    assert.equal(at65.total, 3_300_000n); // 30 000 × 1.1
    assert.deepEqual(at65.payments, [1_100_000n, 1_100_000n, 1_100_000n]);
    assert.deepEqual(at65.dueDates, ['2026-11-01', '2026-12-03', '2027-01-04']);
  });

  it('rounds to the kopeck and lets the last payment make the sum exact', () => {
    // 100.00 ₽ × 1.10 = 110.00; 110.00 / 3 = 36.666… -> 36.67, 36.67; last 110.00 − 73.34 = 36.66.
    const a = bnplPricing(10_000n, '2026-01-01', '2026-06-01');
    assert.deepEqual(a.payments, [3_667n, 3_667n, 3_666n]);
    // 999.99 ₽ × 1.20 = 1 199.988 -> 1 199.99 (half-up); /3 = 399.996 -> 400.00, 400.00;
    // last 1 199.99 − 800.00 = 399.99.
    const b = bnplPricing(99_999n, '2026-01-01', '2026-01-10');
    assert.equal(b.total, 119_999n);
    assert.deepEqual(b.payments, [40_000n, 40_000n, 39_999n]);
    // 0.05 ₽ × 1.10 = 0.055 -> 0.06 (a half goes up).
    assert.equal(bnplPricing(5n, '2026-01-01', '2026-06-01').total, 6n);
  });

  it('takes the dearer K when no departure is known or it is before opening', () => {
    assert.equal(bnplPricing(10_000n, '2026-01-01', undefined).k, '1.20');
    assert.equal(bnplPricing(10_000n, '2026-03-01', '2026-01-01').k, '1.20');
  });
});
