import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import PDFDocument from 'pdfkit';
import { BoundedCache } from '../../platform/bounded-cache.ts';
import { parseJsonQuick, stringifyJson } from '../../platform/json.ts';
import { verifySignature } from '../lenders/signing.ts';

/**
 * A bank on loopback that speaks Kopek's generic lender protocol (docs/broker.md), for the demo,
 * the tests and the benchmark. Behaviour is configured, never guessed from the form: delays,
 * declines above an amount, counter-offers, rescan requests, timeouts, print forms as PDF files
 * or as HTML templates, automatic or explicit payment of the first BNPL instalment.
 */
export interface SimProduct {
  code: string;
  name: string;
  kind: 'pos' | 'bnpl';
  /** POS: months; BNPL: number of payments every two weeks. */
  payments: number;
  /** Percent per year as exact text; "0" for BNPL. */
  rate: string;
  /** The rate as basis points per payment period, for integer arithmetic. */
  ratePerPeriodBp: number;
}

export interface SimulatorConfig {
  code: string;
  secret: string;
  products: SimProduct[];
  /** Score delay: uniformly between the two, in ms. */
  delayMs?: [number, number];
  /** Amounts above this are declined. */
  declineAbove?: bigint;
  /** Amounts above this get a counter-offer for this amount instead. */
  counterOfferAbove?: bigint;
  /** Scan types answered RESCAN_NEEDED the first time they are checked. */
  rescanOnce?: string[];
  /** Score hangs this long (beyond the broker's timeout or deadline). */
  hangMs?: number;
  printForms?: 'pdf' | 'template';
  /** Scans wanted for offline POS. */
  requiredScans?: string[];
  /** BNPL: the first instalment is paid by itself this many ms after the contract. */
  autoPayMs?: number;
  declineIssue?: boolean;
  /** The first scan check also re-issues the print forms (as a template). */
  reissuePrintForms?: boolean;
}

interface Application {
  id: string;
  kind: 'pos' | 'bnpl';
  offers: Map<string, { amount: bigint; regular: bigint; payments: number; product: SimProduct }>;
  confirmed?: string;
  paidAt?: Date;
  confirmedAt?: Date;
  signed: boolean;
  issued: boolean;
  cancelled: boolean;
  checkedScans: Set<string>;
}

/**
 * What a simulator remembers. It runs inside `kopek serve` in development for as long as the
 * server does (src/demo/companions.ts), so its memory is bounded: the latest calls (for tests),
 * and the latest applications (least recently used out), like a bank archiving old ones. The soak
 * bench found the unbounded versions growing by every form's full body (docs/resilience.md).
 */
export const MAX_CALLS = 100;
export const MAX_APPLICATIONS = 10_000;

export interface LenderSimulator {
  url: string;
  /** The latest calls received (MAX_CALLS unless told): operation and parsed body, oldest first. */
  calls: { op: string; body: Record<string, unknown> }[];
  applications: BoundedCache<string, Application>;
  config: SimulatorConfig;
  pay(applicationId: string): boolean;
  close(): Promise<void>;
}

const CONTRACT_HTML = `<h1>Договор потребительского кредита № {{number}}</h1>
<p>Сумма кредита: {{amount}}. Срок: {{term_value}} {{term_unit}}.</p>
<p>Ежемесячный платёж: {{regular_payment_amount}}, первый платёж {{first_payment_date}}, всего платежей: {{payments_count}}.</p>
<h2>Индивидуальные условия</h2><li>Полная стоимость кредита: {{effective_rate}}% годовых.</li>`;

const require = createRequire(import.meta.url);
const FONT = path.join(
  path.dirname(require.resolve('dejavu-fonts-ttf/package.json')),
  'ttf',
  'DejaVuSans.ttf',
);

export async function startLenderSimulator(
  config: SimulatorConfig,
  port = 0,
  limits = { calls: MAX_CALLS, applications: MAX_APPLICATIONS },
): Promise<LenderSimulator> {
  const applications = new BoundedCache<string, Application>({ maxEntries: limits.applications });
  const calls: LenderSimulator['calls'] = [];
  const pay = (id: string): boolean => {
    const app = applications.get(id);
    if (!app?.confirmed || app.cancelled) return false;
    app.paidAt ??= new Date();
    return true;
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 500, { error: String(error) }));
  });
  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://sim');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    // The hosted payment page of the lender, where a BNPL client pays the first instalment.
    const payMatch = /^\/pay\/([\w-]+)$/.exec(url.pathname);
    if (payMatch) {
      if (req.method === 'POST') return send(res, pay(payMatch[1]!) ? 200 : 404, { ok: true });
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><meta charset="utf-8"><h1>${config.code}: оплата первого платежа</h1>
<form method="post"><button>Оплатить</button></form>`);
      return;
    }
    if (req.method !== 'POST') return send(res, 404, { error: 'not found' });
    if (
      !verifySignature(config.secret, header(req, 'x-kopek-timestamp'), header(req, 'x-kopek-signature'), raw)
    )
      return send(res, 401, { error: 'bad signature' });
    const body = parseJsonQuick(raw) as Record<string, unknown>;
    const op = url.pathname.replace(/^\//, '');
    calls.push({ op, body });
    if (calls.length > limits.calls) calls.splice(0, calls.length - limits.calls);
    const app = applications.get(String(body.application_id));
    switch (op) {
      case 'score':
        return send(res, 200, await score(body));
      case 'confirm':
        return send(res, 200, await confirm(app, String(body.offer_id)));
      case 'scans': {
        if (!app) return send(res, 404, { error: 'unknown application' });
        const firstCheck = app.checkedScans.size === 0;
        const scans = (body.scans as { type: string }[]).map((s) => {
          const rescan = (config.rescanOnce ?? []).includes(s.type) && !app.checkedScans.has(s.type);
          app.checkedScans.add(s.type);
          return rescan
            ? {
                type: s.type,
                status: 'RESCAN_NEEDED',
                decline_reason: 'Скан нечитаемый, переснимите документ',
              }
            : { type: s.type, status: 'CONFIRMED' };
        });
        const reissue = config.reissuePrintForms && firstCheck;
        return send(res, 200, {
          scans,
          ...(reissue
            ? {
                templates: [
                  { name: 'Договор (уточнённый).pdf', html: `${CONTRACT_HTML}<p>Уточнено по сканам.</p>` },
                ],
              }
            : {}),
        });
      }
      case 'sign':
        if (app) app.signed = true;
        return send(res, 200, {});
      case 'payment_status': {
        if (!app?.confirmed) return send(res, 404, { error: 'unknown application' });
        if (
          config.autoPayMs !== undefined &&
          app.confirmedAt &&
          Date.now() - app.confirmedAt.getTime() >= config.autoPayMs
        )
          app.paidAt ??= new Date();
        const offer = app.offers.get(app.confirmed)!;
        return send(res, 200, {
          status: app.paidAt ? 'paid' : 'pending',
          payments: app.paidAt
            ? [
                {
                  payed_at: fmt(app.paidAt),
                  status: 'success',
                  amount: offer.regular,
                  transaction_number: `T-${app.id.slice(0, 8)}`,
                },
              ]
            : [],
        });
      }
      case 'issue':
        if (!app) return send(res, 404, { error: 'unknown application' });
        if (config.declineIssue) return send(res, 200, { status: 'declined', reason: 'Отказ в выдаче' });
        app.issued = true;
        return send(res, 200, { status: 'done' });
      case 'cancel':
        if (app) app.cancelled = true;
        return send(res, 200, {});
      default:
        return send(res, 404, { error: `unknown operation ${op}` });
    }
  }

  async function score(body: Record<string, unknown>) {
    const [lo, hi] = config.delayMs ?? [0, 0];
    await sleep(config.hangMs ?? lo + Math.random() * (hi - lo));
    const kind = body.kind === 'bnpl' ? 'bnpl' : 'pos';
    const requested = BigInt(String(body.amount));
    const id = String(body.application_id);
    if (config.declineAbove !== undefined && requested > config.declineAbove)
      return { decision: 'declined', reason: 'Сумма превышает лимит банка' };
    const products = config.products.filter((p) => p.kind === kind);
    if (products.length === 0) return { decision: 'declined', reason: 'Нет продуктов' };
    const amount =
      config.counterOfferAbove !== undefined && requested > config.counterOfferAbove
        ? config.counterOfferAbove
        : requested;
    const app: Application = applications.get(id) ?? {
      id,
      kind,
      offers: new Map(),
      signed: false,
      issued: false,
      cancelled: false,
      checkedScans: new Set(),
    };
    applications.set(id, app);
    const initial = BigInt(String(body.initial_payment ?? 0));
    const offers = products.map((p) => {
      const principal = amount - (amount === requested ? initial : 0n);
      // Flat interest per period, in integer kopecks: total = principal * (1 + bp * n / 10000).
      const total = principal + (principal * BigInt(p.ratePerPeriodBp) * BigInt(p.payments)) / 10_000n;
      const regular = (total + BigInt(p.payments) - 1n) / BigInt(p.payments);
      const offerId = `${config.code}-${p.code}`;
      app.offers.set(offerId, { amount: principal, regular, payments: p.payments, product: p });
      return {
        id: offerId,
        name: p.name,
        initial_payment: amount === requested ? initial : 0n,
        amount: principal,
        life_insurance_sum: 0n,
        work_insurance_sum: 0n,
        term_value: kind === 'bnpl' ? p.payments * 2 : p.payments,
        term_unit: kind === 'bnpl' ? 'week' : 'month',
        regular_payment_amount: regular,
        regular_period_type: kind === 'bnpl' ? 'week' : 'month',
        payments_count: p.payments,
        rate: p.rate,
      };
    });
    return { decision: 'approved', offers };
  }

  async function confirm(app: Application | undefined, offerId: string) {
    const offer = app?.offers.get(offerId);
    if (!app || !offer) return { decision: 'declined', reason: 'Предложение не найдено' };
    app.confirmed = offerId;
    app.confirmedAt = new Date();
    const number = `${config.code.toUpperCase()}-${app.id.slice(0, 8)}`;
    const first = new Date(Date.now() + (app.kind === 'bnpl' ? 14 : 30) * 86_400_000)
      .toISOString()
      .slice(0, 10);
    const contract = {
      number,
      effective_rate: offer.product.rate,
      amount: offer.amount,
      term_value: app.kind === 'bnpl' ? offer.payments * 2 : offer.payments,
      term_unit: app.kind === 'bnpl' ? 'week' : 'month',
      regular_payment_amount: offer.regular,
      first_payment_date: first,
      payments_count: offer.payments,
    };
    const html = CONTRACT_HTML;
    const paymentUrl = app.kind === 'bnpl' ? `http://${hostOf()}/pay/${app.id}` : undefined;
    const base = {
      decision: 'ready',
      contract,
      required_scans: config.requiredScans ?? [],
      ...(paymentUrl ? { payment_url: paymentUrl } : {}),
    };
    if ((config.printForms ?? 'pdf') === 'template')
      return { ...base, templates: [{ name: 'Договор.pdf', html }] };
    return {
      ...base,
      documents: [
        {
          name: 'Индивидуальные условия.pdf',
          mime_type: 'application/pdf',
          base64: (await pdf(`Индивидуальные условия договора № ${number}`)).toString('base64'),
        },
      ],
    };
  }

  function hostOf(): string {
    const a = server.address() as AddressInfo;
    return `127.0.0.1:${a.port}`;
  }

  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://${hostOf()}`,
    calls,
    applications,
    config,
    pay,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function send(res: ServerResponse, status: number, body: unknown) {
  if (res.headersSent) return;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(stringifyJson(body));
}

function sleep(ms: number) {
  return new Promise((r) => setTimeout(r, ms));
}

function fmt(d: Date): string {
  return d.toISOString().replace('T', ' ').slice(0, 19);
}

function pdf(title: string): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: 56 });
  doc.registerFont('r', FONT);
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));
  doc
    .font('r')
    .fontSize(14)
    .text(title)
    .moveDown()
    .fontSize(10)
    .text('Документ сформирован симулятором банка.');
  doc.end();
  return done;
}

export function newSimulatorSecret(): string {
  return randomUUID();
}
