import { type Kopecks, mulDivRound } from '../platform/money.ts';
import type { Agent } from './agents.ts';
import type { Service } from './catalog.ts';
import { ProcessingRefusal, RESULT } from './finality.ts';
import type { PaymentRequest } from './requests.ts';

const compiled = new Map<string, RegExp>();

function regexp(source: string): RegExp {
  let re = compiled.get(source);
  if (!re) {
    re = new RegExp(source);
    compiled.set(source, re);
  }
  return re;
}

/**
 * The value of an input in a request: `account` itself, or an extra field by its name. The
 * document's own example names the input `ev_account1` and sends it as `account1`, so the
 * `ev_` prefix is optional.
 */
function inputValue(request: PaymentRequest, name: string): string | undefined {
  if (name === 'account') return request.account;
  return request.extras[name] ?? (name.startsWith('ev_') ? request.extras[name.slice(3)] : undefined);
}

/** Everything decided from the catalogue before a provider is asked; throws the protocol's refusal. */
export function checkAgainstService(
  service: Service | undefined,
  agent: Agent,
  request: PaymentRequest,
  kind: 'check' | 'pay',
): Service {
  if (!service)
    throw new ProcessingRefusal(RESULT.serviceNotImplemented, `Сервис ${request.serviceId} не найден`);
  if (!service.enabled) throw new ProcessingRefusal(RESULT.serviceForbidden);
  if (service.currency !== agent.currency && service.rate === null)
    throw new ProcessingRefusal(
      RESULT.serviceNotImplemented,
      `Сервис ${service.id} не работает с валютой договора ${agent.currency}`,
    );
  const accountInput = service.inputs.find((i) => i.name === 'account');
  if (request.account.length > 200) throw new ProcessingRefusal(RESULT.badAccountFormat);
  for (const input of service.inputs) {
    const value = inputValue(request, input.name);
    if (value === undefined || value === '') {
      // An extra input the agent did not send: only pay insists (check may come before it is asked).
      if (input.required && kind === 'pay' && input.name !== 'account')
        throw new ProcessingRefusal(
          RESULT.badRequest,
          `extras.${input.name}: обязательное поле не заполнено`,
        );
      continue;
    }
    if (!regexp(input.regexp).test(value))
      throw new ProcessingRefusal(
        RESULT.badAccountFormat,
        input === accountInput ? undefined : `Неверный формат поля ${input.name}`,
      );
  }
  if (kind === 'pay') {
    if (service.type === 1 && !request.extras.contractId)
      throw new ProcessingRefusal(
        RESULT.badRequest,
        'extras.contractId: выберите договор из ответа на check',
      );
    if (service.type === 2 && !request.extraServices)
      throw new ProcessingRefusal(RESULT.badRequest, 'extraServices: укажите оплачиваемые услуги квитанции');
  }
  if (request.amountTo !== undefined) {
    if (request.amountTo < service.minAmount) throw new ProcessingRefusal(RESULT.amountTooSmall);
    if (request.amountTo > service.maxAmount) throw new ProcessingRefusal(RESULT.amountTooLarge);
    if (request.amountFrom !== undefined) {
      const fee = request.amountFrom - request.amountTo;
      if (fee < service.feeMin || fee > service.feeMax) throw new ProcessingRefusal(RESULT.badCommission);
    }
  }
  return service;
}

/** The agent's reward for a payment: basis points of amountTo (half up) plus a fixed amount, below amountTo. */
export function agentCommission(service: Service, amountTo: Kopecks): Kopecks {
  const reward = mulDivRound(amountTo, BigInt(service.commissionBp), 10_000n) + service.commissionFixed;
  return reward >= amountTo ? amountTo - 1n : reward;
}
