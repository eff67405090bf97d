import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  cachedSession,
  cachedSessionCount,
  forgetWalletSessions,
  MAX_SESSIONS,
  rememberSession,
} from './session-cache.ts';
import type { Wallet } from './wallets.ts';

const wallet = (id: bigint) => ({ id }) as Wallet;
const inAnHour = () => new Date(Date.now() + 3_600_000);

describe('wallet session cache', () => {
  it('holds at most MAX_SESSIONS sessions, the latest ones', () => {
    for (let i = 0; i < MAX_SESSIONS + 500; i++) rememberSession(`s${i}`, wallet(BigInt(i)), inAnHour());
    assert.equal(cachedSessionCount(), MAX_SESSIONS);
    assert.equal(cachedSession('s0'), undefined);
    assert.equal(cachedSession(`s${MAX_SESSIONS + 499}`)?.id, BigInt(MAX_SESSIONS + 499));
  });

  it('never serves a session past its own expiry, and forgets a wallet on demand', () => {
    rememberSession('ended', wallet(-1n), new Date(Date.now() - 1));
    assert.equal(cachedSession('ended'), undefined);
    rememberSession('a', wallet(-2n), inAnHour());
    rememberSession('b', wallet(-2n), inAnHour());
    forgetWalletSessions(-2n);
    assert.equal(cachedSession('a'), undefined);
    assert.equal(cachedSession('b'), undefined);
  });
});
