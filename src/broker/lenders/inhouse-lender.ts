import { Decimal } from 'decimal.js';
import { AcquiringUnavailable } from '../../bnpl/acquiring/gateway.ts';
import { completeCardPayment } from '../../bnpl/frame.ts';
import { closeUnpaidSession } from '../../bnpl/lifecycle.ts';
import { internalMerchant, type Merchant } from '../../bnpl/merchants.ts';
import { checkoutVerdict } from '../../bnpl/opening.ts';
import { refund } from '../../bnpl/refunds.ts';
import {
  cardPayments,
  findByOrder,
  frameUrl,
  openSessionForDeal,
  type Session,
} from '../../bnpl/sessions.ts';
import { BNPL_TERM_DAYS } from '../../lending/bnpl-pricing.ts';
import { createApplication } from '../../lending/deals/applications.ts';
import { cancelDeal, decideDeal, signDeal } from '../../lending/deals/decisions.ts';
import { attachFiles } from '../../lending/deals/files.ts';
import { type Deal, getDeal, getSchedule } from '../../lending/deals/repository.ts';
import { registerExternalIssue } from '../../lending/issue/issue.ts';
import { getProduct, listProducts } from '../../lending/products/repository.ts';
import type { DealStatus, Product } from '../../lending/types.ts';
import type { Actor } from '../../platform/audit.ts';
import type { AppContext } from '../../platform/context.ts';
import type { Queryable } from '../../platform/db/pool.ts';
import { type Tx, withTx } from '../../platform/db/tx.ts';
import { AppError } from '../../platform/errors.ts';
import { formatRoublesRu } from '../../platform/money.ts';
import type { TermUnit } from '../dictionaries.ts';
import {
  type ContractResult,
  type IssueResult,
  type LenderAdapter,
  type LenderForm,
  type LenderOffer,
  type LenderPayment,
  type LenderScan,
  LenderUnavailable,
  type OfferRef,
  type PaymentState,
  type ScanCheckResult,
  type ScoreResult,
  type SigningEvidence,
} from './adapter.ts';
import { clientFromForm } from './inhouse-client.ts';
import { contractTemplate } from './inhouse-template.ts';

const ACTOR: Actor = { type: 'system', id: 'broker' };

/** Statuses of a deal that has not been paid out and may still be called off. */
const OPEN: readonly DealStatus[] = [
  'Новый',
  'На рассмотрении',
  'Предварительно одобрено',
  'Одобрен',
  'Подписан (дистанционно)',
];

/** Scans the MFO keeps with the deal (passport pages); the broker asks them of offline POS only. */
const REQUIRED_SCANS = ['PASSPORT_MAIN', 'PASSPORT_REGISTRATION'];

interface InhouseDeal {
  productCode: string;
  deal: Deal;
}

/**
 * Kopek's own MFO as one of the broker's lenders, in-process: a form becomes a loan application
 * per MFO product whose amount range holds the credit asked for (the term is the product's
 * nearest to the one asked for), scored at once by the engine's rules. Approved applications
 * are the offers (the deal number is the offer id); the rest decline. Confirm cancels the
 * other applications and hands out the contract; signing is the broker's SMS code (ASP);
 * issue pays the merchant for the goods (the loan's principal leaves the MFO's cash in the
 * ledger); cancel calls off every application not yet paid out.
 *
 * BNPL forms become one BNPL3 application (the engine's three-part product, Moneywall's price),
 * decided by Moneywall's checkout rule. Confirm opens a Moneywall checkout session for the deal
 * (merchant `broker-<partner id>`, order = the form's guid) at its payment step: its frame is the
 * `payment_url`. Paying the first part there signs and issues the loan (Moneywall's `openLoan`),
 * so `paymentStatus` reads the session and `issue` only checks it; cancel closes an unpaid
 * session or refunds (voids) a paid one.
 */
export class InhouseLender implements LenderAdapter {
  constructor(private readonly ctx: AppContext) {}

  async score(form: LenderForm): Promise<ScoreResult> {
    return withTx(this.ctx.pool, async (tx) => {
      // Two scoring calls for one form (a job retry) must not open two sets of applications.
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`broker:inhouse:${form.applicationId}`]);
      let deals = await dealsOf(tx, form.applicationId);
      let reason: string | undefined;
      if (deals.length === 0) {
        const opened = await this.openApplications(tx, form);
        deals = opened.deals;
        reason = opened.reason;
      }
      const offers: LenderOffer[] = [];
      for (const d of deals)
        if (d.deal.status === 'Одобрен') offers.push(await offerOf(tx, d.deal, form.initialPayment));
      if (offers.length > 0) return { decision: 'approved', offers };
      const reasons = deals.map((d) => d.deal.decisionReason ?? scoringText(d.deal)).filter(Boolean);
      return { decision: 'declined', reason: (reason ?? reasons.join('; ')) || 'отказ МФО' };
    });
  }

  /**
   * One application per fitting product (POS: every non-BNPL product; BNPL: the three-part
   * product); the engine's refusals (caps, client data) become the reason.
   */
  private async openApplications(
    tx: Tx,
    form: LenderForm,
  ): Promise<{ deals: InhouseDeal[]; reason?: string }> {
    const credit = form.amount - form.initialPayment;
    const bnpl = form.kind === 'bnpl';
    const products = (await listProducts(tx, { activeOnly: true })).filter(
      (p) => (p.kind === 'bnpl3') === bnpl && credit >= p.minAmount && credit <= p.maxAmount,
    );
    if (products.length === 0)
      return { deals: [], reason: `у МФО нет продукта на сумму ${formatRoublesRu(credit)}` };
    const deals: InhouseDeal[] = [];
    const refusals: string[] = [];
    for (const product of products) {
      await tx.query('SAVEPOINT inhouse_application');
      try {
        const { deal, scoring } = await createApplication(
          tx,
          this.ctx.cipher,
          {
            client: clientFromForm(form.fields),
            product: product.id,
            amount: credit,
            // BNPL3: 64 days by construction, priced on the order (no departure date: K = 1.20).
            termDays: bnpl ? BNPL_TERM_DAYS : termDaysFor(product, form.termValue),
            ...(bnpl ? { orderAmount: credit } : {}),
            source: 'broker',
            extra: { brokerApplication: form.applicationId },
          },
          ACTOR,
        );
        let current = deal;
        if (bnpl) {
          // Moneywall's rule: the reviews a three-part loan cannot wait for are accepted.
          const verdict = checkoutVerdict(scoring);
          if (verdict.approved && current.status !== 'Одобрен')
            current = await decideDeal(
              tx,
              current.id,
              'approve',
              `брокер, оплата частями: ${verdict.note}`,
              ACTOR,
            );
          if (!verdict.approved && current.status !== 'Отказ')
            current = await decideDeal(tx, current.id, 'decline', verdict.reason, ACTOR);
        }
        // The broker waits for an answer until its deadline; a person cannot look in time.
        else if (current.status === 'На рассмотрении')
          current = await decideDeal(
            tx,
            current.id,
            'decline',
            `нужна ручная проверка, которую срок ответа брокера не позволяет: ${scoringText(current)}`,
            ACTOR,
          );
        await tx.query(
          'INSERT INTO broker.inhouse_deals (application_id, product_code, deal_id) VALUES ($1, $2, $3)',
          [form.applicationId, product.code, current.id],
        );
        deals.push({ productCode: product.code, deal: current });
      } catch (error) {
        if (!(error instanceof AppError) || (error.kind !== 'validation' && error.kind !== 'limit'))
          throw error;
        await tx.query('ROLLBACK TO SAVEPOINT inhouse_application');
        refusals.push(error.message);
      }
    }
    return deals.length > 0 ? { deals } : { deals, reason: [...new Set(refusals)].join('; ') };
  }

  async confirm(ref: OfferRef): Promise<ContractResult> {
    const prepared = await withTx(this.ctx.pool, async (tx) => {
      const chosen = await dealOf(tx, ref);
      if (chosen.status !== 'Одобрен' && chosen.status !== 'Подписан (дистанционно)')
        return { decision: 'declined' as const, reason: `заявка МФО в статусе «${chosen.status}»` };
      for (const other of await dealsOf(tx, ref.applicationId))
        if (other.deal.id !== chosen.id && OPEN.includes(other.deal.status))
          await cancelDeal(tx, other.deal.id, 'клиент выбрал другое предложение', ACTOR);
      // BNPL: the client pays the first part on Moneywall's page, opened for this deal.
      const session =
        ref.kind === 'bnpl' ? await this.openCheckout(tx, ref.applicationId, chosen) : undefined;
      return { decision: 'ready' as const, deal: chosen, session };
    });
    if (prepared.decision === 'declined') return prepared;
    const { deal, session } = prepared;
    const product = await getProduct(this.ctx.pool, deal.productId);
    const schedule = await getSchedule(this.ctx.pool, deal.id);
    const { rows } = await this.ctx.pool.query<{ full_name: string }>(
      `SELECT concat_ws(' ', last_name, first_name, middle_name) AS full_name FROM lending.clients WHERE id = $1`,
      [deal.clientId],
    );
    const term = termOf(product, deal, schedule.length);
    return {
      decision: 'ready',
      contract: {
        number: deal.number,
        effectiveRate: deal.pskPercent ?? undefined,
        amount: deal.amount,
        termValue: term.value,
        termUnit: term.unit,
        regularPaymentAmount: schedule[0]?.total ?? deal.amount,
        firstPaymentDate: schedule[0]?.dueDate ?? '',
        paymentsCount: schedule.length,
      },
      documents: [],
      templates: [
        {
          name: `Индивидуальные условия ${deal.number}.pdf`,
          html: contractTemplate({
            product,
            clientName: rows[0]?.full_name ?? '',
            pskPercent: deal.pskPercent,
            pskAmount: deal.pskAmount,
            schedule,
            signing: session ? 'payment' : 'sms',
          }),
        },
      ],
      requiredScans: session ? [] : REQUIRED_SCANS,
      paymentUrl: session ? frameUrl(this.ctx.config, session.frameToken) : undefined,
    };
  }

  /** The Moneywall session of a BNPL deal, for its form's partner (idempotent per form). */
  private async openCheckout(tx: Tx, applicationId: string, deal: Deal): Promise<Session> {
    const { rows } = await tx.query<{
      partner_id: bigint;
      partner_name: string;
      phone: string;
      email: string | null;
    }>(
      `SELECT f.partner_id, p.name AS partner_name, c.phone, c.email
       FROM broker.forms f JOIN broker.partners p ON p.id = f.partner_id, lending.clients c
       WHERE f.guid = $1 AND c.id = $2`,
      [applicationId, deal.clientId],
    );
    const row = rows[0];
    if (!row) throw new Error(`no broker form ${applicationId}`);
    const merchant = await internalMerchant(tx, this.ctx.cipher, {
      code: merchantCode(row.partner_id),
      name: `DenimHub: ${row.partner_name}`,
    });
    return openSessionForDeal(tx, this.ctx, {
      merchantId: merchant.id,
      orderId: applicationId,
      amount: deal.amount,
      dealId: deal.id,
      details: { phone: row.phone, ...(row.email ? { email: row.email } : {}) },
    });
  }

  /** Passport pages are kept with the deal; any image or PDF is accepted (a person checks later). */
  async checkScans(ref: OfferRef, scans: LenderScan[]): Promise<ScanCheckResult> {
    await withTx(this.ctx.pool, async (tx) => {
      const deal = await dealOf(tx, ref);
      const { rows } = await tx.query<{ filename: string }>(
        'SELECT filename FROM lending.deal_files WHERE deal_id = $1',
        [deal.id],
      );
      const have = new Set(rows.map((r) => r.filename));
      const files = scans
        .map((s) => ({ kind: s.type.startsWith('PASSPORT') ? 'passport_page' : 'other', s }))
        .map(({ kind, s }) => ({
          kind,
          filename: `broker-${s.type}-${s.content.length}.${s.mimeType.split('/')[1] ?? 'bin'}`,
          content: s.content,
        }))
        .filter((f) => !have.has(f.filename));
      if (files.length > 0) await attachFiles(tx, deal.id, files, ACTOR);
    });
    return {
      scans: scans.map((s) => ({ type: s.type, status: 'CONFIRMED', declineReason: undefined })),
      documents: [],
      templates: [],
    };
  }

  /** The broker's SMS code is the simple electronic signature (ASP) of the loan contract. */
  async sign(ref: OfferRef, evidence: SigningEvidence): Promise<void> {
    await withTx(this.ctx.pool, async (tx) => {
      const deal = await dealOf(tx, ref, true);
      if (deal.status !== 'Одобрен') return; // signed already (a job retry), or called off
      await signDeal(
        tx,
        deal.id,
        `АСП: код из СМС через брокера DenimHub, анкета ${ref.applicationId}, телефон ${evidence.phoneMasked}, ${evidence.signedAt.toISOString()}`,
        ACTOR,
      );
    });
  }

  /**
   * BNPL: the first part as Moneywall's session knows it. A card payment the client left at the
   * acquirer without coming back is read from the acquirer here (Moneywall's own completion).
   */
  async paymentStatus(ref: OfferRef): Promise<PaymentState> {
    const seen = await checkoutOf(this.ctx.pool, ref.applicationId);
    if (!seen) throw new Error(`no Moneywall session for form ${ref.applicationId}`);
    const last = (await cardPayments(this.ctx.pool, seen.session.id)).at(-1);
    if (seen.session.state === 'processing' && last?.status === 'created' && last.externalId)
      try {
        await completeCardPayment(this.ctx, seen.session.frameToken);
      } catch (error) {
        if (error instanceof AcquiringUnavailable) throw new LenderUnavailable(error.message);
        throw error;
      }
    const { session } = (await checkoutOf(this.ctx.pool, ref.applicationId))!;
    const payments = await cardPayments(this.ctx.pool, session.id);
    const state = session.state;
    return {
      status:
        state === 'processing'
          ? 'pending'
          : state === 'cancelled' || state === 'voided'
            ? 'declined'
            : 'paid',
      payments: payments.map(
        (p): LenderPayment => ({
          payedAt: p.updatedAt.toISOString().replace('T', ' ').slice(0, 19),
          status:
            p.status === 'authorized' || p.status === 'captured'
              ? 'success'
              : p.status === 'created'
                ? 'pending'
                : 'cancel',
          amount: p.amount,
          transactionNumber: p.externalId ?? `bnpl-${session.id}`,
        }),
      ),
    };
  }

  /**
   * The partner confirmed the deal: the loan pays the merchant for the goods. The payout is
   * registered as made outside the card/bank channels (the broker settles with the merchant by
   * its registries), which moves the deal to "Выдан" with the ledger transfer of the principal.
   */
  async issue(ref: OfferRef): Promise<IssueResult> {
    if (ref.kind === 'bnpl') {
      // Issued when the first part was paid (Moneywall's openLoan); here only checked.
      const checkout = await checkoutOf(this.ctx.pool, ref.applicationId);
      const state = checkout?.session.state;
      return state === 'authorized' || state === 'charged'
        ? { status: 'done' }
        : { status: 'declined', reason: `первый платёж не оплачен (платёжная сессия: ${state ?? 'нет'})` };
    }
    return withTx(this.ctx.pool, async (tx) => {
      const deal = await dealOf(tx, ref, true);
      if (deal.status === 'Выдан' || deal.issueDate !== null) return { status: 'done' as const };
      if (deal.status !== 'Подписан (дистанционно)')
        return { status: 'declined' as const, reason: `договор МФО в статусе «${deal.status}»` };
      const { rows } = await tx.query<{ partner: string; external_id: string }>(
        `SELECT p.guid AS partner, f.external_id FROM broker.forms f JOIN broker.partners p ON p.id = f.partner_id
         WHERE f.guid = $1`,
        [ref.applicationId],
      );
      const merchant = rows[0];
      await registerExternalIssue(
        tx,
        deal.id,
        {
          ref: merchant
            ? `оплата товара партнёру ${merchant.partner}, анкета ${merchant.external_id}`
            : `оплата товара по анкете ${ref.applicationId}`,
        },
        ACTOR,
      );
      return { status: 'done' as const };
    });
  }

  async cancel(ref: { applicationId: string; lenderOfferId?: string }): Promise<void> {
    const paid = await withTx(this.ctx.pool, async (tx) => {
      // The session's row lock orders this against a payment completing at the same time.
      const checkout = await checkoutOf(tx, ref.applicationId, true);
      if (checkout?.session.state === 'processing')
        await closeUnpaidSession(tx, checkout.session, {
          deal: 'анкета отменена партнёром брокера',
          history: 'анкета брокера отменена',
          callback: 'cancelled',
        });
      for (const d of await dealsOf(tx, ref.applicationId, true))
        if (OPEN.includes(d.deal.status))
          await cancelDeal(tx, d.deal.id, 'анкета отменена партнёром брокера', ACTOR);
      const state = checkout?.session.state;
      return state === 'authorized' || state === 'charged' ? checkout : undefined;
    });
    // A paid first part goes back by Moneywall's full refund (outside the transaction: it asks
    // the acquirer): within 24 hours a void (the card's hold released, the loan's payment and
    // issue reversed), later an early repayment.
    if (paid)
      await refund(
        this.ctx,
        paid.merchant,
        paid.session.orderId,
        paid.session.amount - paid.session.refundedTotal,
      );
  }
}

/** The Moneywall merchant standing for a broker partner. */
function merchantCode(partnerId: bigint): string {
  return `broker-${partnerId}`;
}

/** The Moneywall session of a BNPL form, with its merchant; none before confirm. */
async function checkoutOf(
  db: Queryable,
  applicationId: string,
  forUpdate = false,
): Promise<{ merchant: Merchant; session: Session } | undefined> {
  const { rows } = await db.query<Merchant>(
    `SELECT m.id, m.code, m.name FROM broker.forms f JOIN bnpl.merchants m ON m.code = 'broker-' || f.partner_id
     WHERE f.guid = $1`,
    [applicationId],
  );
  const merchant = rows[0];
  if (!merchant) return undefined;
  const session = await findByOrder(db, merchant.id, applicationId, forUpdate);
  return session ? { merchant, session } : undefined;
}

async function dealsOf(db: Queryable, applicationId: string, forUpdate = false): Promise<InhouseDeal[]> {
  const { rows } = await db.query<{ product_code: string; deal_id: bigint }>(
    `SELECT product_code, deal_id FROM broker.inhouse_deals WHERE application_id = $1 ORDER BY deal_id`,
    [applicationId],
  );
  const out: InhouseDeal[] = [];
  for (const r of rows)
    out.push({ productCode: r.product_code, deal: await getDeal(db, r.deal_id, forUpdate) });
  return out;
}

async function dealOf(db: Queryable, ref: OfferRef, forUpdate = false): Promise<Deal> {
  const { rows } = await db.query<{ deal_id: bigint }>(
    `SELECT i.deal_id FROM broker.inhouse_deals i JOIN lending.deals d ON d.id = i.deal_id
     WHERE i.application_id = $1 AND d.number = $2`,
    [ref.applicationId, ref.lenderOfferId],
  );
  if (!rows[0]) throw new Error(`no MFO application ${ref.lenderOfferId} for form ${ref.applicationId}`);
  return getDeal(db, rows[0].deal_id, forUpdate);
}

/** The form's term in months as days, brought into the product's range (a counter-offer on term). */
export function termDaysFor(product: Product, months: number | undefined): number {
  const asked = (months ?? 0) > 0 ? months! * 30 : product.maxTermDays;
  return Math.min(product.maxTermDays, Math.max(product.minTermDays, asked));
}

function termOf(product: Product, deal: Deal, payments: number): { value: number; unit: TermUnit } {
  return product.kind === 'annuity' && product.period === 'month'
    ? { value: payments, unit: 'month' }
    : { value: deal.termDays, unit: 'day' };
}

function periodOf(product: Product): TermUnit {
  // BNPL3: the second and third parts 32 and 64 days after the first, about a month apart.
  if (product.kind === 'bnpl3') return 'month';
  if (product.kind !== 'annuity') return 'day';
  return product.period === 'month' ? 'month' : 'week';
}

async function offerOf(db: Queryable, deal: Deal, initialPayment: bigint): Promise<LenderOffer> {
  const product = await getProduct(db, deal.productId);
  const schedule = await getSchedule(db, deal.id);
  const term = termOf(product, deal, schedule.length);
  return {
    lenderOfferId: deal.number,
    name: `МФО «Копек»: ${product.name}`,
    initialPayment,
    amount: deal.amount,
    lifeInsuranceSum: 0n,
    workInsuranceSum: 0n,
    termValue: term.value,
    termUnit: term.unit,
    regularPaymentAmount: schedule[0]?.total ?? deal.amount,
    regularPeriodType: periodOf(product),
    paymentsCount: schedule.length,
    // The product's daily rate as a yearly one (365 days), the figure the broker shows.
    rate: new Decimal(product.dailyRate).times(365).toString(),
  };
}

function scoringText(deal: Deal): string {
  return deal.scoringReasons.map((r) => r.text).join('; ');
}
