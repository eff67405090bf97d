import { type Actor, audit } from '../platform/audit.ts';
import { hashSecret, newToken } from '../platform/crypto.ts';
import type { Pool, Queryable } from '../platform/db/pool.ts';
import type { Tx } from '../platform/db/tx.ts';
import { AppError } from '../platform/errors.ts';
import { AGENT_COLUMNS, type Agent, toAgent } from './agents.ts';
import { AGENT_TTL_MS, cacheFor, forgetCached } from './cache.ts';

/** The document's token lifecycle: «создан» -> «Ожидайте подтверждения» -> «Токен подтвержден» -> «Токен отозван». */
export type TokenStatus = 'created' | 'awaiting_confirmation' | 'confirmed' | 'revoked';

export const TOKEN_STATUS_RU: Record<TokenStatus, string> = {
  created: 'Создан',
  awaiting_confirmation: 'Ожидайте подтверждения',
  confirmed: 'Токен подтвержден',
  revoked: 'Токен отозван',
};

export interface TokenInfo {
  id: bigint;
  agentId: bigint;
  status: TokenStatus;
  createdAt: Date;
}

/**
 * Creates a token for an agent and submits it for confirmation (the document: a new token goes to
 * the processing operator at once). Only its hash is stored; the token is shown once.
 */
export async function createToken(
  tx: Tx,
  agent: Agent,
  actor: Actor,
  options: { token?: string; submit?: boolean } = {},
): Promise<{ id: bigint; token: string; status: TokenStatus }> {
  const token = options.token ?? newToken(32);
  if (token.length < 12) throw new AppError('validation', 'processing.token', 'токен слишком короткий');
  const status: TokenStatus = options.submit === false ? 'created' : 'awaiting_confirmation';
  const { rows } = await tx.query<{ id: bigint }>(
    `INSERT INTO processing.agent_tokens (agent_id, token_hash, status) VALUES ($1, $2, $3)
     ON CONFLICT (token_hash) DO NOTHING RETURNING id`,
    [agent.id, hashSecret(token), status],
  );
  if (!rows[0]) throw new AppError('conflict', 'processing.token_exists', 'такой токен уже существует');
  await audit(tx, {
    actor,
    action: 'processing.token.create',
    subjectType: 'agent_token',
    subjectId: String(rows[0].id),
    details: { agentId: agent.id, status },
  });
  return { id: rows[0].id, token, status };
}

const TRANSITIONS: Record<'submit' | 'confirm' | 'revoke', { from: TokenStatus[]; to: TokenStatus }> = {
  submit: { from: ['created'], to: 'awaiting_confirmation' },
  confirm: { from: ['awaiting_confirmation'], to: 'confirmed' },
  revoke: { from: ['created', 'awaiting_confirmation', 'confirmed'], to: 'revoked' },
};

/** Moves a token along its lifecycle; any other move is refused. */
export async function changeToken(
  tx: Tx,
  tokenId: bigint,
  action: 'submit' | 'confirm' | 'revoke',
  actor: Actor,
): Promise<TokenInfo> {
  const rule = TRANSITIONS[action];
  const { rows } = await tx.query<{ id: bigint; agent_id: bigint; status: TokenStatus; created_at: Date }>(
    `UPDATE processing.agent_tokens SET status = $2,
       confirmed_at = CASE WHEN $2 = 'confirmed' THEN now() ELSE confirmed_at END,
       revoked_at = CASE WHEN $2 = 'revoked' THEN now() ELSE revoked_at END
     WHERE id = $1 AND status = ANY ($3::text[])
     RETURNING id, agent_id, status, created_at`,
    [tokenId, rule.to, rule.from],
  );
  if (!rows[0]) {
    const current = await tx.query<{ status: TokenStatus }>(
      'SELECT status FROM processing.agent_tokens WHERE id = $1',
      [tokenId],
    );
    if (!current.rows[0])
      throw new AppError('not_found', 'processing.token_not_found', `токен ${tokenId} не найден`);
    throw new AppError(
      'conflict',
      'processing.token_state',
      `токен ${tokenId} в статусе «${TOKEN_STATUS_RU[current.rows[0].status]}»: действие ${action} невозможно`,
    );
  }
  const r = rows[0];
  forgetCached();
  await audit(tx, {
    actor,
    action: `processing.token.${action}`,
    subjectType: 'agent_token',
    subjectId: String(r.id),
    details: { agentId: r.agent_id, status: r.status },
  });
  return { id: r.id, agentId: r.agent_id, status: r.status, createdAt: r.created_at };
}

export async function listTokens(db: Queryable, agent: Agent): Promise<TokenInfo[]> {
  const { rows } = await db.query<{ id: bigint; agent_id: bigint; status: TokenStatus; created_at: Date }>(
    'SELECT id, agent_id, status, created_at FROM processing.agent_tokens WHERE agent_id = $1 ORDER BY id',
    [agent.id],
  );
  return rows.map((r) => ({ id: r.id, agentId: r.agent_id, status: r.status, createdAt: r.created_at }));
}

export type Credentials = { kind: 'bearer'; token: string } | { kind: 'basic'; login: string; token: string };

/** `Authorization: Bearer <token>` or `Basic base64(login:token)`; anything else: undefined. */
export function readAuthorization(header: string | undefined): Credentials | undefined {
  if (!header) return undefined;
  const [scheme, value = ''] = header.trim().split(/\s+/, 2);
  if (/^bearer$/i.test(scheme ?? '') && value) return { kind: 'bearer', token: value };
  if (/^basic$/i.test(scheme ?? '') && value) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) return undefined;
    return { kind: 'basic', login: decoded.slice(0, colon), token: decoded.slice(colon + 1) };
  }
  return undefined;
}

type TokenAgentRow = Parameters<typeof toAgent>[0] & { ip_allowed: boolean };

/** A confirmed token's agent, and whether `address` is allowed for it; undefined: no such token. */
async function tokenAgent(
  db: Queryable,
  tokenHash: string,
  address: string,
): Promise<{ agent: Agent; ipAllowed: boolean } | undefined> {
  const { rows } = await db.query<TokenAgentRow>(
    `SELECT ${AGENT_COLUMNS},
       NOT EXISTS (SELECT 1 FROM processing.agent_ips i WHERE i.agent_id = a.id)
         OR EXISTS (SELECT 1 FROM processing.agent_ips i WHERE i.agent_id = a.id AND $2::inet <<= i.ip) AS ip_allowed
     FROM processing.agent_tokens t JOIN processing.agents a ON a.id = t.agent_id
     WHERE t.token_hash = $1 AND t.status = 'confirmed'`,
    [tokenHash, address],
  );
  const row = rows[0];
  return row && { agent: toAgent(row), ipAllowed: row.ip_allowed };
}

function requireCredentials(credentials: Credentials | undefined): Credentials {
  if (!credentials)
    throw new AppError(
      'unauthorized',
      'processing.no_token',
      'требуется авторизация: Authorization: Bearer <токен>',
    );
  return credentials;
}

function plainAddress(ip: string): string {
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}

function admit(
  found: { agent: Agent; ipAllowed: boolean } | undefined,
  credentials: Credentials,
  address: string,
): Agent {
  if (!found || (credentials.kind === 'basic' && credentials.login !== found.agent.login))
    throw new AppError('unauthorized', 'processing.bad_token', 'токен не найден, не подтвержден или отозван');
  if (!found.ipAllowed)
    throw new AppError('forbidden', 'processing.ip_denied', `запросы с адреса ${address} не разрешены`);
  return found.agent;
}

/**
 * The agent behind a request: a confirmed token (and, with Basic, the agent's own login), from an
 * allowed IP address when the agent has an allowlist. One query.
 */
export async function authenticateAgent(
  db: Queryable,
  credentials: Credentials | undefined,
  ip: string,
): Promise<Agent> {
  const c = requireCredentials(credentials);
  const address = plainAddress(ip);
  return admit(await tokenAgent(db, hashSecret(c.token), address), c, address);
}

/**
 * `authenticateAgent` for the agent protocol's hot path: the answer for a (token, address) is kept
 * for AGENT_TTL_MS (src/processing/cache.ts); a token revoked or an allowlist changed through
 * this process takes effect at once, through another process (the CLI) within that time. Unknown,
 * unconfirmed and revoked tokens are asked about every time.
 */
export async function authenticateAgentCached(
  pool: Pool,
  credentials: Credentials | undefined,
  ip: string,
): Promise<Agent> {
  const c = requireCredentials(credentials);
  const address = plainAddress(ip);
  const hash = hashSecret(c.token);
  const found = await cacheFor<{ agent: Agent; ipAllowed: boolean } | undefined>(
    pool,
    'token-agent',
    AGENT_TTL_MS,
  ).get(`${hash} ${address}`, () => tokenAgent(pool, hash, address));
  return admit(found, c, address);
}
