/**
 * The idempotent writes the crash, fault and soak benches drive, one entry per face: how to send
 * request `key`, how to read the answer (final success, final refusal, or "ask again"), what of a
 * final answer must be the same on every repeat, and how to count its effect in the database.
 * A new face plugs in by adding one entry here.
 */
import { randomUUID } from 'node:crypto';
import type { Pool } from '../../src/platform/db/pool.ts';
import { posForm } from '../../test/broker/harness.ts';
import { basic } from '../../test/resilience/profiles.ts';

export type Verdict = 'success' | 'refused' | 'again';

export interface WireRequest {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

export interface Driver {
  name: string;
  /** Data the driver needs from the demo database (a deal number, ...), read once. */
  prepare?(pool: Pool): Promise<void>;
  request(key: string): WireRequest;
  verdict(status: number, body: string): Verdict;
  /** The part of a final answer a repeat must give back unchanged. */
  fingerprint(body: string): string;
  /** How many rows the request `key` left (must be exactly 1 for a success). */
  effects(pool: Pool, keys: string[]): Promise<Map<string, number>>;
}

function jsonOf(body: string): Record<string, unknown> {
  try {
    return JSON.parse(body) as Record<string, unknown>;
  } catch {
    return {};
  }
}

async function countBy(pool: Pool, sql: string, keys: string[]): Promise<Map<string, number>> {
  const { rows } = await pool.query<{ k: string; n: string }>(sql, [keys]);
  const out = new Map<string, number>(keys.map((k) => [k, 0]));
  for (const r of rows) out.set(r.k, Number(r.n));
  return out;
}

/** Processing pay (protocol v20), demo agent, simulator service P1011: key = agentTransactionId. */
const processingPay: Driver = {
  name: 'processing pay',
  request(key) {
    return {
      method: 'POST',
      path: '/api/v20/pay',
      headers: { authorization: 'Bearer demo-agent-token', 'content-type': 'application/json' },
      body: `{"serviceId":"P1011","account":"7770017711","agentTransactionId":${key},"agentTransactionDate":"2026-11-23T10:00:00","amountTo":"1.00","amountFrom":"1.00"}`,
    };
  },
  verdict(status, body) {
    const result = jsonOf(body).result;
    if (status >= 500 || typeof result !== 'number' || result === 1 || result === 153 || result === 220)
      return 'again';
    return result === 0 ? 'success' : 'refused';
  },
  fingerprint(body) {
    const b = jsonOf(body);
    return JSON.stringify([b.result, b.transactionId]);
  },
  effects: (pool, keys) =>
    countBy(
      pool,
      `SELECT p.agent_txn_id::text AS k, count(*) AS n FROM processing.payments p
         JOIN processing.agents a ON a.id = p.agent_id
        WHERE a.login = 'demo' AND p.agent_txn_id::text = ANY($1) GROUP BY 1`,
      keys,
    ),
};

let dealNumber = '';
/** "Моя МФО" OSMP pay by QIWI on an issued demo deal: key = txn_id. */
const mymfoPay: Driver = {
  name: 'mymfo OSMP pay',
  async prepare(pool) {
    const { rows } = await pool.query<{ number: string }>(
      `SELECT number FROM lending.deals WHERE status IN ('Выдан', 'Внесен аванс') ORDER BY id LIMIT 1`,
    );
    dealNumber = rows[0]!.number;
  },
  request(key) {
    return {
      method: 'GET',
      path: `/MeMFOWork/hs/Payment/qiwi/?command=pay&txn_id=${key}&txn_date=20261123100000&account=${encodeURIComponent(dealNumber)}&sum=1.00`,
      headers: { authorization: basic('qiwi', 'qiwi-password') },
    };
  },
  verdict(status, body) {
    const result = /<result>(\d+)<\/result>/.exec(body)?.[1];
    if (status >= 500 && !result) return 'again';
    if (result === undefined || result === '1') return 'again';
    return result === '0' ? 'success' : 'refused';
  },
  fingerprint(body) {
    return JSON.stringify([/<result>(\d+)</.exec(body)?.[1], /<prv_txn>([^<]*)</.exec(body)?.[1]]);
  },
  effects: (pool, keys) =>
    countBy(
      pool,
      `SELECT txn_id AS k, count(*) AS n FROM mymfo.payment_txns WHERE service = 'QIWI' AND txn_id = ANY($1) GROUP BY 1`,
      keys,
    ),
};

/** DenimHub create_form by the demo partner: key = external_id. */
const brokerCreateForm: Driver = {
  name: 'broker create_form',
  request(key) {
    return {
      method: 'POST',
      path: '/dp/create_form',
      headers: { authorization: 'Bearer demo-partner-token', 'content-type': 'application/json' },
      body: JSON.stringify(
        posForm('demo-partner', 'demo-point', {
          point_user_code: 'demo-operator',
          external_id: `crash-${key}`,
        }),
      ),
    };
  },
  verdict(status, body) {
    const b = jsonOf(body);
    if (status >= 500 || b.error_code === 1503 || b.error_code === 1500 || !b.status) return 'again';
    return b.status === 'success' ? 'success' : 'refused';
  },
  fingerprint(body) {
    const b = jsonOf(body);
    return JSON.stringify([
      b.status,
      b.error_code ?? null,
      (b.data as { form_guid?: string } | null)?.form_guid ?? null,
    ]);
  },
  effects: (pool, keys) =>
    countBy(
      pool,
      `SELECT substr(f.external_id, 7) AS k, count(*) AS n FROM broker.forms f
         JOIN broker.partners p ON p.id = f.partner_id
        WHERE p.guid = 'demo-partner' AND f.external_id = ANY(SELECT 'crash-' || x FROM unnest($1::text[]) x) GROUP BY 1`,
      keys,
    ),
};

/** mserver 2 wallet: create a payment of the demo wallet (service 1): key -> client_payment_id. */
const walletUuid = (key: string) => `00000000-0000-4000-8000-${key.slice(-12).padStart(12, '0')}`;
const walletCreatePayment: Driver = {
  name: 'wallet create payment',
  request(key) {
    return {
      method: 'POST',
      path: '/v1/payments',
      headers: { authorization: basic('+79261111111', 'p@ssw0rD'), 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'out',
        client_payment_id: walletUuid(key),
        amount: 1,
        service: 1,
        parameters: { phoneNumber: '9267101280' },
      }),
    };
  },
  verdict(status) {
    if (status >= 500 || status === 0) return 'again';
    return status === 200 ? 'success' : 'refused';
  },
  fingerprint(body) {
    const b = jsonOf(body);
    const d = (b.data ?? {}) as Record<string, unknown>;
    return JSON.stringify([(b.meta as { code?: number } | undefined)?.code, d.id ?? null]);
  },
  async effects(pool, keys) {
    const counts = await countBy(
      pool,
      `SELECT client_payment_id::text AS k, count(*) AS n FROM wallet.payments
        WHERE client_payment_id::text = ANY($1) GROUP BY 1`,
      keys.map(walletUuid),
    );
    return new Map(keys.map((k) => [k, counts.get(walletUuid(k)) ?? 0]));
  },
};

/** Moneywall BNPL init by the demo merchant: key = order_id. */
const bnplInit: Driver = {
  name: 'BNPL init',
  request(key) {
    return {
      method: 'POST',
      path: '/api/partners/payments/init',
      headers: { authorization: 'demo-merchant-token', 'content-type': 'application/json' },
      body: JSON.stringify({
        phone: '79031232299',
        email: 'client@example.ru',
        amount: 10000,
        success_callback_url: 'http://127.0.0.1:9/ok',
        failure_callback_url: 'http://127.0.0.1:9/fail',
        redirect_url: 'http://127.0.0.1:9/order',
        order_id: `crash-${key}`,
      }),
    };
  },
  verdict(status) {
    if (status >= 500 || status === 0) return 'again';
    return status === 200 ? 'success' : 'refused';
  },
  fingerprint(body) {
    const b = jsonOf(body);
    // The frame URL's origin is the answering server's (two processes: two ports); its path is the session's.
    const frame = typeof b.frame_url === 'string' ? b.frame_url.replace(/^https?:\/\/[^/]+/, '') : null;
    return JSON.stringify([b.id ?? b.error ?? null, frame]);
  },
  effects: (pool, keys) =>
    countBy(
      pool,
      `SELECT substr(s.order_id, 7) AS k, count(*) AS n FROM bnpl.sessions s
         JOIN bnpl.merchants m ON m.id = s.merchant_id
        WHERE m.code = 'demo' AND s.order_id = ANY(SELECT 'crash-' || x FROM unnest($1::text[]) x) GROUP BY 1`,
      keys,
    ),
};

export const DRIVERS: Driver[] = [processingPay, mymfoPay, brokerCreateForm, walletCreatePayment, bnplInit];

/** Unique numeric keys for this run (agentTransactionId is a number). */
export function keyMaker(): () => string {
  let next = BigInt(Date.now()) * 1000n + BigInt(Number.parseInt(randomUUID().slice(0, 2), 16));
  return () => {
    next += 1n;
    return next.toString();
  };
}
