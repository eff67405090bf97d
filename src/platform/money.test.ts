import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseJson } from './json.ts';
import {
  formatRoubles,
  formatRoublesRu,
  MoneyError,
  mulDivRound,
  parseKopecks,
  parseRoubles,
  splitEvenly,
} from './money.ts';

function refused(fn: () => unknown, code: MoneyError['code']) {
  assert.throws(fn, (e: unknown) => e instanceof MoneyError && e.code === code);
}

describe('parseRoubles', () => {
  it('reads decimal strings exactly', () => {
    assert.equal(parseRoubles('200.00'), 20000n);
    assert.equal(parseRoubles('200.5'), 20050n);
    assert.equal(parseRoubles('200'), 20000n);
    assert.equal(parseRoubles('0.01'), 1n);
    assert.equal(parseRoubles(' 12.30 '), 1230n);
    assert.equal(parseRoubles('200.000'), 20000n, 'trailing zeros beyond two places change nothing');
    assert.equal(parseRoubles('92233720368547758.07'), 9223372036854775807n);
  });
  it('reads JSON numbers as written', () => {
    assert.equal(parseRoubles(parseJson('200.00')), 20000n);
    assert.equal(parseRoubles(parseJson('0.1')), 10n);
    assert.equal(parseRoubles(parseJson('19.99')), 1999n);
    assert.equal(parseRoubles(parseJson('1234567.89')), 123456789n);
  });
  it('refuses more than two decimals', () => {
    refused(() => parseRoubles('200.001'), 'precision');
    refused(() => parseRoubles(parseJson('200.001')), 'precision');
    refused(() => parseRoubles(0.001), 'precision');
    refused(() => parseRoubles(1e-7), 'precision');
  });
  it('refuses exponents, NaN, infinities and junk', () => {
    refused(() => parseRoubles('1e3'), 'format');
    refused(() => parseRoubles(parseJson('1e3')), 'format');
    refused(() => parseRoubles(parseJson('2E2')), 'format');
    refused(() => parseRoubles(Number.NaN), 'format');
    refused(() => parseRoubles(Number.POSITIVE_INFINITY), 'format');
    refused(() => parseRoubles('NaN'), 'format');
    refused(() => parseRoubles('12,50'), 'format');
    refused(() => parseRoubles('+5'), 'format');
    refused(() => parseRoubles('.5'), 'format');
    refused(() => parseRoubles('5.'), 'format');
    refused(() => parseRoubles(''), 'format');
    refused(() => parseRoubles(null), 'format');
    refused(() => parseRoubles(true), 'format');
    refused(() => parseRoubles({}), 'format');
  });
  it('refuses negatives unless allowed, and zero when asked', () => {
    refused(() => parseRoubles('-1.00'), 'negative');
    assert.equal(parseRoubles('-1.50', { allowNegative: true }), -150n);
    refused(() => parseRoubles('0.00', { allowZero: false }), 'zero');
    assert.equal(parseRoubles('0'), 0n);
  });
  it('refuses overflow', () => {
    refused(() => parseRoubles('92233720368547758.08'), 'overflow');
    refused(() => parseRoubles(1e21), 'overflow');
    refused(() => parseRoubles(parseJson('123456789012345678901234.00')), 'overflow');
  });
});

describe('parseKopecks', () => {
  it('reads integers from numbers, strings and bigints', () => {
    assert.equal(parseKopecks(12345), 12345n);
    assert.equal(parseKopecks('12345'), 12345n);
    assert.equal(parseKopecks(parseJson('9223372036854775807')), 9223372036854775807n);
    assert.equal(parseKopecks(7n), 7n);
  });
  it('refuses fractions, exponents and overflow', () => {
    refused(() => parseKopecks(1.5), 'format');
    refused(() => parseKopecks('1.0'), 'format');
    refused(() => parseKopecks(parseJson('1e5')), 'format');
    refused(() => parseKopecks('9223372036854775808'), 'overflow');
    refused(() => parseKopecks(-1), 'negative');
  });
});

describe('formatting', () => {
  it('formats two decimals exactly', () => {
    assert.equal(formatRoubles(20000n), '200.00');
    assert.equal(formatRoubles(5n), '0.05');
    assert.equal(formatRoubles(-5n), '-0.05');
    assert.equal(formatRoubles(-12345n), '-123.45');
    assert.equal(formatRoubles(9223372036854775807n), '92233720368547758.07');
  });
  it('formats for Russian readers', () => {
    assert.equal(formatRoublesRu(123456789n), '1\u00a0234\u00a0567,89\u00a0₽');
    assert.equal(formatRoublesRu(100n, ''), '1,00');
  });
  it('round-trips every amount it formats', () => {
    for (const k of [0n, 1n, 99n, 100n, 101n, 123456789n, -7n]) {
      assert.equal(parseRoubles(formatRoubles(k), { allowNegative: true }), k);
    }
  });
});

describe('arithmetic', () => {
  it('splits without losing a kopeck', () => {
    assert.deepEqual(splitEvenly(1000n, 3), [334n, 333n, 333n]);
    assert.deepEqual(splitEvenly(2n, 3), [1n, 1n, 0n]);
    const parts = splitEvenly(123457n, 7);
    assert.equal(
      parts.reduce((a, b) => a + b, 0n),
      123457n,
    );
    assert.throws(() => splitEvenly(10n, 0), RangeError);
  });
  it('multiplies and divides with half-up rounding', () => {
    assert.equal(mulDivRound(1000n, 110n, 300n), 367n); // 366.67
    assert.equal(mulDivRound(150n, 1n, 100n), 2n); // 1.5 -> 2
    assert.equal(mulDivRound(149n, 1n, 100n), 1n);
    assert.equal(mulDivRound(-150n, 1n, 100n), -2n);
    assert.throws(() => mulDivRound(1n, 1n, 0n), RangeError);
  });
});
