import os from 'node:os';
import path from 'node:path';

/**
 * Connections a process keeps: more backends than the cores can run only queue in the kernel and
 * lengthen the tail. Measured on 2 cores (bench/RESULTS.md, session 5): 40 gave the longest tails
 * (reads and BNPL init most), 8 starved the processing centre's checks, 16 did well on both.
 */
export const DEFAULT_DB_POOL_SIZE = Math.min(64, Math.max(8, os.availableParallelism() * 8));

/** A configuration value that cannot be used; the process reports it in one line and exits 2. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    reason: string,
  ) {
    super(`${variable}: ${reason}`);
    this.name = 'ConfigError';
  }
}

export type Mode = 'development' | 'production' | 'test';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface Config {
  mode: Mode;
  host: string;
  port: number;
  /** Absent: start the embedded PostgreSQL in `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  embeddedPgPort: number;
  dbPoolSize: number;
  /** HTTP processes of `kopek serve` sharing the port (node:cluster); 1: the serving process itself. */
  httpProcesses: number;
  logLevel: LogLevel;
  tls: { certFile: string; keyFile: string } | undefined;
  /** 32-byte key for personal data at rest; absent: generated into the data dir (not in production). */
  dataKey: Buffer | undefined;
  sessionSecret: string | undefined;
  jobsEnabled: boolean;
  jobConcurrency: number;
  seedDemo: 'auto' | 'always' | 'never';
  /** Lifetime of a "Моя МФО" ASP signing code (dealsign/code). */
  mymfoSignCodeTtlMinutes: number;
  /**
   * Who sends the ASP code to the borrower: `site` — dealsign/code answers it in `Code` and the
   * site sends the SMS, as the document says; `sms` — Kopek sends it and `Code` stays empty.
   */
  mymfoSignCodeDelivery: 'site' | 'sms';
  /** Path the "Моя МФО" site API is served under (the 1C publication's `/<catalogue>/hs`). */
  mymfoBasePath: string;
  /** mserver 2 wallet "dev server": DELETE /v1/wallet works and a new wallet gets 10 000 roubles. */
  walletDevMode: boolean;
  /** Idle lifetime of a wallet session (cookie JSESSIONID). */
  walletSessionTtlMinutes: number;
  /** Login of the processing-centre agent the wallet pays through. */
  walletAgentLogin: string;
  /** Agents the wallets are spread over (`wallet`, `wallet-1` …): one agent's balance row is a lock every payment takes. */
  walletAgentShards: number;
  /** Moneywall checkout: the card acquirer's base URL; absent: the simulator (development only). */
  bnplAcquiringUrl: string | undefined;
  /** SMS operator's base URL (notify's HTTP adapter); absent: the in-process simulator. */
  smsGatewayUrl: string | undefined;
  /** Lending: the card payout service's base URL (issue and refund to a card); absent: the simulator (development only). */
  lendingCardPayoutUrl: string | undefined;
  /**
   * The externally visible base URL (`https://pay.example.ru`, no trailing slash) absolute links
   * such as Moneywall's `frame_url` are built from, never the request's Host header. Absent:
   * `http(s)://<HOST>:<PORT>` of the address this process listens on.
   */
  publicUrl: string | undefined;
}

type Env = Record<string, string | undefined>;

/** Every variable Kopek reads, with its meaning; the README table is written from this list. */
export const CONFIG_VARIABLES: ReadonlyArray<{ name: string; default: string; meaning: string }> = [
  { name: 'KOPEK_ENV', default: 'development', meaning: 'development, production or test' },
  { name: 'HOST', default: '127.0.0.1', meaning: 'address to listen on' },
  { name: 'PORT', default: '8080', meaning: 'port to listen on' },
  {
    name: 'DATABASE_URL',
    default: '(embedded)',
    meaning: 'PostgreSQL 15+ URL; when absent the embedded server starts',
  },
  { name: 'KOPEK_DATA_DIR', default: './.data', meaning: 'embedded database and generated demo secrets' },
  { name: 'KOPEK_EMBEDDED_PG_PORT', default: '54329', meaning: 'loopback port of the embedded PostgreSQL' },
  { name: 'DB_POOL_SIZE', default: '8 × CPU cores (8–64)', meaning: 'connections per process' },
  { name: 'LOG_LEVEL', default: 'info', meaning: 'fatal, error, warn, info, debug, trace or silent' },
  { name: 'TLS_CERT_FILE', default: '', meaning: 'PEM certificate: serve HTTPS (with TLS_KEY_FILE)' },
  { name: 'TLS_KEY_FILE', default: '', meaning: 'PEM private key for TLS_CERT_FILE' },
  {
    name: 'KOPEK_DATA_KEY',
    default: '(generated)',
    meaning: 'base64 of 32 bytes, encrypts personal data; required in production',
  },
  {
    name: 'KOPEK_SESSION_SECRET',
    default: '(generated)',
    meaning: 'at least 32 characters, signs sessions; required in production',
  },
  {
    name: 'KOPEK_JOBS',
    default: 'on',
    meaning: 'on: this process also runs background jobs; off: HTTP only',
  },
  { name: 'KOPEK_JOB_CONCURRENCY', default: '4', meaning: 'jobs run at once by this process' },
  {
    name: 'KOPEK_SEED_DEMO',
    default: 'auto',
    meaning: 'auto (empty embedded database only), always or never',
  },
  {
    name: 'MYMFO_SIGN_CODE_TTL_MINUTES',
    default: '10',
    meaning: '"Моя МФО": minutes an ASP signing code (dealsign/code) stays valid',
  },
  {
    name: 'MYMFO_BASE_PATH',
    default: '/MeMFOWork/hs',
    meaning: 'path of the "Моя МФО" site API (the 1C publication\'s /<catalogue>/hs)',
  },
  {
    name: 'WALLET_DEV_MODE',
    default: '(on unless production)',
    meaning: 'mserver 2 wallet dev server: on: new wallets get 10 000 roubles, DELETE /v1/wallet works',
  },
  {
    name: 'WALLET_SESSION_TTL_MINUTES',
    default: '30',
    meaning: 'mserver 2 wallet: idle minutes before a session (JSESSIONID) expires',
  },
  {
    name: 'WALLET_AGENT_LOGIN',
    default: 'wallet',
    meaning: 'mserver 2 wallet: login of the processing-centre agent its payments go through',
  },
  {
    name: 'WALLET_AGENT_SHARDS',
    default: '1',
    meaning: 'mserver 2 wallet: wallets are spread over this many agents (login, login-1, …) by wallet id',
  },
  {
    name: 'BNPL_ACQUIRING_URL',
    default: '(simulator)',
    meaning: 'Moneywall checkout: base URL of the card acquirer; in development the loopback simulator',
  },
  {
    name: 'SMS_GATEWAY_URL',
    default: '(simulator)',
    meaning:
      'base URL of the SMS operator (POST /messages {phone, text} -> {id}); absent: the in-process simulator',
  },
  {
    name: 'LENDING_CARD_PAYOUT_URL',
    default: '(simulator)',
    meaning:
      'lending: base URL of the card payout service (issue and refund to a card); in development the loopback simulator',
  },
  {
    name: 'KOPEK_PUBLIC_URL',
    default: 'http(s)://HOST:PORT',
    meaning:
      'externally visible base URL (no trailing slash) of links Kopek gives out, e.g. Moneywall frame_url',
  },
];

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if ((allowed as readonly string[]).includes(raw)) return raw as T;
  throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got '${raw}'`);
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(name, `must be a whole number from ${min} to ${max}, got '${raw}'`);
  }
  return Number(raw);
}

function databaseUrl(env: Env): string | undefined {
  const raw = env.DATABASE_URL;
  if (raw === undefined || raw === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(
      'DATABASE_URL',
      'is not a URL (expected postgres://user:password@host:port/database)',
    );
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(
      'DATABASE_URL',
      `must start with postgres:// or postgresql://, got '${url.protocol}//'`,
    );
  }
  return raw;
}

function dataKey(env: Env): Buffer | undefined {
  const raw = env.KOPEK_DATA_KEY;
  if (raw === undefined || raw === '') return undefined;
  const key = Buffer.from(raw, 'base64');
  if (key.length !== 32 || key.toString('base64') !== raw) {
    throw new ConfigError(
      'KOPEK_DATA_KEY',
      'must be the base64 of exactly 32 bytes (openssl rand -base64 32)',
    );
  }
  return key;
}

/** A URL path prefix: starts with `/`, no trailing `/`, plain path characters only. */
function basePath(env: Env, name: string, fallback: string): string {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const trimmed = raw.replace(/\/+$/, '');
  if (!/^(\/[A-Za-z0-9._~-]+)+$/.test(trimmed))
    throw new ConfigError(name, `must be a path such as /MeMFOWork/hs, got '${raw}'`);
  return trimmed;
}

/** An optional http(s) base URL, without the trailing slash. */
function httpUrl(env: Env, name: string): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  if (!/^https?:\/\/[^\s/]+/i.test(raw)) throw new ConfigError(name, `must be an http(s) URL, got '${raw}'`);
  return raw.replace(/\/+$/, '');
}

/** The public base URL: http(s), a host, an optional path, no trailing slash, query or credentials. */
function publicUrl(env: Env): string | undefined {
  const raw = env.KOPEK_PUBLIC_URL;
  if (raw === undefined || raw === '') return undefined;
  const wrong = (why: string) =>
    new ConfigError('KOPEK_PUBLIC_URL', `${why}, e.g. https://pay.example.ru; got '${raw}'`);
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw wrong('must be an http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw wrong('must start with http:// or https://');
  if (url.username || url.password || url.search || url.hash || raw.includes('?') || raw.includes('#'))
    throw wrong('must have no credentials, query or fragment');
  if (raw.endsWith('/')) throw wrong('must not end with a slash');
  return raw;
}

export function loadConfig(env: Env = process.env): Config {
  const mode = oneOf<Mode>(env, 'KOPEK_ENV', ['development', 'production', 'test'], 'development');
  const certFile = env.TLS_CERT_FILE || undefined;
  const keyFile = env.TLS_KEY_FILE || undefined;
  if (Boolean(certFile) !== Boolean(keyFile)) {
    throw new ConfigError(
      certFile ? 'TLS_KEY_FILE' : 'TLS_CERT_FILE',
      'TLS needs both TLS_CERT_FILE and TLS_KEY_FILE',
    );
  }
  const sessionSecret = env.KOPEK_SESSION_SECRET || undefined;
  if (sessionSecret !== undefined && sessionSecret.length < 32) {
    throw new ConfigError('KOPEK_SESSION_SECRET', 'must be at least 32 characters long');
  }
  const config: Config = {
    mode,
    host: env.HOST || '127.0.0.1',
    port: integer(env, 'PORT', 8080, 0, 65535),
    databaseUrl: databaseUrl(env),
    dataDir: path.resolve(env.KOPEK_DATA_DIR || './.data'),
    embeddedPgPort: integer(env, 'KOPEK_EMBEDDED_PG_PORT', 54329, 1024, 65535),
    dbPoolSize: integer(env, 'DB_POOL_SIZE', DEFAULT_DB_POOL_SIZE, 1, 500),
    httpProcesses: integer(env, 'KOPEK_HTTP_PROCESSES', 1, 1, 64),
    logLevel: oneOf<LogLevel>(
      env,
      'LOG_LEVEL',
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'],
      mode === 'test' ? 'silent' : 'info',
    ),
    tls: certFile && keyFile ? { certFile, keyFile } : undefined,
    dataKey: dataKey(env),
    sessionSecret,
    jobsEnabled: oneOf(env, 'KOPEK_JOBS', ['on', 'off'], 'on') === 'on',
    jobConcurrency: integer(env, 'KOPEK_JOB_CONCURRENCY', 4, 1, 64),
    seedDemo: oneOf(env, 'KOPEK_SEED_DEMO', ['auto', 'always', 'never'], 'auto'),
    mymfoSignCodeTtlMinutes: integer(env, 'MYMFO_SIGN_CODE_TTL_MINUTES', 10, 1, 1440),
    mymfoSignCodeDelivery: oneOf(env, 'MYMFO_SIGN_CODE_DELIVERY', ['site', 'sms'], 'site'),
    mymfoBasePath: basePath(env, 'MYMFO_BASE_PATH', '/MeMFOWork/hs'),
    walletDevMode:
      oneOf(env, 'WALLET_DEV_MODE', ['on', 'off'], mode === 'production' ? 'off' : 'on') === 'on',
    walletSessionTtlMinutes: integer(env, 'WALLET_SESSION_TTL_MINUTES', 30, 1, 10_080),
    walletAgentLogin: env.WALLET_AGENT_LOGIN || 'wallet',
    walletAgentShards: integer(env, 'WALLET_AGENT_SHARDS', 1, 1, 64),
    bnplAcquiringUrl: httpUrl(env, 'BNPL_ACQUIRING_URL'),
    smsGatewayUrl: httpUrl(env, 'SMS_GATEWAY_URL'),
    lendingCardPayoutUrl: httpUrl(env, 'LENDING_CARD_PAYOUT_URL'),
    publicUrl: publicUrl(env),
  };
  if (config.httpProcesses > 1 && mode === 'development')
    // The demo's simulators are wired into the serving process only.
    throw new ConfigError('KOPEK_HTTP_PROCESSES', 'more than 1 needs KOPEK_ENV=production or test');
  if (mode === 'production') {
    if (!config.dataKey) throw new ConfigError('KOPEK_DATA_KEY', 'is required when KOPEK_ENV=production');
    if (!config.sessionSecret)
      throw new ConfigError('KOPEK_SESSION_SECRET', 'is required when KOPEK_ENV=production');
  }
  return config;
}
