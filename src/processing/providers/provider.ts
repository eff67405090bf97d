import type { Kopecks } from '../../platform/money.ts';
import type { ResultCode } from '../finality.ts';

/** One account, order or contract offered for choice ("с выбором"). */
export interface Contract {
  contractId: string;
  name?: string;
  contractNumber?: string;
  contractSum?: string;
  contractDate?: string;
}

/** One position of a complex-scheme receipt; numeric values are exact decimal text. */
export interface InvoiceService {
  subServiceId: string;
  subServiceName: string;
  data?: Record<string, string | boolean>;
}

export interface Invoice {
  invoiceId?: string;
  formedDate?: string;
  expireDate?: string;
  clientName?: string;
  clientAddress?: string;
  services: InvoiceService[];
}

export interface SubPayment {
  subServiceId: string;
  amount: Kopecks;
  lastCount?: string;
}

export interface ProviderRequest {
  /** Kopek's transactionId: the provider's idempotency key (OSMP txn_id). */
  txnId: bigint;
  txnDate: Date;
  account: string;
  amount: Kopecks | undefined;
  extras: Record<string, string>;
  extraServices?: SubPayment[];
  /** Keep a record of the exchange in the answer (pays and follow-ups; checks are not logged). */
  record?: boolean;
}

/**
 * One exchange with a provider as the console shows it (processing.provider_exchanges): what
 * was sent without secrets (no credentials, no query of the configured address), what came back
 * (HTTP status, the provider's own code, the raw body cut to EXCHANGE_BODY_MAX characters), how long it took.
 */
export interface ProviderExchange {
  command: 'check' | 'pay' | 'status';
  startedAt: string;
  durationMs: number;
  request: { url: string; params: Record<string, string | string[]> };
  httpStatus?: number;
  providerCode?: string;
  result: ResultCode;
  comment?: string;
  body?: string;
  error?: string;
}

export const EXCHANGE_BODY_MAX = 4000;

/** A provider's answer, already in the agent protocol's result codes. */
export interface ProviderAnswer {
  result: ResultCode;
  comment?: string;
  providerTxnId?: string;
  displays?: Record<string, string>;
  contracts?: Contract[];
  invoices?: Invoice[];
  /** Set when the request asked for `record`. */
  exchange?: ProviderExchange;
}

/**
 * What the processing centre needs from any provider. `pay` must be idempotent by `txnId` on the
 * provider's side (OSMP is): repeating it is how a non-final answer is followed up.
 */
export interface ProviderAdapter {
  check(request: ProviderRequest): Promise<ProviderAnswer>;
  pay(request: ProviderRequest): Promise<ProviderAnswer>;
  status(request: ProviderRequest): Promise<ProviderAnswer>;
}
