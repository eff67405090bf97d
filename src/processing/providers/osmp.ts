import http from 'node:http';
import https from 'node:https';
import { XMLParser } from 'fast-xml-parser';
import { formatRoubles } from '../../platform/money.ts';
import type { ProviderConfig } from '../catalog.ts';
import { isResultCode, RESULT, type ResultCode } from '../finality.ts';
import type {
  Contract,
  Invoice,
  InvoiceService,
  ProviderAdapter,
  ProviderAnswer,
  ProviderRequest,
} from './provider.ts';

const TIMEOUT_MS = 15_000;

/** OSMP (QIWI) provider result codes that differ from the agent protocol's. */
const OSMP_TO_AGENT: Record<number, ResultCode> = {
  79: RESULT.forbiddenByProvider, // account not active
  90: RESULT.inProgress, // payment not completed yet
  243: RESULT.inProgress, // cannot check the account now
};

const parser = new XMLParser({
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

  constructor(private readonly config: ProviderConfig) {
    const isHttps = new URL(config.url).protocol === 'https:';
    this.agent = isHttps
      ? new https.Agent({ keepAlive: true, maxSockets: 64 })
      : new http.Agent({ keepAlive: true, maxSockets: 64 });
  }

  check(request: ProviderRequest): Promise<ProviderAnswer> {
    return this.call('check', request);
  }

  pay(request: ProviderRequest): Promise<ProviderAnswer> {
    return this.call('pay', request);
  }

  status(request: ProviderRequest): Promise<ProviderAnswer> {
    return this.call('pay', request);
  }

  private async call(command: 'check' | 'pay', request: ProviderRequest): Promise<ProviderAnswer> {
    const url = new URL(this.config.url);
    const q = url.searchParams;
    q.set('command', command);
    q.set('txn_id', String(request.txnId));
    q.set('txn_date', osmpDate(request.txnDate));
    q.set('account', request.account);
    if (request.amount !== undefined) q.set('sum', formatRoubles(request.amount));
    for (const [name, value] of Object.entries(request.extras)) {
      if (!q.has(name)) q.set(name, value);
    }
    for (const s of request.extraServices ?? []) {
      q.append(
        'sub_service',
        `${s.subServiceId}:${formatRoubles(s.amount)}${s.lastCount ? `:${s.lastCount}` : ''}`,
      );
    }
    let body: string;
    try {
      body = await this.get(url);
    } catch (error) {
      // No answer is not a refusal: the payment's fate is unknown, so it stays non-final.
      return { result: RESULT.inProgress, comment: `провайдер недоступен: ${(error as Error).message}` };
    }
    return parseOsmpResponse(body);
  }

  private get(url: URL): Promise<string> {
    const transport = url.protocol === 'https:' ? https : http;
    const headers: Record<string, string> = { accept: 'application/xml, text/xml' };
    if (this.config.login !== undefined) {
      const basic = Buffer.from(`${this.config.login}:${this.config.password ?? ''}`).toString('base64');
      headers.authorization = `Basic ${basic}`;
    }
    return new Promise((resolve, reject) => {
      const req = transport.get(url, { agent: this.agent, headers, timeout: TIMEOUT_MS }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          if ((res.statusCode ?? 0) >= 500) reject(new Error(`HTTP ${res.statusCode}`));
          else resolve(Buffer.concat(chunks).toString('utf8'));
        });
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', reject);
    });
  }
}

interface XmlNode {
  [key: string]: unknown;
}

/** Reads an OSMP `<response>`; anything unreadable is a non-final answer (the state is unknown). */
export function parseOsmpResponse(body: string): ProviderAnswer {
  let doc: XmlNode;
  try {
    doc = parser.parse(body) as XmlNode;
  } catch {
    return { result: RESULT.inProgress, comment: 'ответ провайдера не читается' };
  }
  const response = doc.response as XmlNode | undefined;
  const code = Number(text(response?.result));
  if (!response || text(response.result) === '' || !Number.isInteger(code)) {
    return { result: RESULT.inProgress, comment: 'ответ провайдера без result' };
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
  return answer;
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

/** OSMP's txn_date: YYYYMMDDHHMMSS, UTC. */
function osmpDate(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}
