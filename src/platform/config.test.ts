import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from './config.ts';

function refuses(env: Record<string, string>, variable: string) {
  assert.throws(
    () => loadConfig(env),
    (e: unknown) =>
      e instanceof ConfigError && e.variable === variable && e.message.startsWith(`${variable}: `),
  );
}

describe('loadConfig', () => {
  it('has working defaults', () => {
    const c = loadConfig({});
    assert.equal(c.port, 8080);
    assert.equal(c.host, '127.0.0.1');
    assert.equal(c.databaseUrl, undefined);
    assert.equal(c.mode, 'development');
    assert.ok(c.dataDir.endsWith('.data'));
  });
  it('reads valid values', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    const c = loadConfig({
      PORT: '9000',
      DATABASE_URL: 'postgres://u:p@db:5432/k',
      KOPEK_DATA_KEY: key,
      KOPEK_JOBS: 'off',
    });
    assert.equal(c.port, 9000);
    assert.equal(c.databaseUrl, 'postgres://u:p@db:5432/k');
    assert.equal(c.dataKey?.length, 32);
    assert.equal(c.jobsEnabled, false);
  });
  it('names the variable of every wrong value', () => {
    refuses({ PORT: 'abc' }, 'PORT');
    refuses({ PORT: '70000' }, 'PORT');
    refuses({ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL');
    refuses({ DATABASE_URL: 'not a url' }, 'DATABASE_URL');
    refuses({ LOG_LEVEL: 'loud' }, 'LOG_LEVEL');
    refuses({ KOPEK_ENV: 'staging' }, 'KOPEK_ENV');
    refuses({ KOPEK_DATA_KEY: 'c2hvcnQ=' }, 'KOPEK_DATA_KEY');
    refuses({ TLS_CERT_FILE: '/x.pem' }, 'TLS_KEY_FILE');
    refuses({ KOPEK_SESSION_SECRET: 'short' }, 'KOPEK_SESSION_SECRET');
    refuses({ DB_POOL_SIZE: '0' }, 'DB_POOL_SIZE');
  });
  it('requires secrets in production', () => {
    refuses({ KOPEK_ENV: 'production' }, 'KOPEK_DATA_KEY');
    refuses(
      { KOPEK_ENV: 'production', KOPEK_DATA_KEY: Buffer.alloc(32).toString('base64') },
      'KOPEK_SESSION_SECRET',
    );
  });
});
