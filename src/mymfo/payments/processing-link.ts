import path from 'node:path';
import type { DemoSeeder } from '../../demo/seed.ts';
import type { Actor } from '../../platform/audit.ts';
import type { Config } from '../../platform/config.ts';
import type { AppContext } from '../../platform/context.ts';
import type { Queryable } from '../../platform/db/pool.ts';
import { adjustBalance, createAgent, findAgent } from '../../processing/agents.ts';
import { findService, importServices, readCatalogFile, upsertService } from '../../processing/catalog.ts';
import { changeToken, createToken } from '../../processing/credentials.ts';
import { addCredential } from '../credentials.ts';

/**
 * The MFO's loan repayment as a service of Kopek's own processing centre: the catalogue entry
 * (data/processing/mymfo-repayment.json) points the processing centre's OSMP adapter at this
 * face's `Payment/KOPEK/`, with a payment-service credential of its own, exactly as an outside
 * payment system is connected.
 */
export const REPAYMENT_CATALOG_FILE = path.resolve(
  import.meta.dirname,
  '../../../data/processing/mymfo-repayment.json',
);
export const REPAYMENT_SERVICE_ID = 'MYMFO';
/** PayService of the processing centre at the face (`Payment/KOPEK/`). */
export const PROCESSING_PAY_SERVICE = 'KOPEK';
export const PROCESSING_LOGIN = 'kopek-processing';
export const PROCESSING_PASSWORD = 'kopek-processing-password';
/** A demo agent in roubles, to pay loans through the processing centre. */
export const DEMO_RUB_AGENT_LOGIN = 'demo-rub';
export const DEMO_RUB_AGENT_TOKEN = 'demo-rub-agent-token';

const DEMO_ACTOR: Actor = { type: 'system', id: 'demo' };

/** This server's own `Payment/KOPEK/` URL, on loopback (the processing centre runs in the same server). */
export function ownPaymentUrl(config: Pick<Config, 'host' | 'port' | 'tls' | 'mymfoBasePath'>): string {
  const wildcard = config.host === '0.0.0.0' || config.host === '::' || config.host === '';
  const host = wildcard ? '127.0.0.1' : config.host.includes(':') ? `[${config.host}]` : config.host;
  const scheme = config.tls ? 'https' : 'http';
  return `${scheme}://${host}:${config.port}${config.mymfoBasePath}/Payment/${PROCESSING_PAY_SERVICE}/`;
}

/** Imports the repayment service from its catalogue file, reaching the face at `url`. */
export async function registerRepaymentService(db: Queryable, url: string): Promise<void> {
  const services = readCatalogFile(REPAYMENT_CATALOG_FILE).map((s) => ({
    ...s,
    provider: { ...s.provider, url },
  }));
  await importServices(db, services);
}

/** Points the registered repayment service at `url` (a data change, as for any provider). */
export async function pointRepaymentServiceAt(db: Queryable, url: string): Promise<boolean> {
  const service = await findService(db, REPAYMENT_SERVICE_ID);
  if (!service) return false;
  if (service.provider.url !== url)
    await upsertService(db, { ...service, provider: { ...service.provider, url } });
  return true;
}

/** The processing centre's credential at the face, the catalogue entry and a rouble demo agent. */
export const mymfoPaymentsSeeder: DemoSeeder = {
  name: `mymfo payments: processing service ${REPAYMENT_SERVICE_ID}, credential ${PROCESSING_LOGIN}, agent ${DEMO_RUB_AGENT_LOGIN}`,
  async seed(tx, ctx) {
    const present = await tx.query('SELECT 1 FROM mymfo.credentials WHERE login = $1', [PROCESSING_LOGIN]);
    if (!present.rowCount)
      await addCredential(
        tx,
        {
          login: PROCESSING_LOGIN,
          password: PROCESSING_PASSWORD,
          kind: 'payment',
          paymentService: PROCESSING_PAY_SERVICE,
          // The processing centre calls from this server itself.
          ipAllowlist: ['127.0.0.0/8', '::1'],
        },
        DEMO_ACTOR,
      );
    await registerRepaymentService(tx, ownPaymentUrl(ctx.config));
    const agent = await tx.query('SELECT 1 FROM processing.agents WHERE login = $1', [DEMO_RUB_AGENT_LOGIN]);
    if (agent.rowCount) return;
    const created = await createAgent(
      tx,
      { login: DEMO_RUB_AGENT_LOGIN, name: 'Демо-агент (рубли)', currency: 'RUB', overdraft: 0n },
      DEMO_ACTOR,
    );
    const token = await createToken(tx, created, DEMO_ACTOR, { token: DEMO_RUB_AGENT_TOKEN });
    await changeToken(tx, token.id, 'confirm', DEMO_ACTOR);
    await adjustBalance(
      tx,
      await findAgent(tx, DEMO_RUB_AGENT_LOGIN),
      {
        amount: 100_000_000n,
        kind: 'topup',
        reason: 'демо: начальный баланс',
        key: 'mymfo:demo:rub-agent-topup',
      },
      DEMO_ACTOR,
    );
  },
};

/**
 * Development only: the port may differ from the one the demo was seeded with, so the
 * repayment service is pointed at this server's own port at start.
 */
export async function startProcessingLink(ctx: AppContext): Promise<undefined> {
  if (ctx.config.mode !== 'development') return undefined;
  if (ctx.config.port === 0) {
    ctx.log.warn('mymfo: PORT=0, the processing centre cannot reach Payment/KOPEK/ of this server');
    return undefined;
  }
  const url = ownPaymentUrl(ctx.config);
  if (await pointRepaymentServiceAt(ctx.pool, url))
    ctx.log.info(`mymfo: processing service ${REPAYMENT_SERVICE_ID} repays loans through ${url}`);
  return undefined;
}
