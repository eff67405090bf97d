import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { convert } from './conversion.ts';

describe('conversion', () => {
  it('converts in integers, half up, and shows the rate to four places (the document example)', () => {
    const c = convert(84_000n, '0.0020833333', 'KZT', 'USD');
    assert.equal(c.finalAmount, 175n);
    assert.equal(c.finalAmountText, '1.75');
    assert.equal(c.currencyRate, 'Курс конвертации KZT/USD 0.0021');
    assert.equal(c.rate, '0.0020833333');
  });
  it('is exact where a float is not', () => {
    // 0.1 + 0.2 style: 1 000 000 000.05 at rate 3 is 3 000 000 000.15, not …0.1499.
    assert.equal(convert(100_000_000_005n, '3', 'KZT', 'RUB').finalAmount, 300_000_000_015n);
    assert.equal(convert(1n, '0.5', 'KZT', 'USD').finalAmount, 1n);
    assert.equal(convert(1n, '0.49', 'KZT', 'USD').finalAmount, 0n);
  });
});
