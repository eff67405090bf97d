import type { Address, Client } from '../../lending/clients/repository.ts';
import type { DebtSummary } from '../../lending/debt/summary.ts';
import { clientCode, ruDate } from '../../mymfo/codes.ts';
import { decimal } from '../../platform/json.ts';
import { formatRoubles, type Kopecks } from '../../platform/money.ts';

/** Roubles as a JSON number, as the document prints them: 245592.68, 79249 (no trailing zeros). */
export function roubles(kopecks: Kopecks) {
  return decimal(
    formatRoubles(kopecks)
      .replace(/\.?0+$/, '')
      .replace(/^$/, '0') || '0',
  );
}

/** `2017-07-06T00:00:00`: the document's date form, without its stray space. */
export function isoDay(date: string): string {
  return `${date.slice(0, 10)}T00:00:00`;
}

/** A timestamp in Moscow time (UTC+3, no DST) without a zone: `2017-09-21T10:15:30`. */
export function moscowDateTime(at: Date): string {
  return new Date(at.getTime() + 3 * 3_600_000).toISOString().slice(0, 19);
}

/** "190000, Санкт-Петербург, пр. Обуховской обороны д.86 кв.17" */
export function addressText(a: Address): string {
  if (a.text) return a.text;
  const street = [
    a.street,
    a.house && `д.${a.house}`,
    a.building && `корп.${a.building}`,
    a.apartment && `кв.${a.apartment}`,
  ]
    .filter(Boolean)
    .join(' ');
  return [a.region, a.city && a.city !== a.region ? a.city : undefined, street].filter(Boolean).join(', ');
}

/** The `client` answer with status 0, in the document's order (well-formed: `</dateissue>`). */
export function clientXmlFields(client: Client) {
  return {
    status: 0,
    errormessage: '',
    IDClient: clientCode(client.id),
    fio: client.fullName,
    datebirthday: ruDate(client.birthDate),
    series: client.passport.slice(0, 4),
    number: client.passport.slice(4),
    issued: client.passportIssuer ?? '',
    dateissue: ruDate(client.passportIssueDate),
    code: client.passportDivisionCode ?? '',
    residence: addressText(client.residenceAddress),
    registration: addressText(client.registrationAddress),
    placeofwork: client.work.name ?? '',
    email: client.email ?? '',
    blacklist: client.blacklisted,
    dateofban: ruDate(client.bannedUntil),
  };
}

/** `PS/deal`: every figure of the document, the schedule and the payments. */
export function psDealJson(s: DebtSummary) {
  return {
    НомерДоговора: s.deal.number,
    ОбщийДолгНаТекДату: roubles(s.totalDebt),
    ОстатокОД: roubles(s.principalLeft),
    СуммаПроценты: roubles(s.interest),
    ДолгПоТекПлатежу: roubles(s.currentDue),
    ОстатокОДПоТекПлатежу: roubles(s.currentPrincipal),
    СуммаПроцентыПоТекПлатежу: roubles(s.currentInterest),
    ДолгПросроченный: roubles(s.overdueDue),
    КоличествоДнейПросрочки: s.daysPastDue,
    ОстатокОДПросрочено: roubles(s.overduePrincipal),
    СуммаПроцентыПросрочено: roubles(s.overdueInterest),
    СуммаШтрафы: roubles(s.penalties),
    СуммаПошлина: roubles(s.duty),
    СуммаПрочиеПлатежи: roubles(s.other),
    ОстатокНаСчете: roubles(s.accountBalance),
    ТекущийГрафикПлатежей: s.schedule.map((line) => ({
      НомерСтроки: line.n,
      ДатаПлатежа: isoDay(line.dueDate),
      СуммаПлатежа: roubles(line.total),
      СуммаОД: roubles(line.principal),
      СуммаПроцентов: roubles(line.interest),
      СуммаПрочиеПлатежи: 0,
      ОстатокОД: roubles(line.principalAfter),
      СуммаШтраф: 0,
    })),
    Оплаты: s.payments.map((p) => ({
      НомерПриходника: p.number,
      ДатаОплаты: isoDay(p.date),
      СуммаОплаты: roubles(p.amount),
      ОнлайнОплата: p.online,
      ОплатаНаРС: p.toBankAccount,
    })),
    СообщениеОбОшибке: '',
  };
}

/** "8968*****10": the first four and the last two digits. */
export function maskedPhone(phone: string): string {
  const digits = phone.replace(/\D/g, '');
  if (digits.length < 7) return '*'.repeat(digits.length);
  return `${digits.slice(0, 4)}${'*'.repeat(digits.length - 6)}${digits.slice(-2)}`;
}
