/**
 * Result codes of the QIWI/OSMP provider protocol as the "Моя МФО" payment endpoints answer
 * them (docs/mymfo-payments.md has the table). The document itself only says "0 - успешно;
 * 1 - не успешно"; payment services speak the OSMP convention, so its codes are used.
 */
export const OSMP = {
  /** 0 — успешно: платёж возможен (check) или принят (pay). */
  ok: 0,
  /** 1 — временная ошибка (база данных недоступна и т. п.): повторите запрос позже. */
  temporary: 1,
  /** 4 — неверный формат номера договора (account). */
  badAccount: 4,
  /** 5 — договор с таким номером не найден. */
  accountNotFound: 5,
  /** 7 — приём платежа запрещён (заём по договору не может принять платёж). */
  forbidden: 7,
  /** 79 — договор не активен: заём не выдан, погашен, продан или списан. */
  accountNotActive: 79,
  /** 241 — сумма слишком мала (меньше минимальной). */
  tooSmall: 241,
  /** 242 — сумма слишком велика (больше задолженности или максимальной суммы платежа). */
  tooLarge: 242,
  /** 300 — другая ошибка: неверный запрос, txn_id уже использован для другого платежа. */
  other: 300,
} as const;

export type OsmpCode = (typeof OSMP)[keyof typeof OSMP];

/** A refusal in the protocol's terms: the code and a comment in Russian for the payment service. */
export class OsmpRefusal extends Error {
  constructor(
    readonly result: OsmpCode,
    message: string,
  ) {
    super(message);
    this.name = 'OsmpRefusal';
  }
}
