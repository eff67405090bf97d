import { XMLBuilder } from 'fast-xml-parser';
import Fastify, { type FastifyInstance } from 'fastify';
import { BoundedCache } from '../../platform/bounded-cache.ts';
import { type CheckData, decide, type SimulatorConfig } from './behaviour.ts';

/**
 * A provider simulator speaking the OSMP/QIWI protocol (`GET /osmp/<serviceId>?command=check|pay
 * &txn_id=&txn_date=&account=&sum=`, XML answer) on loopback. What it answers is data
 * (`data/processing/simulator.json` or a config given in code): any result code, delays,
 * displays, contracts and invoices, so every scheme and code of the agent protocol can be
 * reproduced. Like a real provider, a pay is idempotent by txn_id: once final, always the same.
 */
export interface Simulator {
  url: string;
  port: number;
  /** Replaces the behaviour (tests force result codes this way). */
  configure(config: SimulatorConfig): void;
  /** pays received per txn_id, for tests. */
  payCount(txnId: string): number;
  close(): Promise<void>;
}

const FINAL_SUCCESS_OR_REFUSAL = new Set([0, 4, 5, 7, 8, 130, 155, 241, 242, 300]);

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@', format: false });

export async function startSimulator(options: {
  config: SimulatorConfig;
  port?: number;
  host?: string;
}): Promise<Simulator> {
  let config = options.config;
  // Bounded: it runs inside `kopek serve` in development as long as the server does.
  const pays = new BoundedCache<string, { count: number; finalResult?: number; prvTxn: number }>({
    maxEntries: 50_000,
  });
  let prvSeq = 5_000_000;
  const app: FastifyInstance = Fastify({ logger: false, keepAliveTimeout: 65_000 });

  app.get<{ Params: { serviceId: string }; Querystring: Record<string, string | undefined> }>(
    '/osmp/:serviceId',
    async (request, reply) => {
      const q = request.query;
      const serviceId = request.params.serviceId;
      const command = q.command;
      reply.type('application/xml; charset=utf-8');
      if (
        (command !== 'check' && command !== 'pay') ||
        !q.txn_id ||
        !/^\d{1,20}$/.test(q.txn_id) ||
        q.account === undefined
      ) {
        return xml({ osmp_txn_id: q.txn_id ?? '', result: 300, comment: 'bad request' });
      }
      if (command === 'check') {
        const d = decide(config, serviceId, q.account, 'check', 0);
        if (d.delayMs > 0) await sleep(d.delayMs);
        const body: Record<string, unknown> = {
          osmp_txn_id: q.txn_id,
          result: d.result,
          comment: d.result === 0 ? 'OK' : '',
        };
        if (q.sum !== undefined) body.sum = q.sum;
        if (d.result === 0) Object.assign(body, checkData(config.services?.[serviceId]?.check, q));
        return xml(body);
      }
      let state = pays.get(q.txn_id);
      if (!state) {
        state = { count: 0, prvTxn: ++prvSeq };
        pays.set(q.txn_id, state);
      }
      const attempt = state.count++;
      let result = state.finalResult;
      let delayMs = 0;
      if (result === undefined) {
        const d = decide(config, serviceId, q.account, 'pay', attempt);
        result = d.result;
        delayMs = d.delayMs;
        if (FINAL_SUCCESS_OR_REFUSAL.has(result)) state.finalResult = result;
      }
      if (delayMs > 0) await sleep(delayMs);
      return xml({
        osmp_txn_id: q.txn_id,
        prv_txn: state.prvTxn,
        sum: q.sum ?? '',
        result,
        comment: result === 0 ? 'OK' : '',
      });
    },
  );

  const address = await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
  const port = Number(new URL(address).port);
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}`,
    port,
    configure(next) {
      config = next;
    },
    payCount: (txnId) => pays.get(txnId)?.count ?? 0,
    close: () => app.close(),
  };
}

function checkData(
  data: CheckData | undefined,
  query: Record<string, string | undefined> = {},
): Record<string, unknown> {
  if (!data) return {};
  const out: Record<string, unknown> = {};
  const step = data.steps?.find((st) => st.present.every((name) => (query[name] ?? '') !== ''));
  const displays = step?.displays ?? data.displays;
  if (displays)
    out.fields = {
      field: Object.entries(displays).map(([name, value]) => ({ '@name': name, '#text': value })),
    };
  if (data.contracts) out.contracts = { contract: data.contracts };
  if (data.invoices)
    out.invoices = {
      invoice: (data.invoices as Record<string, unknown>[]).map((inv) => ({
        ...inv,
        services: { service: inv.services },
      })),
    };
  return out;
}

function xml(response: Record<string, unknown>): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build({ response }) as string}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
