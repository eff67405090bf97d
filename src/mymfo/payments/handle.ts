import type { AppContext } from '../../platform/context.ts';
import { answerForError, type OsmpAnswer } from './answer.ts';
import { checkPayment } from './check.ts';
import { type PayOptions, payDeal } from './pay.ts';
import { type OsmpRequest, parseOsmpQuery, type RawOsmpQuery } from './request.ts';

export interface OsmpOutcome {
  /** txn_id as received, echoed as osmp_txn_id. */
  osmpTxnId: string;
  answer: OsmpAnswer;
  /** An error nobody expected, for the caller to log; the answer is already 300. */
  unexpected?: unknown;
}

/**
 * One request of `Payment/<PayService>/` or `Payment/Site/<id>/` from an authenticated payment
 * service: validates, runs check or pay, and turns every failure into the protocol's result.
 */
export async function handleOsmpRequest(
  ctx: AppContext,
  query: RawOsmpQuery,
  options: PayOptions,
): Promise<OsmpOutcome> {
  const osmpTxnId = query.txn_id?.trim() ?? '';
  let request: OsmpRequest | undefined;
  try {
    request = parseOsmpQuery(query);
    const answer =
      request.command === 'check' ? await checkPayment(ctx, request) : await payDeal(ctx, request, options);
    return { osmpTxnId, answer };
  } catch (error) {
    const { unexpected, ...refusal } = answerForError(error);
    // The sum as read (two decimals), also on a refusal, when it could be read.
    const answer = request?.amount !== undefined ? { ...refusal, amount: request.amount } : refusal;
    return unexpected ? { osmpTxnId, answer, unexpected: error } : { osmpTxnId, answer };
  }
}
