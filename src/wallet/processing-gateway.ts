import type { AppContext } from '../platform/context.ts';
import { AppError } from '../platform/errors.ts';
import { formatRoubles, type Kopecks } from '../platform/money.ts';
import { type Agent, findAgent } from '../processing/agents.ts';
import type { Service } from '../processing/catalog.ts';
import { checkPayment } from '../processing/check.ts';
import { isFinal, ProcessingRefusal, RESULT, type ResultCode } from '../processing/finality.ts';
import { payment } from '../processing/pay.ts';
import { findPayment } from '../processing/payments.ts';
import type { RawPaymentRequest } from '../processing/requests.ts';

/**
 * The wallet is an agent of the processing centre (login WALLET_AGENT_LOGIN): its payments go
 * through the centre's own service functions, exactly as an agent's requests over the wire do.
 * This file is the only place the wallet touches the processing module.
 */

const agents = new WeakMap<object, Map<string, Agent>>();

/** The agent a wallet pays through: `login` for shard 0, `login-<n>` for shard n = wallet id mod shards. */
export function agentLogin(config: AppContext['config'], walletId: bigint): string {
  const shard = Number(walletId % BigInt(config.walletAgentShards));
  return shard === 0 ? config.walletAgentLogin : `${config.walletAgentLogin}-${shard}`;
}

/** A wallet agent by login or id; cached once it has been topped up (that never reverts). */
async function cachedAgent(ctx: AppContext, key: string): Promise<Agent> {
  let cache = agents.get(ctx.pool);
  if (!cache) {
    cache = new Map();
    agents.set(ctx.pool, cache);
  }
  const cached = cache.get(key);
  if (cached) return cached;
  let agent: Agent;
  try {
    agent = await findAgent(ctx.pool, key);
  } catch (error) {
    if (error instanceof AppError && error.kind === 'not_found')
      throw new AppError('unavailable', 'processing.no_wallet_agent', 'платежи временно недоступны');
    throw error;
  }
  if (agent.toppedUp) {
    cache.set(agent.login, agent);
    cache.set(String(agent.id), agent);
  }
  return agent;
}

/** The agent this wallet's new payments go through. */
export function walletAgent(ctx: AppContext, walletId: bigint): Promise<Agent> {
  return cachedAgent(ctx, agentLogin(ctx.config, walletId));
}

/** The agent a payment went through (stored with it at pay). */
export function agentById(ctx: AppContext, id: bigint): Promise<Agent> {
  return cachedAgent(ctx, String(id));
}

export interface GatewayPayment {
  id: bigint;
  amount: Kopecks;
  fee: Kopecks;
  createdAt: Date;
  parameters: { code: string; value: string }[];
}

/** The account is the service's `account` input, or its first input; every other input is an extra. */
function rawRequest(service: Service, p: GatewayPayment): RawPaymentRequest {
  const values = new Map(p.parameters.map((x) => [x.code, x.value]));
  const accountInput = service.inputs.find((i) => i.name === 'account') ?? service.inputs[0];
  const extras: Record<string, string> = {};
  for (const [code, value] of values) if (code !== 'account') extras[code] = value;
  return {
    serviceId: service.id,
    account: (accountInput && values.get(accountInput.name)) || '',
    agentTransactionId: String(p.id),
    agentTransactionDate: p.createdAt.toISOString().slice(0, 19),
    amountTo: formatRoubles(p.amount),
    amountFrom: formatRoubles(p.amount + p.fee),
    extras,
  };
}

export interface GatewayAnswer {
  result: ResultCode;
  final: boolean;
  message: string;
  displays?: Record<string, string>;
}

function refusal(error: unknown): GatewayAnswer {
  if (error instanceof ProcessingRefusal)
    return { result: error.result, final: isFinal(error.result), message: error.message };
  throw error;
}

/** The provider's check (account, displays, requested parameters). Nothing is stored by it. */
export async function checkThroughProcessing(
  ctx: AppContext,
  agent: Agent,
  service: Service,
  p: GatewayPayment,
): Promise<GatewayAnswer> {
  try {
    const { agentTransactionDate: _date, amountFrom: _from, ...raw } = rawRequest(service, p);
    const outcome = await checkPayment(ctx, agent, raw);
    return {
      result: outcome.result,
      final: isFinal(outcome.result),
      message: outcome.message,
      ...(outcome.displays ? { displays: outcome.displays } : {}),
    };
  } catch (error) {
    return refusal(error);
  }
}

/** The pay, idempotent by the wallet payment's id as agentTransactionId: a repeat gets the stored state. */
export async function payThroughProcessing(
  ctx: AppContext,
  agent: Agent,
  service: Service,
  p: GatewayPayment,
): Promise<GatewayAnswer> {
  try {
    const outcome = await payment(ctx, agent, rawRequest(service, p));
    return { result: outcome.result, final: isFinal(outcome.result), message: outcome.message };
  } catch (error) {
    if (error instanceof AppError && error.kind === 'unavailable')
      return { result: RESULT.inProgress, final: false, message: error.message };
    return refusal(error);
  }
}

/** What the processing centre knows about the wallet payment now; undefined: it never got it. */
export async function processingState(
  ctx: AppContext,
  agent: Agent,
  paymentId: bigint,
): Promise<GatewayAnswer | undefined> {
  const row = await findPayment(ctx.pool, agent.id, paymentId);
  if (!row) return undefined;
  return { result: row.result, final: row.final, message: row.result_message };
}
