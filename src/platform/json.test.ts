import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { IdError, parseId } from './ids.ts';
import { decimal, parseJson, parseJsonQuick, stringifyJson, stringifyJsonQuick } from './json.ts';

describe('lossless JSON', () => {
  it('keeps 18-digit integers exact, as text', () => {
    const body = parseJson('{"agentTransactionId": 123456789012345678, "small": 42}') as Record<
      string,
      unknown
    >;
    assert.equal(body.agentTransactionId, '123456789012345678');
    assert.equal(body.small, 42);
    assert.equal(parseId(body.agentTransactionId), 123456789012345678n);
  });
  it('keeps exponent forms as text so validators see them', () => {
    assert.deepEqual(parseJson('[1e3, 2.5]'), ['1e3', 2.5]);
  });
  it('writes bigints and exact decimals', () => {
    assert.equal(
      stringifyJson({ id: 123456789012345678n, amount: decimal('200.00'), n: 1 }),
      '{"id":123456789012345678,"amount":200.00,"n":1}',
    );
  });
  it('parses quickly what a JS number holds and falls back to exact text otherwise', () => {
    const plain = '{"amount": 5000000, "rate": 15.25, "id": "1234567890123456789", "items": [1, 2.5]}';
    assert.deepEqual(parseJsonQuick(plain), parseJson(plain));
    assert.deepEqual(parseJsonQuick('{"id": 123456789012345678, "rate": 1.234567890123456789, "e": 1e3}'), {
      id: '123456789012345678',
      rate: '1.234567890123456789',
      e: '1e3',
    });
    assert.throws(() => parseJsonQuick('{"a": '));
  });
  it('writes quickly, and exactly what the built-in serializer cannot', () => {
    const value = { n: 1, s: 'x', big: 123456789012345678n, d: decimal('200.00') };
    assert.equal(stringifyJsonQuick(value), stringifyJson(value));
    assert.equal(stringifyJsonQuick({ n: 1, s: 'x' }), '{"n":1,"s":"x"}');
  });
  it('rejects malformed JSON', () => {
    assert.throws(() => parseJson('{"a": 1,}'));
    assert.throws(() => parseJson('{a: 1}'));
  });
});

describe('parseId', () => {
  it('accepts up to 18 digits from numbers and strings', () => {
    assert.equal(parseId(17), 17n);
    assert.equal(parseId('999999999999999999'), 999999999999999999n);
    assert.equal(parseId(123456789012345678n), 123456789012345678n);
  });
  it('refuses 19 digits, zero, fractions, negatives and other types', () => {
    for (const bad of ['1234567890123456789', '0', '1.5', '-3', 1.5, -3, null, {}, '12a']) {
      assert.throws(() => parseId(bad), IdError, String(bad));
    }
  });
});
