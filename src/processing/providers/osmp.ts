import http from 'node:http';
import https from 'node:https';
import { XMLParser } from 'fast-xml-parser';
import { formatRoubles } from '../../platform/money.ts';
import type { ProviderConfig } from '../catalog.ts';
import { isResultCode, RESULT, type ResultCode } from '../finality.ts';
import { readSimpleOsmp } from './osmp-reader.ts';
import {
  type Contract,
  EXCHANGE_BODY_MAX,
  type Invoice,
  type InvoiceService,
  type ProviderAdapter,
  type ProviderAnswer,
  type ProviderExchange,
  type ProviderRequest,
} from './provider.ts';

const TIMEOUT_MS = 15_000;
const OWN_PARAMS = ['command', 'txn_id', 'txn_date', 'account', 'sum', 'sub_service'];

/** OSMP (QIWI) provider result codes that differ from the agent protocol's. */
const OSMP_TO_AGENT: Record<number, ResultCode> = {
  79: RESULT.forbiddenByProvider, // account not active
  90: RESULT.inProgress, // payment not completed yet
  243: RESULT.inProgress, // cannot check the account now
};

/** The general reader (exported for osmp-reader.test.ts); readSimpleOsmp goes first. */
export const osmpXmlParser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  trimValues: true,
  isArray: (name, jpath) =>
    ['response.fields.field', 'response.contracts.contract', 'response.invoices.invoice'].includes(
      String(jpath),
    ) ||
    (name === 'service' && String(jpath).endsWith('invoice.services.service')),
});

/**
 * The OSMP/QIWI provider protocol: `GET <url>?command=check|pay&txn_id=&txn_date=&account=&sum=`
 * (extras as further parameters), answered with
 * `<response><osmp_txn_id/><prv_txn/><sum/><result/><comment/></response>`. Kopek's extension
 * for the agent protocol's data: `<fields><field name="fio">…</field></fields>` (displays),
 * `<contracts><contract>…</contract></contracts>` and `<invoices><invoice>…</invoice></invoices>`.
 * `pay` is idempotent by txn_id at the provider, so a repeated `pay` is also the status query.
 */
export class OsmpProvider implements ProviderAdapter {
  private readonly agent: http.Agent;
  private readonly transport: typeof http | typeof https;
  /** Request options without the path, built once: host, port, agent, headers (with Basic auth). */
  private readonly base: http.RequestOptions;
  /** The configured address's path and query (its query's parameters win over Kopek's). */
  private readonly path: string;
  private readonly configured: Set<string>;
  /** The address as logged: no userinfo, no query (it may carry a key). */
  private readonly shownUrl: string;

  constructor(config: ProviderConfig) {
    const url = new URL(config.url);
    const isHttps = url.protocol === 'https:';
    this.transport = isHttps ? https : http;
    this.agent = isHttps
      ? new https.Agent({ keepAlive: true, maxSockets: 64 })
      : new http.Agent({ keepAlive: true, maxSockets: 64 });
    const headers: Record<string, string> = { accept: 'application/xml, text/xml' };
    if (config.login !== undefined) {
      const basic = Buffer.from(`${config.login}:${config.password ?? ''}`).toString('base64');
      headers.authorization = `Basic ${basic}`;
    }
    this.base = {
      protocol: url.protocol,
      hostname: url.hostname.replace(/^\[|\]$/g, ''),
      port: url.port || (isHttps ? 443 : 80),
      agent: this.agent,
      headers,
      timeout: TIMEOUT_MS,
    };
    // Kopek's own parameters replace the configured address's; extras never replace either.
    for (const name of OWN_PARAMS) url.searchParams.delete(name);
    this.configured = new Set(url.searchParams.keys());
    this.path = url.search ? `${url.pathname}${url.search}&` : `${url.pathname}?`;
    this.shownUrl = `${url.protocol}//${url.host}${url.pathname}`;
  }

  check(request: ProviderRequest): Promise<ProviderAnswer> {
    return this.call('check', request);
  }

  pay(request: ProviderRequest): Promise<ProviderAnswer> {
    return this.call('pay', request);
  }

  status(request: ProviderRequest): Promise<ProviderAnswer> {
    return this.call('status', request);
  }

  private async call(kind: 'check' | 'pay' | 'status', request: ProviderRequest): Promise<ProviderAnswer> {
    // `pay` is idempotent by txn_id at the provider: repeating it is the status query.
    const params: [string, string][] = [
      ['command', kind === 'check' ? 'check' : 'pay'],
      ['txn_id', String(request.txnId)],
      ['txn_date', osmpDate(request.txnDate)],
      ['account', request.account],
    ];
    if (request.amount !== undefined) params.push(['sum', formatRoubles(request.amount)]);
    for (const name in request.extras) {
      if (!this.configured.has(name) && !params.some((p) => p[0] === name))
        params.push([name, request.extras[name]!]);
    }
    for (const s of request.extraServices ?? []) {
      params.push([
        'sub_service',
        `${s.subServiceId}:${formatRoubles(s.amount)}${s.lastCount ? `:${s.lastCount}` : ''}`,
      ]);
    }
    let query = '';
    for (const [name, value] of params) {
      query += `${query ? '&' : ''}${encodeURIComponent(name)}=${encodeURIComponent(value)}`;
    }
    const started = request.record ? Date.now() : 0;
    let answer: ProviderAnswer;
    let code: string | undefined;
    let reply: { status: number; body: string } | undefined;
    let failure: string | undefined;
    try {
      reply = await this.get(this.path + query);
      if (reply.status >= 500) throw new Error(`HTTP ${reply.status}`);
      ({ answer, code } = readOsmpResponse(reply.body));
    } catch (error) {
      // No answer is not a refusal: the payment's fate is unknown, so it stays non-final.
      failure = (error as Error).message;
      answer = { result: RESULT.inProgress, comment: `провайдер недоступен: ${failure}` };
    }
    if (request.record) {
      const exchange: ProviderExchange = {
        command: kind,
        startedAt: new Date(started).toISOString(),
        durationMs: Date.now() - started,
        request: { url: this.shownUrl, params: paramsObject(params) },
        result: answer.result,
      };
      if (reply) {
        exchange.httpStatus = reply.status;
        exchange.body = reply.body.slice(0, EXCHANGE_BODY_MAX);
      }
      if (code !== undefined) exchange.providerCode = code;
      if (answer.comment) exchange.comment = answer.comment;
      if (failure) exchange.error = failure;
      answer.exchange = exchange;
    }
    return answer;
  }

  private get(path: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = this.transport.get({ ...this.base, path }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body: chunks.length === 1 ? chunks[0]!.toString('utf8') : Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
    });
  }
}

function paramsObject(params: [string, string][]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of params) {
    const had = out[name];
    out[name] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value];
  }
  return out;
}

interface XmlNode {
  [key: string]: unknown;
}

/** Reads an OSMP `<response>`; anything unreadable is a non-final answer (the state is unknown). */
export function parseOsmpResponse(body: string): ProviderAnswer {
  return readOsmpResponse(body).answer;
}

/** The answer and the provider's own result code as it was written. */
function readOsmpResponse(body: string): { answer: ProviderAnswer; code?: string } {
  let doc: XmlNode;
  try {
    doc = (readSimpleOsmp(body) ?? osmpXmlParser.parse(body)) as XmlNode;
  } catch {
    return { answer: { result: RESULT.inProgress, comment: 'ответ провайдера не читается' } };
  }
  const response = doc.response as XmlNode | undefined;
  const raw = text(response?.result);
  const code = Number(raw);
  if (!response || raw === '' || !Number.isInteger(code)) {
    return {
      answer: { result: RESULT.inProgress, comment: 'ответ провайдера без result' },
      ...(raw ? { code: raw } : {}),
    };
  }
  const answer: ProviderAnswer = { result: mapResult(code) };
  const comment = text(response.comment);
  if (comment) answer.comment = comment;
  const prvTxn = text(response.prv_txn);
  if (prvTxn) answer.providerTxnId = prvTxn;
  const fields = (response.fields as XmlNode | undefined)?.field as XmlNode[] | undefined;
  if (fields?.length) {
    answer.displays = {};
    for (const f of fields) answer.displays[text(f['@name'])] = text(f['#text']);
  }
  const contracts = (response.contracts as XmlNode | undefined)?.contract as XmlNode[] | undefined;
  if (contracts?.length) answer.contracts = contracts.map(toContract);
  const invoices = (response.invoices as XmlNode | undefined)?.invoice as XmlNode[] | undefined;
  if (invoices?.length) answer.invoices = invoices.map(toInvoice);
  return { answer, code: raw };
}

function mapResult(code: number): ResultCode {
  if (OSMP_TO_AGENT[code] !== undefined) return OSMP_TO_AGENT[code]!;
  return isResultCode(code) ? code : RESULT.other;
}

function text(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return text((value as XmlNode)['#text']);
  return String(value);
}

function toContract(node: XmlNode): Contract {
  const c: Contract = { contractId: text(node.contractId) };
  for (const key of ['name', 'contractNumber', 'contractSum', 'contractDate'] as const) {
    if (node[key] !== undefined) c[key] = text(node[key]);
  }
  return c;
}

const INVOICE_FIELDS = ['invoiceId', 'formedDate', 'expireDate', 'clientName', 'clientAddress'] as const;

function toInvoice(node: XmlNode): Invoice {
  const invoice: Invoice = { services: [] };
  for (const key of INVOICE_FIELDS) if (node[key] !== undefined) invoice[key] = text(node[key]);
  const services = ((node.services as XmlNode | undefined)?.service as XmlNode[] | undefined) ?? [];
  invoice.services = services.map((s): InvoiceService => {
    const item: InvoiceService = {
      subServiceId: text(s.subServiceId),
      subServiceName: text(s.subServiceName),
    };
    const data = s.data as XmlNode | undefined;
    if (data && typeof data === 'object') {
      item.data = {};
      for (const [k, v] of Object.entries(data)) {
        const t = text(v);
        item.data[k] = t === 'true' ? true : t === 'false' ? false : t;
      }
    }
    return item;
  });
  return invoice;
}

/** OSMP's txn_date: YYYYMMDDHHMMSS, UTC (without toISOString and a regexp: it is on every check). */
function osmpDate(date: Date): string {
  return `${date.getUTCFullYear()}${two(date.getUTCMonth() + 1)}${two(date.getUTCDate())}${two(
    date.getUTCHours(),
  )}${two(date.getUTCMinutes())}${two(date.getUTCSeconds())}`;
}

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
