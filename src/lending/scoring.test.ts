import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { monthlyPayment, score } from './scoring.ts';
import type { CapsInForce, Product, ScoringInput } from './types.ts';

const PDL30: Product = {
  id: 1n,
  code: 'PDL30',
  name: 'До зарплаты',
  kind: 'single',
  period: null,
  minAmount: 100_000n,
  maxAmount: 3_000_000n,
  minTermDays: 5,
  maxTermDays: 30,
  dailyRate: '0.8',
  penaltyRateYear: '20',
  maxAmountNew: 1_500_000n,
  maxAmountRepeat: 3_000_000n,
  pskCategory: 'pdl',
  active: true,
};

const CAPS_2026_11: CapsInForce = {
  effectiveFrom: '2026-10-01',
  maxDailyRate: '0.8',
  maxPskPercent: '292',
  overpaymentCapPercent: 100,
  penaltyMaxYearPercent: '20',
  penaltyAfterDailyPercent: '0.1',
  maxHighPskLoans: 2,
  highPskThreshold: '200',
};

/** An adult first-time client with a clean record: 10 000 ₽ for 30 days, 12 400 ₽ to pay, income 40 000 ₽. */
function application(over: Partial<ScoringInput> = {}): ScoringInput {
  return {
    today: '2026-11-23',
    birthDate: '1990-05-01',
    blacklisted: false,
    bannedUntil: null,
    hasOpenOverdue: false,
    isRepeat: false,
    product: PDL30,
    amount: 1_000_000n,
    termDays: 30,
    monthlyIncome: 4_000_000n,
    otherMonthlyPayments: 0n,
    newMonthlyPayment: 1_240_000n,
    openHighPskLoans: 0,
    pskPercent: '292.000',
    caps: CAPS_2026_11,
    ...over,
  };
}

const codes = (input: ScoringInput) => score(input).reasons.map((r) => r.code);

describe('score', () => {
  it('approves an adult first-time client with a clean record and income at least 3× the payment', () => {
    // 12 400 × 3 = 37 200 <= 40 000: ПДН 31 %.
    assert.deepEqual(score(application()), { decision: 'approve', reasons: [] });
    assert.equal(score(application({ monthlyIncome: 3_720_000n })).decision, 'approve');
  });

  it('declines a minor, counting the birthday itself as adult', () => {
    const minor = score(application({ birthDate: '2008-11-24' }));
    assert.equal(minor.decision, 'decline');
    assert.deepEqual(
      minor.reasons.map((r) => r.code),
      ['age_under_18'],
    );
    assert.match(minor.reasons[0]!.text, /17 лет/);
    assert.equal(score(application({ birthDate: '2008-11-23' })).decision, 'approve');
  });

  it('declines blacklisted, banned and overdue clients with the reason', () => {
    assert.deepEqual(codes(application({ blacklisted: true })), ['blacklisted']);
    assert.deepEqual(codes(application({ bannedUntil: '2026-11-23' })), ['banned']);
    assert.equal(score(application({ bannedUntil: '2026-11-22' })).decision, 'approve', 'ban over');
    assert.deepEqual(codes(application({ hasOpenOverdue: true })), ['open_overdue']);
  });

  it('applies separate limits for new and repeat clients', () => {
    const asked = { amount: 2_000_000n, newMonthlyPayment: 2_480_000n, monthlyIncome: 10_000_000n };
    assert.deepEqual(codes(application(asked)), ['client_limit']);
    assert.equal(score(application({ ...asked, isRepeat: true })).decision, 'approve');
    assert.deepEqual(codes(application({ amount: 3_100_000n, isRepeat: true, monthlyIncome: 99_000_000n })), [
      'amount_out_of_range',
      'client_limit',
    ]);
    assert.deepEqual(codes(application({ termDays: 31 })), ['term_out_of_range']);
    assert.deepEqual(codes(application({ product: { ...PDL30, active: false } })), ['product_inactive']);
  });

  it('ПДН: above 80 % declines, above 50 % up to 80 % goes to review, 50 % passes', () => {
    // Income 20 000 ₽, other loans 3 600 ₽ a month, this one 12 400: 16 000 / 20 000 = 80 % -> review.
    assert.deepEqual(codes(application({ monthlyIncome: 2_000_000n, otherMonthlyPayments: 360_000n })), [
      'pdn_50_80',
    ]);
    // One kopeck more is above 80 % -> decline.
    assert.deepEqual(codes(application({ monthlyIncome: 2_000_000n, otherMonthlyPayments: 360_001n })), [
      'pdn_over_80',
    ]);
    // 12 400 / 24 800 = exactly 50 % -> approve; 24 799 -> review.
    assert.equal(score(application({ monthlyIncome: 2_480_000n })).decision, 'approve');
    assert.equal(score(application({ monthlyIncome: 2_479_900n })).decision, 'review');
  });

  it('without income: small loans pass, larger ones go to review', () => {
    assert.equal(score(application({ monthlyIncome: null, amount: 1_000_000n })).decision, 'approve');
    assert.deepEqual(codes(application({ monthlyIncome: null, amount: 1_000_100n })), ['income_missing']);
  });

  it('sends a large or long first loan to review', () => {
    const product = { ...PDL30, maxAmount: 5_000_000n, maxAmountNew: 5_000_000n, maxTermDays: 60 };
    assert.deepEqual(codes(application({ product, amount: 3_000_100n, monthlyIncome: 99_000_000n })), [
      'new_client_large',
    ]);
    assert.deepEqual(codes(application({ product, termDays: 31 })), ['new_client_large']);
    assert.equal(score(application({ product, termDays: 31, isRepeat: true })).decision, 'approve');
  });

  it('refuses a third open loan with ПСК above 200 % once the rule is in force', () => {
    assert.deepEqual(codes(application({ openHighPskLoans: 2 })), ['high_psk_loans']);
    assert.equal(score(application({ openHighPskLoans: 1 })).decision, 'approve');
    assert.equal(score(application({ openHighPskLoans: 2, pskPercent: '200.000' })).decision, 'approve');
    const before = { ...CAPS_2026_11, maxHighPskLoans: null, highPskThreshold: null };
    assert.equal(score(application({ openHighPskLoans: 5, caps: before })).decision, 'approve');
  });

  it('a decline wins over a review and lists every decline reason', () => {
    const r = score(
      application({
        blacklisted: true,
        hasOpenOverdue: true,
        monthlyIncome: 2_000_000n,
        otherMonthlyPayments: 360_000n,
      }),
    );
    assert.equal(r.decision, 'decline');
    assert.deepEqual(
      r.reasons.map((x) => x.code),
      ['blacklisted', 'open_overdue'],
    );
  });

  it('from 2027-04-01 declines a high-ПСК loan within three days of repaying the last one', () => {
    const caps2027: CapsInForce = {
      ...CAPS_2026_11,
      effectiveFrom: '2027-04-01',
      maxHighPskLoans: 1,
      highPskThreshold: '100',
      highPskCoolingDays: 3,
    };
    const at = (today: string, repaid: string | null, caps: CapsInForce, pskPercent = '292.000') =>
      codes(application({ today, lastHighPskRepaidOn: repaid, caps, pskPercent }));
    // The day before the rule: no cooling period, whatever the dates.
    assert.ok(!at('2027-03-31', '2027-03-30', CAPS_2026_11).includes('high_psk_cooling'));
    assert.ok(at('2027-04-07', '2027-04-05', caps2027).includes('high_psk_cooling'));
    assert.ok(at('2027-04-08', '2027-04-05', caps2027).includes('high_psk_cooling'), 'three whole days');
    assert.ok(!at('2027-04-09', '2027-04-05', caps2027).includes('high_psk_cooling'));
    assert.ok(!at('2027-04-07', null, caps2027).includes('high_psk_cooling'), 'never repaid one');
    assert.ok(
      !at('2027-04-07', '2027-04-05', caps2027, '95.000').includes('high_psk_cooling'),
      'not a high-ПСК loan',
    );
    assert.equal(
      score(application({ today: '2027-04-07', lastHighPskRepaidOn: '2027-04-06', caps: caps2027 })).decision,
      'decline',
    );
  });
});

describe('monthlyPayment', () => {
  const line = (dueDate: string, total: bigint) => ({
    n: 1,
    dueDate,
    principal: 0n,
    interest: 0n,
    total,
    principalAfter: 0n,
  });
  it('counts a loan of up to a month whole, and spreads a longer one over 30-day months', () => {
    assert.equal(monthlyPayment('2026-11-01', [line('2026-12-01', 1_240_000n)]), 1_240_000n);
    // 90 days, 900.01 ₽ in all: 90 001 × 30 / 90 = 30 000.33 -> 30 000.
    assert.equal(
      monthlyPayment('2026-01-01', [line('2026-02-01', 45_000n), line('2026-04-01', 45_001n)]),
      30_000n,
    );
  });
});
