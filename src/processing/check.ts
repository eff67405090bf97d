import type { AppContext } from '../platform/context.ts';
import type { Agent } from './agents.ts';
import { cachedService, findService, type Service } from './catalog.ts';
import { convert } from './conversion.ts';
import { ProcessingRefusal, RESULT, resultMessage } from './finality.ts';
import type { Outcome } from './payments.ts';
import { providerFor } from './providers/index.ts';
import { parsePaymentRequest, type RawPaymentRequest } from './requests.ts';
import { checkAgainstService } from './service-rules.ts';
import { nextTransactionId } from './transaction-ids.ts';

/**
 * `check`: can this payment be made? Validates against the catalogue, asks the provider (account,
 * displays, contracts or invoice) and answers with a fresh transactionId. Nothing is stored: a
 * check moves no money and the agent repeats it freely. The service comes from the in-memory
 * catalogue (src/processing/cache.ts), so a check asks the database nothing but, once per
 * hundred, a block of transactionIds.
 */
export async function checkPayment(ctx: AppContext, agent: Agent, raw: RawPaymentRequest): Promise<Outcome> {
  const request = parsePaymentRequest(raw, 'check');
  let service: Service;
  try {
    service = checkAgainstService(await cachedService(ctx.pool, request.serviceId), agent, request, 'check');
  } catch (error) {
    // A refusal is judged on the stored catalogue, never on a cached copy.
    if (!(error instanceof ProcessingRefusal)) throw error;
    service = checkAgainstService(await findService(ctx.pool, request.serviceId), agent, request, 'check');
  }
  const transactionId = await nextTransactionId(ctx.pool);
  const conversion =
    service.rate !== null && request.amountTo !== undefined
      ? convert(request.amountTo, service.rate, agent.currency, service.currency)
      : undefined;
  const answer = await providerFor(service.provider).check({
    txnId: transactionId,
    txnDate: new Date(),
    account: request.account,
    amount: conversion ? conversion.finalAmount : request.amountTo,
    extras: request.extras,
  });
  const outcome: Outcome = {
    result: answer.result,
    message: answer.result === RESULT.ok ? 'ok' : resultMessage(answer.result),
    transactionId,
    agentTransactionId: request.agentTxnId,
  };
  if (answer.result === RESULT.ok) {
    if (conversion)
      outcome.conversion = {
        currencyRate: conversion.currencyRate,
        rate: conversion.rate,
        finalAmount: conversion.finalAmountText,
        currency: conversion.currency,
      };
    if (answer.displays) outcome.displays = answer.displays;
    if (answer.contracts) outcome.contracts = answer.contracts;
    if (answer.invoices) outcome.invoices = answer.invoices;
  }
  return outcome;
}
