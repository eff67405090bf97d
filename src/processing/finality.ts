/**
 * The protocol's result codes (Table 1 of the agent document) with their finality: a final code
 * will be answered again to the same request; a non-final one tells the agent to repeat the
 * request later, with the same body, until it gets a final one.
 */
export const RESULT = {
  ok: 0,
  inProgress: 1,
  badAccountFormat: 4,
  accountNotFound: 5,
  forbiddenByProvider: 7,
  forbiddenTechnical: 8,
  serviceNotImplemented: 130,
  securityReview: 153,
  serviceForbidden: 155,
  badRequest: 202,
  duplicateTransaction: 215,
  insufficientFunds: 220,
  balanceNotToppedUp: 250,
  amountTooSmall: 241,
  amountTooLarge: 242,
  badCommission: 255,
  other: 300,
} as const;

export type ResultCode = (typeof RESULT)[keyof typeof RESULT];

interface CodeInfo {
  final: boolean;
  message: string;
}

const CODES: Record<ResultCode, CodeInfo> = {
  0: { final: true, message: 'Успешно' },
  1: { final: false, message: 'Запрос в обработке, повторите запрос позже' },
  4: { final: true, message: 'Неверный формат идентификатора абонента' },
  5: { final: true, message: 'Идентификатор абонента не найден' },
  7: { final: true, message: 'Прием платежа запрещен провайдером' },
  8: { final: true, message: 'Прием платежа запрещен по техническим причинам' },
  130: { final: true, message: 'Работа с данным сервисом не реализована' },
  153: { final: false, message: 'Платеж на проверке в СБ' },
  155: { final: true, message: 'Прием платежа по данному сервису запрещен' },
  202: { final: true, message: 'Ошибка данных запроса' },
  215: { final: true, message: 'Транзакция с таким номером уже есть в базе' },
  220: { final: false, message: 'Недостаток средств у агента' },
  241: { final: true, message: 'Сумма слишком мала' },
  242: { final: true, message: 'Сумма слишком велика' },
  250: { final: true, message: 'Не был пополнен баланс агента' },
  255: { final: false, message: 'Недопустимая дополнительная комиссия' },
  300: { final: true, message: 'Другая ошибка' },
};

export function isResultCode(code: number): code is ResultCode {
  return Object.hasOwn(CODES, code);
}

export function isFinal(code: ResultCode): boolean {
  return CODES[code].final;
}

export function resultMessage(code: ResultCode): string {
  return CODES[code].message;
}

/**
 * A refusal of a request in the protocol's terms: the face answers `{result, resultMessage}`.
 * Thrown by the processing services for everything decided before money moves.
 */
export class ProcessingRefusal extends Error {
  constructor(
    readonly result: ResultCode,
    message: string = resultMessage(result),
  ) {
    super(message);
    this.name = 'ProcessingRefusal';
  }
}
