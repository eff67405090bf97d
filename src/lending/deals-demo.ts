import type { DemoSeeder } from '../demo/seed.ts';
import type { Actor } from '../platform/audit.ts';
import { accrueRange } from './accrual/post-accrual.ts';
import { chargeDeal } from './charges/charges.ts';
import { type ClientInput, findClientByPassport } from './clients/repository.ts';
import { addDays, todayMoscow } from './dates.ts';
import { createApplication } from './deals/applications.ts';
import { cancelDeal, decideDeal, signDeal } from './deals/decisions.ts';
import { moveDeal } from './deals/history.ts';
import { getDeal, getSchedule } from './deals/repository.ts';
import { ACTIVE_STATUSES } from './deals/statuses.ts';
import { registerExternalIssue, startPayout } from './issue/issue.ts';
import { repay } from './repayments/repay.ts';
import type { DealStatus } from './types.ts';

const STAFF: Actor = { type: 'staff', id: 'demo-officer' };
const PAYER: Actor = { type: 'system', id: 'demo-payments' };
/** The first demo client's passport: seeding stops if it exists (seeding twice changes nothing). */
const MARKER_PASSPORT = '4510000001';

let passportSeq = 0;
function person(
  lastName: string,
  firstName: string,
  middleName: string,
  extra: Partial<ClientInput> = {},
): ClientInput {
  passportSeq++;
  return {
    lastName,
    firstName,
    middleName,
    birthDate: '1988-11-22',
    birthPlace: 'г. Хабаровск',
    sex: 'male',
    phone: `8911${String(1_000_000 + passportSeq).padStart(7, '0')}`,
    email: `demo${passportSeq}@example.ru`,
    passport: `4510${String(passportSeq).padStart(6, '0')}`,
    passportIssueDate: '2008-07-29',
    passportIssuer: 'МО УФМС России',
    passportDivisionCode: '270-000',
    registrationAddress: {
      region: 'Санкт-Петербург',
      city: 'Санкт-Петербург',
      street: 'пр. Елизарова',
      house: '12',
      apartment: '271',
    },
    residenceAddress: {
      region: 'Санкт-Петербург',
      city: 'Санкт-Петербург',
      street: 'пр. Обуховской обороны',
      house: '86',
      apartment: '17',
    },
    work: { name: 'ООО "Перспектива"', experienceMonths: 60 },
    monthlyIncome: 8_000_000n,
    ...extra,
  };
}

/**
 * Demo clients and deals in every status of the document, on top of part A's products: loans
 * issued in the past with their schedules, payments, an advance, overdue loans with penalties,
 * and loans in collection and court; accrued through today.
 */
export const lendingDealsSeeder: DemoSeeder = {
  name: 'lending: clients and deals in every status',
  async seed(tx, ctx) {
    if (await findClientByPassport(tx, ctx.cipher, MARKER_PASSPORT)) return;
    passportSeq = 0;
    const today = todayMoscow();
    const apply = async (
      client: ClientInput,
      product: string,
      amount: bigint,
      termDays: number,
      date: string,
    ) =>
      (
        await createApplication(
          tx,
          ctx.cipher,
          { client, product, amount, termDays, today: date, source: 'demo' },
          STAFF,
        )
      ).deal.id;
    const issued = async (
      client: ClientInput,
      product: string,
      amount: bigint,
      termDays: number,
      daysAgo: number,
    ) => {
      const date = addDays(today, -daysAgo);
      const id = (
        await createApplication(
          tx,
          ctx.cipher,
          {
            client,
            product,
            amount,
            termDays,
            today: date,
            source: 'demo',
            ...(product === 'BNPL3' ? { orderAmount: amount } : {}),
          },
          STAFF,
        )
      ).deal.id;
      if ((await getDeal(tx, id)).status !== 'Одобрен')
        await decideDeal(tx, id, 'approve', 'проверено андеррайтером', STAFF);
      await signDeal(tx, id, 'АСП: код из СМС', STAFF, date);
      await registerExternalIssue(tx, id, { issueDate: date, ref: `РКО-${id}` }, STAFF);
      return id;
    };

    // Applications before issue: the first is the marker client (a clean adult, approved).
    await apply(person('Иванов', 'Иван', 'Иванович'), 'PDL30', 1_500_000n, 30, today);
    await createApplication(
      tx,
      ctx.cipher,
      {
        client: person('Новикова', 'Анна', 'Сергеевна', { sex: 'female' }),
        product: 'PDL30',
        amount: 500_000n,
        termDays: 14,
        today,
        autoScore: false,
        source: 'demo',
      },
      STAFF,
    );
    await apply(
      person('Петров', 'Пётр', 'Петрович', { monthlyIncome: null }),
      'PDL30',
      2_500_000n,
      30,
      today,
    ); // review
    const pre = await apply(
      person('Сидорова', 'Мария', 'Ивановна', { sex: 'female' }),
      'ANN6',
      4_000_000n,
      180,
      today,
    );
    await decideDeal(tx, pre, 'preapprove', 'ждём справку о доходах', STAFF);
    await apply(
      person('Молодой', 'Артём', 'Олегович', { birthDate: addDays(today, -16 * 365) }),
      'PDL30',
      500_000n,
      30,
      today,
    );
    await apply(person('Чернов', 'Олег', 'Павлович', { blacklisted: true }), 'PDL30', 500_000n, 30, today);
    await apply(
      person('Запретов', 'Игорь', 'Ильич', { bannedUntil: addDays(today, 90) }),
      'PDL30',
      500_000n,
      30,
      today,
    );
    const cancelled = await apply(person('Отказников', 'Денис', 'Юрьевич'), 'PDL30', 700_000n, 20, today);
    await cancelDeal(tx, cancelled, 'заемщик отказался от займа', STAFF);
    const signed = await apply(person('Подписанов', 'Глеб', 'Андреевич'), 'PDL30', 900_000n, 30, today);
    await signDeal(tx, signed, 'АСП: код из СМС', STAFF, today);
    const waiting = await apply(person('Ожидаев', 'Семён', 'Ильич'), 'PDL30', 1_200_000n, 30, today);
    await signDeal(tx, waiting, 'АСП: код из СМС', STAFF, today);
    await startPayout(tx, waiting, 'bank', { bik: '044525225', account: '40817810099910004312' }, STAFF);

    // Issued loans: current, BNPL, annuity with an advance, paid off, overdue.
    await issued(person('Текущий', 'Андрей', 'Александрович'), 'PDL30', 1_000_000n, 30, 10);
    const bnpl = await issued(
      person('Частями', 'Вера', 'Николаевна', { sex: 'female' }),
      'BNPL3',
      1_200_000n,
      64,
      20,
    );
    const first = (await getSchedule(tx, bnpl))[0]!;
    await repay(
      tx,
      {
        deal: bnpl,
        amount: first.total,
        service: 'Moneywall',
        txnId: `demo-${bnpl}-1`,
        date: first.dueDate,
        online: true,
      },
      PAYER,
    );
    const ann = await issued(person('Авансов', 'Илья', 'Ильич'), 'ANN6', 3_000_000n, 180, 40);
    const annLines = await getSchedule(tx, ann);
    const paidAt = annLines[0]!.dueDate;
    await repay(
      tx,
      {
        deal: ann,
        amount: annLines[0]!.total + 500_000n,
        service: 'QIWI',
        txnId: `demo-${ann}-1`,
        date: paidAt,
        online: true,
      },
      PAYER,
    );
    const paid = await issued(person('Оплатов', 'Семён', 'Семёнович'), 'PDL30', 800_000n, 30, 25);
    const debt = 800_000n + (800_000n * 8n * 20n) / 1000n; // 20 days at 0.8 %
    await repay(
      tx,
      {
        deal: paid,
        amount: debt,
        service: 'Site/1',
        txnId: `demo-${paid}-1`,
        date: addDays(today, -5),
        online: true,
      },
      PAYER,
    );
    const overdue = await issued(person('Должников', 'Виктор', 'Петрович'), 'PDL30', 2_000_000n, 30, 45);
    await repay(
      tx,
      {
        deal: overdue,
        amount: 100_000n,
        service: 'ZK',
        txnId: `demo-${overdue}-1`,
        date: addDays(today, -20),
      },
      PAYER,
    );

    // Collection, court, sale and write-off: one overdue loan in each status.
    const later: DealStatus[] = ACTIVE_STATUSES.filter((s) => s !== 'Выдан' && s !== 'Внесен аванс');
    const names = [
      'Коллекторов',
      'Контролев',
      'Выездной',
      'Безнадёжный',
      'Ожидалов',
      'Судебный',
      'Претензиев',
      'Пошлинов',
      'Судов',
      'Листов',
      'Приставов',
      'Проданов',
      'Списанов',
    ];
    for (const [i, status] of [...later, 'Продан', 'Списан'].entries()) {
      const id = await issued(
        person(names[i] ?? `Должник${i}`, 'Степан', 'Степанович'),
        'PDL30',
        1_000_000n,
        30,
        70 + i,
      );
      await moveDeal(tx, id, status as DealStatus, STAFF, 'демо: работа с просроченной задолженностью');
      if (status === 'Оплачена пошлина')
        await chargeDeal(
          tx,
          {
            deal: id,
            kind: 'duty',
            amount: 200_000n,
            reason: 'госпошлина за выдачу судебного приказа',
            date: today,
            key: 'demo-duty',
          },
          STAFF,
        );
    }

    // Accrue every active demo loan through today, as the nightly COB would have.
    await accrueRange(tx, today, 0n, 9_223_372_036_854_775_807n, `lending:demo:${today}`);
  },
};
