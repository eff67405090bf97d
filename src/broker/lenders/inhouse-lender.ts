import { Decimal } from 'decimal.js';
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
import type {
  ContractResult,
  IssueResult,
  LenderAdapter,
  LenderForm,
  LenderOffer,
  LenderScan,
  OfferRef,
  PaymentState,
  ScanCheckResult,
  ScoreResult,
  SigningEvidence,
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
 * Only POS credit: the engine's BNPL product needs the client's first payment on a payment page
 * of its own, which the broker's payment-link signing does not have for this lender yet.
 */
export class InhouseLender implements LenderAdapter {
  constructor(private readonly ctx: AppContext) {}

  async score(form: LenderForm): Promise<ScoreResult> {
    if (form.kind !== 'pos')
      return { decision: 'declined', reason: 'МФО «Копек» выдаёт через брокера только POS-кредиты' };
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

  /** One application per fitting product; the engine's refusals (caps, client data) become the reason. */
  private async openApplications(
    tx: Tx,
    form: LenderForm,
  ): Promise<{ deals: InhouseDeal[]; reason?: string }> {
    const credit = form.amount - form.initialPayment;
    const products = (await listProducts(tx, { activeOnly: true })).filter(
      (p) => p.kind !== 'bnpl3' && credit >= p.minAmount && credit <= p.maxAmount,
    );
    if (products.length === 0)
      return { deals: [], reason: `у МФО нет продукта на сумму ${formatRoublesRu(credit)}` };
    const deals: InhouseDeal[] = [];
    const refusals: string[] = [];
    for (const product of products) {
      await tx.query('SAVEPOINT inhouse_application');
      try {
        const { deal } = await createApplication(
          tx,
          this.ctx.cipher,
          {
            client: clientFromForm(form.fields),
            product: product.id,
            amount: credit,
            termDays: termDaysFor(product, form.termValue),
            source: 'broker',
            extra: { brokerApplication: form.applicationId },
          },
          ACTOR,
        );
        let current = deal;
        // The broker waits for an answer until its deadline; a person cannot look in time.
        if (current.status === 'На рассмотрении')
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
      return { decision: 'ready' as const, deal: chosen };
    });
    if (prepared.decision === 'declined') return prepared;
    const { deal } = prepared;
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
          }),
        },
      ],
      requiredScans: REQUIRED_SCANS,
      paymentUrl: undefined,
    };
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

  async paymentStatus(): Promise<PaymentState> {
    throw new Error('МФО «Копек» не выдаёт сплит через брокера: статуса оплаты нет');
  }

  /**
   * The partner confirmed the deal: the loan pays the merchant for the goods. The payout is
   * registered as made outside the card/bank channels (the broker settles with the merchant by
   * its registries), which moves the deal to "Выдан" with the ledger transfer of the principal.
   */
  async issue(ref: OfferRef): Promise<IssueResult> {
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
    await withTx(this.ctx.pool, async (tx) => {
      for (const d of await dealsOf(tx, ref.applicationId, true))
        if (OPEN.includes(d.deal.status))
          await cancelDeal(tx, d.deal.id, 'анкета отменена партнёром брокера', ACTOR);
    });
  }
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
