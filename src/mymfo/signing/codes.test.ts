import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { reviewValue } from './codes.ts';

describe('codereview value', () => {
  it('is sha256 hex of IDClient + IDDeal + code, in that order (the document example)', () => {
    // printf '%s' 000005729JJJ000141506712 | sha256sum
    assert.equal(
      reviewValue('000005729', 'JJJ000141', '506712'),
      '48d7414abfaddd16f35d40dff0698582ac31b1813bf8b9c008bbf6786a518021',
    );
    assert.notEqual(
      reviewValue('000005729', 'JJJ000141', '506713'),
      reviewValue('000005729', 'JJJ000141', '506712'),
    );
  });

  it('hashes the UTF-8 bytes of a Cyrillic deal number', () => {
    // printf '%s' 000000001ТСК000157123456 | sha256sum
    assert.equal(
      reviewValue('000000001', 'ТСК000157', '123456'),
      'e48f35670a14750690f1ca384b5c8c4b23868b56801485b650dd00fa98ae1e90',
    );
  });
});
