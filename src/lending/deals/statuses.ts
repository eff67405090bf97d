import { DEAL_STATUSES, type DealStatus } from '../types.ts';

/** Statuses of a loan that has been issued and is not closed: COB accrues on these. */
export const ACTIVE_STATUSES: readonly DealStatus[] = [
  'Выдан',
  'Внесен аванс',
  'У коллектора',
  'На текущем контроле у коллектора',
  'Готовится выезд',
  'Признан коллектором как безнадежный',
  'Ожидает передачи на судебную стадию',
  'Передан на судебную стадию',
  'Отправлена претензия',
  'Оплачена пошлина',
  'В суде',
  'Получен исполнительный лист',
  'Передан судебному приставу',
];

/** Collection and court statuses: staff may move a loan between any of them. */
const COLLECTION: readonly DealStatus[] = ACTIVE_STATUSES.filter(
  (s) => s !== 'Выдан' && s !== 'Внесен аванс',
);

/**
 * The allowed-transition table. What is not listed is refused. Issue, repayment and COB use
 * the same table, so a loan never reaches a status by a path staff could not take.
 */
const BASE: Partial<Record<DealStatus, readonly DealStatus[]>> = {
  Новый: ['На рассмотрении', 'Предварительно одобрено', 'Одобрен', 'Отказ', 'Отменен'],
  'На рассмотрении': ['Предварительно одобрено', 'Одобрен', 'Отказ', 'Отменен'],
  'Предварительно одобрено': ['На рассмотрении', 'Одобрен', 'Отказ', 'Отменен'],
  Одобрен: ['Подписан (дистанционно)', 'Отказ', 'Отменен'],
  Отказ: [],
  Отменен: [],
  // Back from "Ожидает списания" when a payout fails; to "Выдан" when it succeeds.
  'Подписан (дистанционно)': ['Ожидает списания с р/с', 'Выдан', 'Отменен'],
  'Ожидает списания с р/с': ['Выдан', 'Подписан (дистанционно)'],
  Выдан: ['Внесен аванс', 'Оплачен', ...COLLECTION, 'Продан', 'Списан'],
  'Внесен аванс': ['Выдан', 'Оплачен', ...COLLECTION, 'Продан', 'Списан'],
  // Only a reversed payment reopens a paid loan.
  Оплачен: ['Выдан'],
  Продан: [],
  Списан: [],
};

export const TRANSITIONS: Readonly<Record<DealStatus, readonly DealStatus[]>> = Object.fromEntries(
  DEAL_STATUSES.map((s): [DealStatus, readonly DealStatus[]] => [
    s,
    BASE[s] ?? [...COLLECTION.filter((t) => t !== s), 'Выдан', 'Оплачен', 'Продан', 'Списан'],
  ]),
) as Record<DealStatus, readonly DealStatus[]>;

export function canMove(from: DealStatus, to: DealStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function isDealStatus(value: string): value is DealStatus {
  return (DEAL_STATUSES as readonly string[]).includes(value);
}
