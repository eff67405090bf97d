import type { TermUnit } from '../dictionaries.ts';

/**
 * What the broker needs from a lender, whoever it is: Kopek's own loan engine, a bank over the
 * generic HTTP protocol (docs/broker.md), or anything else. Calls are made from jobs, never inside
 * a database transaction; an adapter throws `LenderUnavailable` when the lender could not answer
 * (timeout, network, 5xx) so the job retries, and any other error for a broken answer.
 */
export interface LenderAdapter {
  /** Scores a form; answers offers (possibly a counter-offer for a smaller amount) or a decline. */
  score(form: LenderForm): Promise<ScoreResult>;
  /** The client chose this offer: the lender prepares the contract and its print forms. */
  confirm(ref: OfferRef): Promise<ContractResult>;
  /** Checks the scans the partner sent for this offer. */
  checkScans(ref: OfferRef, scans: LenderScan[]): Promise<ScanCheckResult>;
  /** The client signed by SMS code (simple electronic signature, ПЭП/АСП). */
  sign(ref: OfferRef, evidence: SigningEvidence): Promise<void>;
  /** BNPL: the state of the first payment on the lender's payment page. */
  paymentStatus(ref: OfferRef): Promise<PaymentState>;
  /** The partner confirmed the deal: the lender issues the credit (or refuses). */
  issue(ref: OfferRef): Promise<IssueResult>;
  /** The form was cancelled; the lender forgets the application. */
  cancel(ref: { applicationId: string; lenderOfferId?: string }): Promise<void>;
}

export class LenderUnavailable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LenderUnavailable';
  }
}

export interface LenderForm {
  /** The broker's form guid: the lender's key for the application (idempotent on its side). */
  applicationId: string;
  kind: 'pos' | 'bnpl';
  offline: boolean;
  amount: bigint;
  initialPayment: bigint;
  termValue: number | undefined;
  /** The form's fields after the route's mapping. */
  fields: Record<string, unknown>;
}

export interface LenderOffer {
  lenderOfferId: string;
  name: string;
  initialPayment: bigint;
  amount: bigint;
  lifeInsuranceSum: bigint;
  workInsuranceSum: bigint;
  termValue: number;
  termUnit: TermUnit;
  regularPaymentAmount: bigint;
  regularPeriodType: TermUnit;
  paymentsCount: number;
  /** Interest rate, percent per year, exact decimal text ("19.9"). */
  rate: string;
}

export type ScoreResult =
  | { decision: 'approved'; offers: LenderOffer[] }
  | { decision: 'declined'; reason: string };

export interface OfferRef {
  applicationId: string;
  lenderOfferId: string;
  kind: 'pos' | 'bnpl';
}

export interface LenderContract {
  number: string | undefined;
  effectiveRate: string | undefined;
  amount: bigint;
  termValue: number;
  termUnit: TermUnit;
  regularPaymentAmount: bigint;
  firstPaymentDate: string;
  paymentsCount: number;
}

export interface LenderDocument {
  name: string;
  mimeType: string;
  content: Buffer;
}

/** A print form the broker renders itself: an HTML template with `{{placeholders}}`. */
export interface LenderTemplate {
  name: string;
  html: string;
}

export type ContractResult =
  | {
      decision: 'ready';
      contract: LenderContract;
      documents: LenderDocument[];
      templates: LenderTemplate[];
      /** Scan types the lender wants before it issues. */
      requiredScans: string[];
      /** BNPL: where the client pays the first instalment. */
      paymentUrl: string | undefined;
    }
  | { decision: 'declined'; reason: string };

export interface LenderScan {
  type: string;
  mimeType: string;
  content: Buffer;
}

export interface ScanCheckResult {
  scans: {
    type: string;
    status: 'CONFIRMED' | 'RESCAN_NEEDED' | 'DECLINED';
    declineReason: string | undefined;
  }[];
  /** New print forms, when what the scans showed changed the contract's documents. */
  documents: LenderDocument[];
  templates: LenderTemplate[];
}

export interface SigningEvidence {
  method: 'sms';
  signedAt: Date;
  /** The phone the code went to, masked: the lender's record of the signature. */
  phoneMasked: string;
}

export interface LenderPayment {
  payedAt: string;
  status: 'pending' | 'cancel' | 'success';
  amount: bigint;
  transactionNumber: string;
}

export interface PaymentState {
  status: 'pending' | 'paid' | 'partially_paid' | 'declined';
  payments: LenderPayment[];
}

export type IssueResult = { status: 'done' } | { status: 'declined'; reason: string };
