import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { FieldCipher, hashPassword, hashSecret, newOtp, safeEqual, verifyPassword } from './crypto.ts';

describe('FieldCipher', () => {
  const cipher = new FieldCipher(randomBytes(32));
  it('round-trips and never stores the plain text', () => {
    const stored = cipher.encrypt('4510 123456');
    assert.ok(!stored.includes('123456'));
    assert.notEqual(stored, cipher.encrypt('4510 123456'), 'a fresh nonce each time');
    assert.equal(cipher.decrypt(stored), '4510 123456');
  });
  it('detects tampering and a wrong key', () => {
    const stored = cipher.encrypt('770123456789');
    const parts = stored.split(':');
    parts[3] = Buffer.from('x'.repeat(12)).toString('base64url');
    assert.throws(() => cipher.decrypt(parts.join(':')));
    assert.throws(() => new FieldCipher(randomBytes(32)).decrypt(stored));
  });
  it('gives one lookup hash per normalised value, keyed', () => {
    assert.equal(cipher.lookupHash('4510 123456'), cipher.lookupHash('4510123456'));
    assert.notEqual(cipher.lookupHash('4510123456'), cipher.lookupHash('4510123457'));
    assert.notEqual(
      cipher.lookupHash('4510123456'),
      new FieldCipher(randomBytes(32)).lookupHash('4510123456'),
    );
  });
});

describe('secrets', () => {
  it('hashes and verifies passwords', async () => {
    const stored = await hashPassword('p@ssw0rD');
    assert.match(stored, /^scrypt\$/);
    assert.equal(await verifyPassword('p@ssw0rD', stored), true);
    assert.equal(await verifyPassword('p@ssw0rd', stored), false);
    assert.equal(await verifyPassword('x', 'garbage'), false);
  });
  it('hashes tokens deterministically and compares in constant time', () => {
    assert.equal(hashSecret('demo-agent-token'), hashSecret('demo-agent-token'));
    assert.notEqual(hashSecret('demo-agent-token'), 'demo-agent-token');
    assert.equal(safeEqual('abc', 'abc'), true);
    assert.equal(safeEqual('abc', 'abd'), false);
    assert.equal(safeEqual('abc', 'abcd'), false);
  });
  it('makes six-digit codes', () => {
    for (let i = 0; i < 50; i++) assert.match(newOtp(), /^\d{6}$/);
  });
});
