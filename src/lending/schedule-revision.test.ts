import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSchedule } from './schedule.ts';
import { reviseSchedule } from './schedule-revision.ts';

describe('reviseSchedule', () => {
  const single = buildSchedule({
    kind: 'single',
    period: null,
    amount: 1_000_000n,
    termDays: 30,
    dailyRate: '0.8',
    startDate: '2026-05-01',
  });

  it('a single-payment loan repaid in half on day 10: the payment line, then the rest with 20 days of interest', () => {
    for (const mode of ['reduce_payment', 'shorten_term'] as const) {
      const lines = reviseSchedule({
        lines: single,
        date: '2026-05-11',
        principal: 1_000_000n,
        principalPaid: 500_000n,
        interestPaid: 80_000n, // 10 days at 0.8 % on 10 000 roubles
        dailyRate: '0.8',
        mode,
      });
      assert.deepEqual(lines, [
        {
          n: 1,
          dueDate: '2026-05-11',
          principal: 500_000n,
          interest: 80_000n,
          total: 580_000n,
          principalAfter: 500_000n,
        },
        // 5 000 roubles × 0.8 % × 20 days = 800 roubles.
        {
          n: 2,
          dueDate: '2026-05-31',
          principal: 500_000n,
          interest: 80_000n,
          total: 580_000n,
          principalAfter: 0n,
        },
      ]);
    }
  });

  it('keeps the lines already due, and the principal parts sum to the amount lent', () => {
    const annuity = buildSchedule({
      kind: 'annuity',
      period: 'month',
      amount: 6_000_000n,
      termDays: 180,
      dailyRate: '0.3',
      startDate: '2026-01-15',
    });
    const [l1, l2] = annuity;
    // The first instalment paid on time, then on 2026-03-01 the interest to date, the second
    // instalment's principal and 10 000 roubles early.
    const principalPaid = l1!.principal + l2!.principal + 1_000_000n;
    for (const mode of ['reduce_payment', 'shorten_term'] as const) {
      const lines = reviseSchedule({
        lines: annuity,
        date: '2026-03-01',
        principal: 6_000_000n,
        principalPaid,
        interestPaid: l1!.interest + 123_456n,
        dailyRate: '0.3',
        mode,
      });
      assert.deepEqual(lines[0], l1);
      assert.equal(lines[1]!.dueDate, '2026-03-01');
      assert.equal(lines[1]!.principal, l2!.principal + 1_000_000n);
      assert.equal(lines[1]!.interest, 123_456n);
      assert.equal(
        lines.reduce((a, l) => a + l.principal, 0n),
        6_000_000n,
      );
      assert.equal(lines.at(-1)!.principalAfter, 0n);
      if (mode === 'reduce_payment') assert.equal(lines.at(-1)!.dueDate, annuity.at(-1)!.dueDate);
      else assert.ok(lines.length < annuity.length + 1);
    }
    assert.throws(
      () =>
        reviseSchedule({
          lines: annuity,
          date: '2026-03-01',
          principal: 6_000_000n,
          principalPaid: 6_000_000n,
          interestPaid: 0n,
          dailyRate: '0.3',
          mode: 'reduce_payment',
        }),
      RangeError,
    );
  });
});
