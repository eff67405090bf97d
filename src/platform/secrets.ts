import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from './config.ts';

export interface Secrets {
  dataKey: Buffer;
  sessionSecret: string;
}

/**
 * Secrets from configuration; outside production the missing ones are generated once and kept in
 * the data dir, so that the demo's encrypted data stays readable across restarts.
 */
export function resolveSecrets(config: Config): Secrets {
  if (config.dataKey && config.sessionSecret) {
    return { dataKey: config.dataKey, sessionSecret: config.sessionSecret };
  }
  const file = path.join(config.dataDir, 'secrets.json');
  let stored: { dataKey: string; sessionSecret: string };
  try {
    stored = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    stored = {
      dataKey: randomBytes(32).toString('base64'),
      sessionSecret: randomBytes(32).toString('base64url'),
    };
    mkdirSync(config.dataDir, { recursive: true });
    writeFileSync(file, JSON.stringify(stored), { mode: 0o600, flag: 'wx' });
  }
  return {
    dataKey: config.dataKey ?? Buffer.from(stored.dataKey, 'base64'),
    sessionSecret: config.sessionSecret ?? stored.sessionSecret,
  };
}
