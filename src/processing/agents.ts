import { randomUUID } from 'node:crypto';
import { enqueue } from '../jobs/queue.ts';
import { getAccount, move, openAccount, setBounds, transfer } from '../ledger/index.ts';
import { settlementAccount } from '../ledger/system-accounts.ts';
import { type Actor, audit } from '../platform/audit.ts';
import type { Queryable } from '../platform/db/pool.ts';
import type { Tx } from '../platform/db/tx.ts';
import { AppError } from '../platform/errors.ts';
import type { Logger } from '../platform/logging.ts';
import type { Kopecks } from '../platform/money.ts';
import { agentAccountCode } from './accounts.ts';
import { forgetCached } from './cache.ts';

export interface Agent {
  id: bigint;
  login: string;
  name: string;
  currency: string;
  accountId: bigint;
  overdraft: Kopecks;
  notification: Kopecks;
  webhookUrl: string | null;
  toppedUp: boolean;
}

interface AgentRow {
  id: bigint;
  login: string;
  name: string;
  currency: string;
  account_id: bigint;
  overdraft: bigint;
  notification: bigint;
  webhook_url: string | null;
  topped_up: boolean;
}

export const AGENT_COLUMNS = `a.id, a.login, a.name, a.currency, a.account_id, a.overdraft, a.notification,
  a.webhook_url, a.topped_up_at IS NOT NULL AS topped_up`;

export function toAgent(r: AgentRow): Agent {
  return {
    id: r.id,
    login: r.login,
    name: r.name,
    currency: r.currency,
    accountId: r.account_id,
    overdraft: r.overdraft,
    notification: r.notification,
    webhookUrl: r.webhook_url,
    toppedUp: r.topped_up,
  };
}

export interface NewAgent {
  login: string;
  name: string;
  currency: string;
  overdraft?: Kopecks;
  notification?: Kopecks;
  webhookUrl?: string | null;
}

/** Creates an agent and its ledger balance account (lower bound = -overdraft). */
export async function createAgent(tx: Tx, input: NewAgent, actor: Actor): Promise<Agent> {
  if (!/^[A-Za-z0-9_.-]{1,64}$/.test(input.login))
    throw new AppError('validation', 'processing.agent_login', 'логин: латинские буквы, цифры, _ . -');
  if (!/^[A-Z]{3}$/.test(input.currency))
    throw new AppError('validation', 'processing.currency', `неверный код валюты: ${input.currency}`);
  const overdraft = input.overdraft ?? 0n;
  if (overdraft < 0n)
    throw new AppError('validation', 'processing.overdraft', 'овердрафт не может быть отрицательным');
  const existing = await tx.query('SELECT 1 FROM processing.agents WHERE login = $1', [input.login]);
  if (existing.rowCount)
    throw new AppError('conflict', 'processing.agent_exists', `агент ${input.login} уже существует`);
  const { rows } = await tx.query<{ id: bigint }>(
    `SELECT nextval(pg_get_serial_sequence('processing.agents', 'id')) AS id`,
  );
  const id = rows[0]!.id;
  const account = await openAccount(tx, {
    code: agentAccountCode(id),
    ownerType: 'agent',
    ownerId: String(id),
    kind: 'agent_balance',
    currency: input.currency,
    lowerBound: -overdraft,
  });
  await tx.query(
    `INSERT INTO processing.agents (id, login, name, currency, account_id, overdraft, notification, webhook_url)
     OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      id,
      input.login,
      input.name,
      input.currency,
      account.id,
      overdraft,
      input.notification ?? 0n,
      input.webhookUrl ?? null,
    ],
  );
  await audit(tx, {
    actor,
    action: 'processing.agent.create',
    subjectType: 'agent',
    subjectId: String(id),
    details: {
      login: input.login,
      currency: input.currency,
      overdraft,
      notification: input.notification ?? 0n,
    },
  });
  return getAgent(tx, id);
}

export async function getAgent(db: Queryable, id: bigint): Promise<Agent> {
  const { rows } = await db.query<AgentRow>(
    `SELECT ${AGENT_COLUMNS} FROM processing.agents a WHERE a.id = $1`,
    [id],
  );
  if (!rows[0]) throw new AppError('not_found', 'processing.agent_not_found', `агент ${id} не найден`);
  return toAgent(rows[0]);
}

/** An agent by id (digits) or login. */
export async function findAgent(db: Queryable, idOrLogin: string): Promise<Agent> {
  const byId = /^\d{1,18}$/.test(idOrLogin);
  const { rows } = await db.query<AgentRow>(
    `SELECT ${AGENT_COLUMNS} FROM processing.agents a WHERE ${byId ? 'a.id = $1::bigint' : 'a.login = $1'}`,
    [idOrLogin],
  );
  if (!rows[0]) throw new AppError('not_found', 'processing.agent_not_found', `агент ${idOrLogin} не найден`);
  return toAgent(rows[0]);
}

export async function listAgents(db: Queryable): Promise<Agent[]> {
  const { rows } = await db.query<AgentRow>(`SELECT ${AGENT_COLUMNS} FROM processing.agents a ORDER BY a.id`);
  return rows.map(toAgent);
}

export interface AgentBalance {
  agent: Agent;
  /** Posted balance less funds reserved by payments in progress. */
  available: Kopecks;
  balance: Kopecks;
  reserved: Kopecks;
}

export async function agentBalance(db: Queryable, agent: Agent): Promise<AgentBalance> {
  const account = await getAccount(db, agent.accountId);
  return { agent, available: account.available, balance: account.balance, reserved: account.pendingDebits };
}

/**
 * An operator's top-up (positive) or correction (either sign): one ledger transfer against the
 * settlement account, with its audit record, in the caller's transaction.
 */
export async function adjustBalance(
  tx: Tx,
  agent: Agent,
  input: { amount: Kopecks; kind: 'topup' | 'correction'; reason: string; key?: string },
  actor: Actor,
): Promise<bigint> {
  if (input.amount === 0n)
    throw new AppError('validation', 'processing.amount', 'сумма не может быть нулевой');
  if (input.kind === 'topup' && input.amount < 0n)
    throw new AppError('validation', 'processing.amount', 'сумма пополнения должна быть положительной');
  const settlement = await settlementAccount(tx, agent.currency);
  const entries =
    input.amount > 0n
      ? move(settlement.id, agent.accountId, input.amount)
      : move(agent.accountId, settlement.id, -input.amount);
  const result = await transfer(tx, {
    key: input.key ?? `processing:${input.kind}:${randomUUID()}`,
    kind: `processing.agent.${input.kind}`,
    entries,
    description: input.reason,
    metadata: { agentId: agent.id },
  });
  if (input.kind === 'topup') {
    forgetCached();
    await tx.query(
      'UPDATE processing.agents SET topped_up_at = coalesce(topped_up_at, now()) WHERE id = $1',
      [agent.id],
    );
  }
  await audit(tx, {
    actor,
    action: `processing.agent.${input.kind}`,
    subjectType: 'agent',
    subjectId: String(agent.id),
    details: { amount: input.amount, reason: input.reason, transferId: result.id },
  });
  return result.id;
}

/** Sets the overdraft: the ledger's lower bound of the agent's balance becomes -overdraft. */
export async function setOverdraft(tx: Tx, agent: Agent, overdraft: Kopecks, actor: Actor): Promise<void> {
  if (overdraft < 0n)
    throw new AppError('validation', 'processing.overdraft', 'овердрафт не может быть отрицательным');
  await setBounds(tx, agent.accountId, { lowerBound: -overdraft, upperBound: null });
  await tx.query('UPDATE processing.agents SET overdraft = $2 WHERE id = $1', [agent.id, overdraft]);
  forgetCached();
  await audit(tx, {
    actor,
    action: 'processing.agent.overdraft',
    subjectType: 'agent',
    subjectId: String(agent.id),
    details: { from: agent.overdraft, to: overdraft },
  });
}

export async function setNotification(
  tx: Tx,
  agent: Agent,
  input: { notification: Kopecks; webhookUrl?: string | null },
  actor: Actor,
): Promise<void> {
  await tx.query(
    'UPDATE processing.agents SET notification = $2, webhook_url = coalesce($3, webhook_url) WHERE id = $1',
    [agent.id, input.notification, input.webhookUrl ?? null],
  );
  forgetCached();
  await audit(tx, {
    actor,
    action: 'processing.agent.notification',
    subjectType: 'agent',
    subjectId: String(agent.id),
    details: { notification: input.notification, webhookUrl: input.webhookUrl ?? null },
  });
}

export async function allowIp(tx: Tx, agent: Agent, ip: string, actor: Actor, remove = false): Promise<void> {
  try {
    if (remove)
      await tx.query('DELETE FROM processing.agent_ips WHERE agent_id = $1 AND ip = $2::inet', [
        agent.id,
        ip,
      ]);
    else
      await tx.query(
        'INSERT INTO processing.agent_ips (agent_id, ip) VALUES ($1, $2::inet) ON CONFLICT DO NOTHING',
        [agent.id, ip],
      );
  } catch (error) {
    if ((error as { code?: string }).code === '22P02')
      throw new AppError('validation', 'processing.ip', `неверный IP-адрес: ${ip}`);
    throw error;
  }
  forgetCached();
  await audit(tx, {
    actor,
    action: remove ? 'processing.agent.disallow_ip' : 'processing.agent.allow_ip',
    subjectType: 'agent',
    subjectId: String(agent.id),
    details: { ip },
  });
}

export async function agentIps(db: Queryable, agent: Agent): Promise<string[]> {
  const { rows } = await db.query<{ ip: string }>(
    "SELECT host(ip) || CASE WHEN masklen(ip) < 32 AND family(ip) = 4 OR masklen(ip) < 128 AND family(ip) = 6 THEN '/' || masklen(ip) ELSE '' END AS ip FROM processing.agent_ips WHERE agent_id = $1 ORDER BY ip",
    [agent.id],
  );
  return rows.map((r) => r.ip);
}

/**
 * Notification threshold: one event each time the agent's available balance crosses below its
 * `notification` amount (and the flag resets when it comes back above). The event is logged and
 * delivered to the agent's webhook by a job, committed with the change that caused it.
 */
export async function noteBalance(tx: Tx, agentId: bigint, log: Logger): Promise<void> {
  const { rows } = await tx.query<{ id: bigint; below: boolean; available: bigint; notification: bigint }>(
    `UPDATE processing.agents a
     SET below_notification = (acc.balance - acc.pending_debits) < a.notification
     FROM ledger.accounts acc
     WHERE a.id = $1 AND acc.id = a.account_id
       AND a.below_notification IS DISTINCT FROM ((acc.balance - acc.pending_debits) < a.notification)
     RETURNING a.id, a.below_notification AS below, acc.balance - acc.pending_debits AS available, a.notification`,
    [agentId],
  );
  const row = rows[0];
  if (!row?.below) return;
  log.warn(
    { agentId: String(row.id), available: String(row.available), notification: String(row.notification) },
    'processing: agent balance below notification threshold',
  );
  await enqueue(tx, 'processing:balance_notification', {
    agentId: row.id,
    available: row.available,
    notification: row.notification,
    at: new Date().toISOString(),
  });
}
