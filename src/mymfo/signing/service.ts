import { normalisePassport } from '../../lending/clients/repository.ts';
import { todayMoscow } from '../../lending/dates.ts';
import { signDeal } from '../../lending/deals/decisions.ts';
import { type Deal, getDeal } from '../../lending/deals/repository.ts';
import { individualTerms } from '../../lending/documents/individual-terms.ts';
import { renderIndividualTerms, type SignatureProof } from '../../lending/documents/terms-pdf.ts';
import type { DealStatus } from '../../lending/types.ts';
import { sendSms } from '../../notify/outbox.ts';
import type { Actor } from '../../platform/audit.ts';
import type { AppContext } from '../../platform/context.ts';
import { safeEqual, sha256Hex } from '../../platform/crypto.ts';
import type { Queryable } from '../../platform/db/pool.ts';
import { withTx } from '../../platform/db/tx.ts';
import { AppError } from '../../platform/errors.ts';
import { clientCode } from '../codes.ts';
import { attemptsLeft, checkSigningCode, issueSigningCode } from './codes.ts';

/** The contract of a deal as the site receives it: the PDF and what identifies it. */
export interface ContractDocument {
  idClient: string;
  idDeal: string;
  signed: boolean;
  fileName: string;
  pdf: Buffer;
  /** sha256 hex of `pdf`. For the unsigned copy: the document hash its signature will carry. */
  sha256: string;
}

/** No contract is printed for these: the application is closed without a loan. */
const CLOSED: readonly DealStatus[] = ['Отказ', 'Отменен'];

function notFound(): AppError {
  return new AppError('not_found', 'mymfo.signing.deal_not_found', 'договор с таким номером не найден');
}

/**
 * The deal by its number, checked against the passport the site sent (series and number, spaces
 * ignored). `passport` undefined: not checked (dealinpdf's `pd` is optional in the document).
 */
async function dealOfPassport(
  db: Queryable,
  ctx: AppContext,
  number: string,
  passport: string | undefined,
  forUpdate = false,
): Promise<Deal> {
  if (!number.trim()) throw notFound();
  let deal: Deal;
  try {
    deal = await getDeal(db, number, forUpdate);
  } catch (error) {
    if (error instanceof AppError && error.kind === 'not_found') throw notFound();
    throw error;
  }
  if (passport === undefined) return deal;
  if (!normalisePassport(passport))
    throw new AppError('validation', 'mymfo.signing.passport_required', 'не указан паспорт заемщика');
  const { rows } = await db.query<{ passport_hash: string }>(
    'SELECT passport_hash FROM lending.clients WHERE id = $1',
    [deal.clientId],
  );
  if (!rows[0] || !safeEqual(rows[0].passport_hash, ctx.cipher.lookupHash(normalisePassport(passport))))
    throw new AppError(
      'forbidden',
      'mymfo.signing.passport_mismatch',
      'паспорт не совпадает с паспортом заемщика по договору',
    );
  return deal;
}

function fileName(deal: Deal, signed: boolean): string {
  return `${signed ? 'Договор' : 'Индивидуальные условия'} ${deal.number}${signed ? ' (подписан)' : ''}.pdf`;
}

function documentOf(deal: Deal, pdf: Buffer, signed: boolean): ContractDocument {
  return {
    idClient: clientCode(deal.clientId),
    idDeal: deal.number,
    signed,
    fileName: fileName(deal, signed),
    pdf,
    sha256: sha256Hex(pdf),
  };
}

async function storedSignature(
  db: Queryable,
  dealId: bigint,
): Promise<{ code_hash: string; pdf: Buffer } | undefined> {
  const { rows } = await db.query<{ code_hash: string; pdf: Buffer }>(
    'SELECT code_hash, pdf FROM mymfo.signatures WHERE deal_id = $1',
    [dealId],
  );
  return rows[0];
}

/**
 * `dealinpdf`: the individual terms to read before signing. Once the deal is signed through
 * codereview, the signed copy kept then. Refused for a declined or cancelled application
 * (unless it was signed before).
 */
export async function contractDocument(
  ctx: AppContext,
  number: string,
  passport: string | undefined,
): Promise<ContractDocument> {
  const deal = await dealOfPassport(ctx.pool, ctx, number, passport);
  const signature = await storedSignature(ctx.pool, deal.id);
  if (signature) return documentOf(deal, signature.pdf, true);
  if (CLOSED.includes(deal.status))
    throw new AppError(
      'conflict',
      'mymfo.signing.deal_closed',
      `договор не формируется: заявка в статусе «${deal.status}»`,
    );
  // A deal signed some other way (staff, an import) has no ASP proof to print: its terms as
  // signed (the snapshot of the signing date), flagged signed.
  const terms = await individualTerms(ctx.pool, ctx.cipher, deal);
  return documentOf(deal, await renderIndividualTerms(terms), deal.signedAt !== null);
}

function assertSignable(deal: Deal): void {
  if (deal.status === 'Одобрен') return;
  if (deal.signedAt) throw new AppError('conflict', 'mymfo.signing.already_signed', 'договор уже подписан');
  throw new AppError(
    'conflict',
    'mymfo.signing.not_approved',
    `договор в статусе «${deal.status}» не может быть подписан: подписать можно только одобренную заявку`,
  );
}

/**
 * `dealsign/code`: a new six-digit ASP code for an approved deal; it replaces the previous code.
 * Delivery `site` (the document's way) returns the code for the site to send by SMS; delivery
 * `sms` sends it from Kopek and returns no code. At rest it is only a keyed hash either way.
 */
export async function requestSigningCode(
  ctx: AppContext,
  passport: string,
  number: string,
): Promise<{ idClient: string; idDeal: string; code?: string }> {
  return withTx(ctx.pool, async (tx) => {
    const deal = await dealOfPassport(tx, ctx, number, passport, true);
    assertSignable(deal);
    const ids = { idClient: clientCode(deal.clientId), idDeal: deal.number };
    const code = await issueSigningCode(tx, ctx.cipher, deal.id, ids, ctx.config.mymfoSignCodeTtlMinutes);
    if (ctx.config.mymfoSignCodeDelivery === 'site') return { ...ids, code };
    const { rows } = await tx.query<{ phone: string }>('SELECT phone FROM lending.clients WHERE id = $1', [
      deal.clientId,
    ]);
    await sendSms(tx, ctx, {
      module: 'mymfo',
      subjectId: deal.clientId,
      purpose: 'signing_code',
      phone: rows[0]!.phone,
      text: `Код для подписания договора займа ${deal.number}: ${code}. Действует ${ctx.config.mymfoSignCodeTtlMinutes} мин. Никому не сообщайте код.`,
    });
    return ids;
  });
}

const SHA256_HEX = /^[0-9a-fA-F]{64}$/;

type ReviewOutcome =
  | { kind: 'signed'; document: ContractDocument }
  | { kind: 'wrong'; left: number }
  | { kind: 'expired' | 'blocked' | 'missing' };

/**
 * `dealsign/codereview`: `value` is sha256(IDClient + IDDeal + code). The right value of a live
 * code signs the deal ("Подписан (дистанционно)") with the proof — code hash, phone, time, the
 * caller's IP, sha256 of the unsigned PDF — and answers the signed PDF, kept so that a repeated
 * right review answers the same bytes and signs nothing twice. Parallel reviews serialise on the
 * deal's row lock. A wrong value counts a try (committed before the refusal); after 5 the code
 * is dead; an expired one is refused.
 */
export async function reviewSigningCode(
  ctx: AppContext,
  input: { passport: string; number: string; value: string; ip: string; actor: Actor },
): Promise<ContractDocument> {
  const value = input.value.trim();
  if (!SHA256_HEX.test(value))
    throw new AppError(
      'validation',
      'mymfo.signing.hash_format',
      'неверный формат кода: ожидается SHA-256 от IDClient + IDDeal + код АСП (64 шестнадцатеричных символа)',
    );
  const outcome = await withTx(ctx.pool, async (tx): Promise<ReviewOutcome> => {
    const deal = await dealOfPassport(tx, ctx, input.number, input.passport, true);
    const signature = await storedSignature(tx, deal.id);
    if (signature) {
      if (safeEqual(signature.code_hash, value.toLowerCase()))
        return { kind: 'signed', document: documentOf(deal, signature.pdf, true) };
      throw new AppError('conflict', 'mymfo.signing.already_signed', 'договор уже подписан');
    }
    assertSignable(deal);
    const check = await checkSigningCode(tx, ctx.cipher, deal.id, value);
    if (check === 'wrong') return { kind: 'wrong', left: await attemptsLeft(tx, deal.id) };
    if (check !== 'ok') return { kind: check };

    const today = todayMoscow();
    const terms = await individualTerms(tx, ctx.cipher, deal, today);
    const unsigned = await renderIndividualTerms(terms);
    const { rows } = await tx.query<{ now: Date }>('SELECT now() AS now');
    const proof: SignatureProof = {
      method: 'sms_code',
      codeHash: value.toLowerCase(),
      phone: terms.borrower.phone,
      signedAt: rows[0]!.now.toISOString(),
      ip: input.ip,
      documentHash: sha256Hex(unsigned),
    };
    const pdf = await renderIndividualTerms(terms, proof);
    await signDeal(tx, deal.id, JSON.stringify(proof), input.actor, today);
    await tx.query(
      `INSERT INTO mymfo.signatures (deal_id, code_hash, phone, signed_at, ip, document_hash, pdf)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [deal.id, proof.codeHash, proof.phone, proof.signedAt, proof.ip, proof.documentHash, pdf],
    );
    return { kind: 'signed', document: documentOf(deal, pdf, true) };
  });
  switch (outcome.kind) {
    case 'signed':
      return outcome.document;
    case 'wrong':
      throw new AppError(
        'validation',
        'mymfo.signing.wrong_code',
        outcome.left > 0
          ? `неверный код подписания, осталось попыток: ${outcome.left}`
          : 'неверный код подписания; попытки исчерпаны, запросите новый код',
      );
    case 'blocked':
      throw new AppError(
        'limit',
        'mymfo.signing.attempts_exhausted',
        'исчерпаны попытки ввода кода, запросите новый код',
      );
    case 'expired':
      throw new AppError(
        'limit',
        'mymfo.signing.code_expired',
        'срок действия кода истек, запросите новый код',
      );
    case 'missing':
      throw new AppError(
        'conflict',
        'mymfo.signing.no_code',
        'код подписания не запрашивался, запросите код (dealsign/code)',
      );
  }
}
