import type { Queryable } from '../platform/db/pool.ts';
import type { Kopecks } from '../platform/money.ts';
import type { ResultCode } from './finality.ts';
import type { Contract, Invoice, SubPayment } from './providers/provider.ts';

/** What the agent is answered to a check or a pay, before the face writes it in the protocol's form. */
export interface Outcome {
  result: ResultCode;
  message: string;
  transactionId?: bigint;
  agentTransactionId: bigint;
  transactionDate?: Date;
  statusDate?: Date;
  conversion?: StoredConversion;
  displays?: Record<string, string>;
  contracts?: Contract[];
  invoices?: Invoice[];
}

export interface StoredConversion {
  currencyRate: string;
  rate: string;
  finalAmount: string;
  currency: string;
}

/** Fields of the first answer kept with the payment, so repeats answer the same. */
export interface StoredAnswer {
  conversion?: StoredConversion;
  displays?: Record<string, string>;
}

export interface PaymentRow {
  id: bigint;
  agent_id: bigint;
  agent_txn_id: bigint;
  request_hash: string;
  service_id: string;
  account: string;
  amount_to: bigint;
  amount_from: bigint;
  commission: bigint;
  agent_txn_date: string;
  request: {
    extras: Record<string, string>;
    extraServices?: { subServiceId: string; amount: string; lastCount?: string }[];
  };
  result: ResultCode;
  final: boolean;
  result_message: string;
  answer: StoredAnswer;
  hold_id: bigint | null;
  provider_txn_id: string | null;
  attempts: number;
  next_attempt_at: Date | null;
  created_at: Date;
  status_at: Date | null;
}

export const PAYMENT_COLUMNS = `id, agent_id, agent_txn_id, request_hash, service_id, account, amount_to, amount_from,
  commission, agent_txn_date, request, result, final, result_message, answer, hold_id, provider_txn_id, attempts,
  next_attempt_at, created_at, status_at`;

export async function findPayment(
  db: Queryable,
  agentId: bigint,
  agentTxnId: bigint,
): Promise<PaymentRow | undefined> {
  const { rows } = await db.query<PaymentRow>(
    `SELECT ${PAYMENT_COLUMNS} FROM processing.payments WHERE agent_id = $1 AND agent_txn_id = $2`,
    [agentId, agentTxnId],
  );
  return rows[0];
}

export async function getPayment(db: Queryable, id: bigint): Promise<PaymentRow | undefined> {
  const { rows } = await db.query<PaymentRow>(
    `SELECT ${PAYMENT_COLUMNS} FROM processing.payments WHERE id = $1`,
    [id],
  );
  return rows[0];
}

export function outcomeOf(row: PaymentRow): Outcome {
  const outcome: Outcome = {
    result: row.result,
    message: row.result_message,
    transactionId: row.id,
    agentTransactionId: row.agent_txn_id,
  };
  if (row.result === 0) {
    outcome.transactionDate = row.created_at;
    if (row.status_at) outcome.statusDate = row.status_at;
    if (row.answer.conversion) outcome.conversion = row.answer.conversion;
  }
  if (row.answer.displays) outcome.displays = row.answer.displays;
  return outcome;
}

export function subPaymentsOf(row: PaymentRow): SubPayment[] | undefined {
  return row.request.extraServices?.map((s) => ({
    subServiceId: s.subServiceId,
    amount: BigInt(s.amount) as Kopecks,
    ...(s.lastCount !== undefined ? { lastCount: s.lastCount } : {}),
  }));
}
