import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isValidItn, isValidSsn, normalizePassport, normalizePhone, parseDate } from './validation.ts';

describe('wallet validation', () => {
  it('INN of a person: both check digits', () => {
    assert.equal(isValidItn('330500938709'), true, "the document's INN");
    assert.equal(isValidItn('500100732259'), true);
    assert.equal(isValidItn('330500938708'), false, 'second check digit wrong');
    assert.equal(isValidItn('330500938719'), false, 'first check digit wrong');
    assert.equal(isValidItn('7707083893'), false, "a company's 10-digit INN is not a person's");
    assert.equal(isValidItn('33050093870a'), false);
  });

  it('SNILS: the check number of the first nine digits (mod 101)', () => {
    assert.equal(isValidSsn('11223344595'), true, "the document's answer");
    assert.equal(isValidSsn('12963855556'), false, "the document's request: 201 mod 101 = 100 -> 00");
    assert.equal(isValidSsn('12963855500'), true);
    assert.equal(isValidSsn('11223344594'), false);
    assert.equal(isValidSsn('00100199800'), true, 'numbers up to 001-001-998 have no checksum');
    assert.equal(isValidSsn('1122334459'), false);
  });

  it('phone in international format, passport, dates', () => {
    assert.equal(normalizePhone('+7 (926) 111-11-11'), '+79261111111');
    assert.throws(() => normalizePhone('89261111111'), /международном/);
    assert.throws(() => normalizePhone(79261111111), /строка/);
    assert.equal(normalizePassport('22 02 655885'), '2202655885');
    assert.equal(normalizePassport('220265588'), undefined);
    assert.equal(parseDate('2012-02-29')?.toISOString().slice(0, 10), '2012-02-29');
    assert.equal(parseDate('2013-02-29'), undefined);
  });
});
