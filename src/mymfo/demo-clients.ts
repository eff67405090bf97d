import { findClientByPassport } from '../lending/clients/repository.ts';
import { addDays, todayMoscow } from '../lending/dates.ts';
import { createApplication } from '../lending/deals/applications.ts';
import { decideDeal, signDeal } from '../lending/deals/decisions.ts';
import { getDeal } from '../lending/deals/repository.ts';
import { registerExternalIssue } from '../lending/issue/issue.ts';
import type { Actor } from '../platform/audit.ts';
import type { AppContext } from '../platform/context.ts';
import type { Tx } from '../platform/db/tx.ts';
import { setCabinetPassword } from './cabinet.ts';

const STAFF: Actor = { type: 'staff', id: 'demo-officer' };

/** The borrower of the document's examples: passport 0808223433, phone 89111111111. */
export const DEMO_CABINET = {
  passport: '0808223433',
  phone: '89111111111',
  password: 'demo-password',
} as const;

/**
 * The document's example borrower, with a cabinet password (pass = sha256("89111111111" +
 * "demo-password")) and a loan issued 10 days ago.
 */
export async function seedCabinetDemo(tx: Tx, ctx: AppContext): Promise<void> {
  if (await findClientByPassport(tx, ctx.cipher, DEMO_CABINET.passport)) return;
  const today = todayMoscow();
  const client = {
    lastName: 'Иванов',
    firstName: 'Иван',
    middleName: 'Иванович',
    birthDate: '1988-11-22',
    phone: DEMO_CABINET.phone,
    email: 'test@mail.ru',
    passport: DEMO_CABINET.passport,
    passportIssueDate: '2008-07-29',
    passportIssuer: 'МО УФМС России',
    passportDivisionCode: '270-000',
    residenceAddress: { text: '190000, Санкт-Петербург, пр. Обуховской обороны д.86 кв.17' },
    registrationAddress: { text: '190000, Санкт-Петербург, пр. Елизарова д.12 кв.271' },
    work: { name: 'ООО "Перспектива"', experienceMonths: 60 },
    monthlyIncome: 8_000_000n,
  };
  const issueDate = addDays(today, -10);
  const first = await createApplication(
    tx,
    ctx.cipher,
    { client, product: 'PDL30', amount: 1_000_000n, termDays: 30, today: issueDate, source: 'demo' },
    STAFF,
  );
  if ((await getDeal(tx, first.deal.id)).status !== 'Одобрен')
    await decideDeal(tx, first.deal.id, 'approve', 'проверено андеррайтером', STAFF);
  await signDeal(tx, first.deal.id, 'АСП: код из СМС', STAFF, issueDate);
  await registerExternalIssue(tx, first.deal.id, { issueDate, ref: 'РКО-демо' }, STAFF);
  await setCabinetPassword(tx, first.deal.clientId, DEMO_CABINET.phone, DEMO_CABINET.password);
}
