import { XMLParser } from 'fast-xml-parser';
import { clearAuthCache } from '../../src/faces/mymfo/auth.ts';
import { mymfoFace } from '../../src/faces/mymfo/face.ts';
import { addDays, todayMoscow } from '../../src/lending/dates.ts';
import { addCredential, type CredentialInput } from '../../src/mymfo/credentials.ts';
import type { AppContext } from '../../src/platform/context.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import type { Face, FaceApp } from '../../src/platform/http/face.ts';
import { buildServer } from '../../src/platform/http/server.ts';
import { type TestDatabase, testDatabase } from '../helpers/db.ts';
import { issuedLoan, STAFF, seedProducts } from '../lending/lending-fixtures.ts';

export const BASE = '/MeMFOWork/hs';

/** Payment credentials of the tests: `<login>` / `<login>-password`. */
export const CREDENTIALS: CredentialInput[] = [
  { login: 'qiwi', password: 'qiwi-password', kind: 'payment', paymentService: 'QIWI' },
  { login: 'zk', password: 'zk-password', kind: 'payment', paymentService: 'ZK' },
  {
    login: 'mkb',
    password: 'mkb-password',
    kind: 'payment',
    paymentService: 'MKB',
    ipAllowlist: ['10.1.2.0/24'],
  },
  { login: 'site-pay', password: 'site-pay-password', kind: 'payment', paymentService: 'site-pay' },
  { login: 'site', password: 'site-password', kind: 'site' },
];

export interface PaymentsWorld {
  db: TestDatabase;
  ctx: AppContext;
  app: FaceApp;
  close(): Promise<void>;
}

export async function paymentsWorld(faces: Face[] = [mymfoFace], poolSize = 20): Promise<PaymentsWorld> {
  clearAuthCache();
  const db = await testDatabase({ poolSize });
  await seedProducts(db.ctx);
  await withTx(db.ctx.pool, async (tx) => {
    for (const c of CREDENTIALS) await addCredential(tx, c, STAFF);
  });
  const app = await buildServer(db.ctx, faces);
  return {
    db,
    ctx: db.ctx,
    app,
    async close() {
      await app.close();
      await db.close();
    },
  };
}

/** A PDL30 loan of `amount` kopecks issued `daysAgo` days ago; its deal number. */
export async function loan(
  ctx: AppContext,
  amount = 1_000_000n,
  daysAgo = 10,
  passport?: string,
): Promise<string> {
  const id = await issuedLoan(ctx, {
    product: 'PDL30',
    amount,
    termDays: 30,
    date: addDays(todayMoscow(), -daysAgo),
    ...(passport ? { client: { passport } } : {}),
  });
  const { rows } = await ctx.pool.query<{ number: string }>(
    'SELECT number FROM lending.deals WHERE id = $1',
    [id],
  );
  return rows[0]!.number;
}

export function basic(login: string, password = `${login}-password`): string {
  return `Basic ${Buffer.from(`${login}:${password}`).toString('base64')}`;
}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false });

export interface OsmpReply {
  status: number;
  body: string;
  contentType: string;
  response: Record<string, unknown>;
  result: number;
  fields: Record<string, string>;
}

/** Reads an OSMP answer; fails when the body is not well-formed XML with a `<response>`. */
export function readOsmp(status: number, body: string, contentType: string): OsmpReply {
  const doc = parser.parse(body, true) as { response?: Record<string, unknown> };
  if (!doc.response) throw new Error(`no <response> in ${body}`);
  const fieldList = (doc.response.fields as { field?: unknown } | undefined)?.field;
  const list = (Array.isArray(fieldList) ? fieldList : fieldList ? [fieldList] : []) as Record<
    string,
    string
  >[];
  return {
    status,
    body,
    contentType,
    response: doc.response,
    result: Number(doc.response.result),
    fields: Object.fromEntries(list.map((f) => [f['@name'], f['#text'] ?? ''])),
  };
}

/** GET <base>/Payment/<path>/?<params> as a payment service would. */
export async function osmp(
  app: FaceApp,
  path: string,
  params: Record<string, string>,
  options: { auth?: string | null; ip?: string } = {},
): Promise<OsmpReply> {
  const res = await app.inject({
    method: 'GET',
    url: `${BASE}/Payment/${path}/?${new URLSearchParams(params).toString()}`,
    headers: options.auth === null ? {} : { authorization: options.auth ?? basic('qiwi') },
    ...(options.ip ? { remoteAddress: options.ip } : {}),
  });
  return readOsmp(res.statusCode, res.body, String(res.headers['content-type'] ?? ''));
}

let next = BigInt(Date.now()) * 100n;
export function txn(): string {
  next += 1n;
  return String(next);
}

export const TXN_DATE = '20260825120133';
