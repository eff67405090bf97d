import { isIsoDate, todayMoscow } from '../lending/dates.ts';
import { getDeal } from '../lending/deals/repository.ts';
import { registerExternalIssue } from '../lending/issue/issue.ts';
import type { Actor } from '../platform/audit.ts';
import type { AppContext } from '../platform/context.ts';
import { withTx } from '../platform/db/tx.ts';
import { AppError } from '../platform/errors.ts';
import { formatRoubles, type Kopecks, parseRoubles } from '../platform/money.ts';
import { readDate } from './application-form.ts';
import { checkDealNumber } from './deals.ts';

/** `fixingissue` as Kopek defines it (the document names it only). */
export interface ExternalIssueInput {
  IDDeal?: unknown;
  date?: unknown;
  amount?: unknown;
  method?: unknown;
  reference?: unknown;
}

export interface ExternalIssue {
  number: string;
  status: string;
  issueDate: string;
  amount: Kopecks;
  method: string;
  reference: string | null;
}

function bad(message: string): AppError {
  return new AppError('validation', 'mymfo.fixingissue_invalid', message);
}

function str(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim() || undefined;
  if (typeof value === 'number') return String(value);
  return undefined;
}

/**
 * Registers that a signed loan was paid out outside Kopek (cash desk, another bank) on `date`,
 * of `amount` roubles (the deal's whole amount), by `method` with an optional `reference`.
 * Idempotent by deal: the same report again answers the same; a different one is refused.
 */
export async function fixIssue(
  ctx: AppContext,
  input: ExternalIssueInput,
  actor: Actor,
  today = todayMoscow(),
): Promise<ExternalIssue> {
  const problems: string[] = [];
  const numberText = str(input.IDDeal);
  if (!numberText) problems.push('IDDeal (номер договора): не указан');
  const date = str(input.date) === undefined ? today : readDate(str(input.date));
  if (!date || !isIsoDate(date)) problems.push('date (дата выдачи): ГГГГ-ММ-ДД');
  else if (date > today) problems.push('date (дата выдачи): дата выдачи не может быть в будущем');
  let amount: Kopecks | undefined;
  if (str(input.amount) === undefined) problems.push('amount (сумма выдачи): не указана');
  else
    try {
      amount = parseRoubles(str(input.amount)!, { allowZero: false });
    } catch {
      problems.push('amount (сумма выдачи): положительное число рублей, например 15000 или 15000.00');
    }
  const method = str(input.method);
  if (!method) problems.push('method (способ выдачи): не указан, например «Наличные в кассе»');
  else if (method.length > 100) problems.push('method (способ выдачи): не длиннее 100 символов');
  const reference = str(input.reference) ?? null;
  if (reference && reference.length > 100)
    problems.push('reference (номер документа): не длиннее 100 символов');
  if (problems.length) throw bad(problems.join('; '));
  const number = checkDealNumber(numberText!);
  return withTx(ctx.pool, async (tx) => {
    const deal = await getDeal(tx, number, true).catch((error: unknown) => {
      if (error instanceof AppError && error.kind === 'not_found')
        throw new AppError('not_found', 'mymfo.deal_not_found', `договор ${number} не найден`);
      throw error;
    });
    const existing = await tx.query<{
      issue_date: string;
      amount: bigint;
      method: string;
      reference: string | null;
    }>(`SELECT issue_date::text, amount, method, reference FROM mymfo.external_issues WHERE deal_id = $1`, [
      deal.id,
    ]);
    const prior = existing.rows[0];
    if (prior) {
      if (prior.issue_date !== date || prior.amount !== amount || prior.method !== method)
        throw new AppError(
          'conflict',
          'mymfo.issue_registered',
          `выдача по договору ${number} уже зарегистрирована ${prior.issue_date}`,
        );
      return {
        number,
        status: deal.status,
        issueDate: prior.issue_date,
        amount: prior.amount,
        method: prior.method,
        reference: prior.reference,
      };
    }
    if (amount !== deal.amount)
      throw bad(
        `amount (сумма выдачи): выдача регистрируется на всю сумму договора ${formatRoubles(deal.amount)} руб.`,
      );
    if (deal.status !== 'Подписан (дистанционно)')
      throw new AppError(
        'conflict',
        'mymfo.not_signed',
        `договор ${number} в статусе «${deal.status}»: выдать можно только подписанный договор`,
      );
    await tx.query(
      `INSERT INTO mymfo.external_issues (deal_id, issue_date, amount, method, reference) VALUES ($1, $2, $3, $4, $5)`,
      [deal.id, date, amount, method, reference],
    );
    const issued = await registerExternalIssue(
      tx,
      deal.id,
      { issueDate: date!, ref: reference ? `${method}, ${reference}` : method! },
      actor,
    );
    return { number, status: issued.status, issueDate: date!, amount: amount!, method: method!, reference };
  });
}
