import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fullCost, pskTerms, scheduleCashflows } from './psk.ts';
import { buildSchedule } from './schedule.ts';

describe('fullCost (353-FZ art. 6 part 2)', () => {
  it('single payment: 10 000 ₽ for 30 days, 12 400 ₽ back -> 292.000 %, 2 400.00 ₽', () => {
    // One period of 30 days: i = 12 400 / 10 000 − 1 = 0.24; ЧБП = 365 / 30;
    // ПСК = 0.24 × 365 / 30 × 100 = 292.000.
    const cost = fullCost([
      { date: '2026-11-01', amount: -1_000_000n },
      { date: '2026-12-01', amount: 1_240_000n },
    ]);
    assert.deepEqual(cost, { percent: '292.000', amount: 240_000n });
  });

  it('weekly annuity: matches a root found independently', () => {
    // Flows from the hand-computed schedule in schedule.test.ts: −1 000 000, then
    // 272 251 × 3 and 272 252 a week apart. Base period 7 days, ЧБП = 365 / 7.
    // Bisection in floating point (a separate method) on
    //   −1 000 000 + Σ 272 251/(1+i)^k + 272 252/(1+i)^4 = 0 gives i = 0.0350001512…,
    // so ПСК = 0.0350001512 × 365 / 7 × 100 = 182.5007… -> 182.501 %; in money 89 005 kop.
    const lines = buildSchedule({
      kind: 'annuity',
      period: 'week',
      amount: 1_000_000n,
      termDays: 28,
      dailyRate: '0.5',
      startDate: '2026-11-02',
    });
    assert.deepEqual(fullCost(scheduleCashflows(1_000_000n, '2026-11-02', lines)), {
      percent: '182.501',
      amount: 89_005n,
    });
  });

  it('bnpl3 at K = 1.20: the closed-form root of a quadratic', () => {
    // Order O lent on day 0, 0.4·O paid back the same day, then 0.4·O on days 32 and 64.
    // Net −0.6·O at q = 0; with x = 1/(1+i): 0.4x² + 0.4x − 0.6 = 0 -> x = (√7 − 1)/2,
    // i = 2/(√7 − 1) − 1 = 0.2152504…; ЧБП = 365/32; ПСК = 245.5200… -> 245.520 %.
    const lines = buildSchedule({
      kind: 'bnpl3',
      period: null,
      amount: 3_000_000n,
      termDays: 64,
      dailyRate: '0.3',
      startDate: '2026-11-01',
      departureDate: '2026-11-20',
    });
    const i = 2 / (Math.sqrt(7) - 1) - 1;
    assert.equal(((i * 365) / 32) * 100 > 245.5195 && ((i * 365) / 32) * 100 < 245.5205, true);
    assert.deepEqual(fullCost(scheduleCashflows(3_000_000n, '2026-11-01', lines)), {
      percent: '245.520',
      amount: 600_000n,
    });
  });

  it('monthly annuity: base period a month, ЧБП = 12, e as the fraction of 365/12 days', () => {
    // The demo ANN6 deal: 50 000 ₽ for 6 months at 0.3 %/day from 2026-11-01. Flows −5 000 000, then
    // 1 116 261 on 12-01, 01-01, 02-01, 03-01, 04-01 and 1 122 344 on 05-01: r = 0.003 × 181/6 =
    // 0.0905 a month, A = 5 000 000·r·1.0905⁶/(1.0905⁶ − 1) = 1 116 261.003 -> 1 116 261; interest
    // per month owed × 0.003 × (30, 31, 31, 28, 31, 30) days; the last repays 1 029 673 + 92 671
    // (checked with exact fractions in Python). Days 30, 61, 92, 120, 151, 181 are
    // 0.986, 2.005, 3.025, 3.945, 4.964, 5.951 months of 365/12 days: q = 0, 2, 3, 3, 4, 5 and e the
    // rest. A separate floating-point bisection (Python) on Σ ДП/((1+e·i)(1+i)^q) = 0 gives
    // i = 0.0912336413…, ПСК = i × 12 × 100 = 109.480 %; in money 1 703 649 kop.
    const lines = buildSchedule({
      kind: 'annuity',
      period: 'month',
      amount: 5_000_000n,
      termDays: 180,
      dailyRate: '0.3',
      startDate: '2026-11-01',
    });
    assert.deepEqual(
      lines.map((l) => l.total),
      [1_116_261n, 1_116_261n, 1_116_261n, 1_116_261n, 1_116_261n, 1_122_344n],
    );
    assert.deepEqual(fullCost(scheduleCashflows(5_000_000n, '2026-11-01', lines)), {
      percent: '109.480',
      amount: 1_703_649n,
    });
  });

  it('takes the most frequent interval as the base period, and the month for monthly schedules', () => {
    const weekly = pskTerms([
      { date: '2026-01-01', amount: -100n },
      { date: '2026-01-08', amount: 30n },
      { date: '2026-01-15', amount: 30n },
      { date: '2026-01-25', amount: 50n },
    ]);
    assert.deepEqual(weekly.basePeriodDays, { num: 7, den: 1 });
    // Day 24 = 3 whole weeks and 3/7 of one.
    assert.equal(weekly.flows[3]!.q, 3);
    assert.equal(weekly.flows[3]!.e.toFixed(6), (3 / 7).toFixed(6));
    const monthly = pskTerms([
      { date: '2026-01-31', amount: -100n },
      { date: '2026-02-28', amount: 60n },
      { date: '2026-03-31', amount: 60n },
    ]);
    assert.deepEqual(monthly.basePeriodDays, { num: 365, den: 12 });
    assert.equal(monthly.periodsPerYear.toString(), '12');
  });

  it('a loan repaid with no charge costs nothing', () => {
    assert.deepEqual(
      fullCost([
        { date: '2026-01-01', amount: -100_000n },
        { date: '2026-01-31', amount: 100_000n },
      ]),
      { percent: '0.000', amount: 0n },
    );
  });
});
