import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AppError } from '../platform/errors.ts';
import { buildSchedule, instalmentDates } from './schedule.ts';
import type { ScheduleLine } from './types.ts';

const sum = (lines: ScheduleLine[], key: 'principal' | 'interest' | 'total') =>
  lines.reduce((s, l) => s + l[key], 0n);

describe('buildSchedule: single payment', () => {
  it('charges principal × rate × days, one payment at the end', () => {
    // 10 000.00 ₽ for 30 days at 0.8 %/day: 10 000 × 0.008 × 30 = 2 400.00 ₽.
    const [line, ...rest] = buildSchedule({
      kind: 'single',
      period: null,
      amount: 1_000_000n,
      termDays: 30,
      dailyRate: '0.8',
      startDate: '2026-11-01',
    });
    assert.equal(rest.length, 0);
    assert.deepEqual(line, {
      n: 1,
      dueDate: '2026-12-01',
      principal: 1_000_000n,
      interest: 240_000n,
      total: 1_240_000n,
      principalAfter: 0n,
    });
  });

  it('rounds interest to the kopeck, halves up', () => {
    // 1 234.57 ₽ × 0.8 % × 7 = 123 457 × 0.056 = 6 913.592 kop -> 6 914 (up from .592).
    // 1 234.55 ₽ × 0.5 % × 1 = 123 455 × 0.005 = 617.275 -> 617 (down from .275).
    // 50.50 ₽ × 1 % × 1 = 5 050 × 0.01 = 50.5 -> 51 (a half goes up).
    const interest = (amount: bigint, dailyRate: string, termDays: number) =>
      buildSchedule({
        kind: 'single',
        period: null,
        amount,
        termDays,
        dailyRate,
        startDate: '2026-01-01',
      })[0]!.interest;
    assert.equal(interest(123_457n, '0.8', 7), 6_914n);
    assert.equal(interest(123_455n, '0.5', 1), 617n);
    assert.equal(interest(5_050n, '1', 1), 51n);
  });

  it('refuses nonsense input as a validation error', () => {
    const bad = {
      kind: 'single',
      period: null,
      amount: 0n,
      termDays: 30,
      dailyRate: '0.8',
      startDate: '2026-01-01',
    } as const;
    assert.throws(
      () => buildSchedule(bad),
      (e: unknown) => e instanceof AppError && e.kind === 'validation',
    );
    assert.throws(() => buildSchedule({ ...bad, amount: 100n, dailyRate: '0,8' }), AppError);
    assert.throws(() => buildSchedule({ ...bad, amount: 100n, startDate: '2026-02-30' }), AppError);
  });
});

describe('buildSchedule: annuity', () => {
  it('matches a weekly schedule computed by hand', () => {
    // 10 000.00 ₽, 4 weekly instalments, 0.5 %/day -> r = 3.5 % a week.
    // A = P·r·(1+r)^4 / ((1+r)^4 − 1); 1.035^4 = 1.147523000625, so
    // A = 1 000 000 × 0.035 × 1.147523000625 / 0.147523000625 = 272 251.139… -> 272 251 kop.
    // Interest each week on what is still owed (× 0.035), half-up:
    //   1: 1 000 000 × 0.035 = 35 000;    principal 272 251 − 35 000 = 237 251; owed 762 749
    //   2:   762 749 × 0.035 = 26 696.215 -> 26 696; principal 245 555;       owed 517 194
    //   3:   517 194 × 0.035 = 18 101.79  -> 18 102; principal 254 149;       owed 263 045
    //   4: last repays 263 045 + 263 045 × 0.035 = 9 206.575 -> 9 207;  total 272 252
    const lines = buildSchedule({
      kind: 'annuity',
      period: 'week',
      amount: 1_000_000n,
      termDays: 28,
      dailyRate: '0.5',
      startDate: '2026-11-02',
    });
    assert.deepEqual(
      lines.map((l) => [l.dueDate, l.principal, l.interest, l.total, l.principalAfter]),
      [
        ['2026-11-09', 237_251n, 35_000n, 272_251n, 762_749n],
        ['2026-11-16', 245_555n, 26_696n, 272_251n, 517_194n],
        ['2026-11-23', 254_149n, 18_102n, 272_251n, 263_045n],
        ['2026-11-30', 263_045n, 9_207n, 272_252n, 0n],
      ],
    );
    // The instalment agrees with the closed formula in floating point (a separate method).
    const r = 0.035;
    assert.equal(Math.round((1_000_000 * r * (1 + r) ** 4) / ((1 + r) ** 4 - 1)), 272_251);
  });

  it('keeps instalments equal except the last and principal exact, monthly on calendar dates', () => {
    const amount = 7_777_777n;
    const lines = buildSchedule({
      kind: 'annuity',
      period: 'month',
      amount,
      termDays: 180,
      dailyRate: '0.3',
      startDate: '2027-01-31',
    });
    assert.deepEqual(
      lines.map((l) => l.dueDate),
      ['2027-02-28', '2027-03-31', '2027-04-30', '2027-05-31', '2027-06-30', '2027-07-31'],
    );
    assert.equal(sum(lines, 'principal'), amount);
    assert.equal(new Set(lines.slice(0, -1).map((l) => l.total)).size, 1);
    assert.equal(lines.at(-1)!.principalAfter, 0n);
    // February has 28 days: 7 777 777 × 0.003 × 28 = 653 333.268 kop -> 653 333.
    assert.equal(lines[0]!.interest, 653_333n);
    for (const l of lines) assert.equal(l.total, l.principal + l.interest);
  });

  it('counts fortnights and weeks from the term', () => {
    assert.deepEqual(instalmentDates('2026-01-01', 56, 'fortnight'), [
      '2026-01-15',
      '2026-01-29',
      '2026-02-12',
      '2026-02-26',
    ]);
    assert.equal(instalmentDates('2026-01-01', 3, 'week').length, 1);
  });
});

describe('buildSchedule: bnpl3', () => {
  it('prices three payments by the Moneywall formula and splits the principal exactly', () => {
    // Order 1 000.00 ₽, departure in 30 days -> K = 1.20: total 1 200.00, thirds of 400.00;
    // principal thirds 333.33, 333.33, 333.34; interest 66.67, 66.67, 66.66.
    const lines = buildSchedule({
      kind: 'bnpl3',
      period: null,
      amount: 100_000n,
      termDays: 64,
      dailyRate: '0.3',
      startDate: '2026-11-01',
      departureDate: '2026-12-01',
    });
    assert.deepEqual(
      lines.map((l) => [l.dueDate, l.principal, l.interest, l.total]),
      [
        ['2026-11-01', 33_333n, 6_667n, 40_000n],
        ['2026-12-03', 33_333n, 6_667n, 40_000n],
        ['2027-01-04', 33_334n, 6_666n, 40_000n],
      ],
    );
  });
});
