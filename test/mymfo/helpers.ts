import { mymfoFace } from '../../src/faces/mymfo/face.ts';
import { lendingProductsSeeder } from '../../src/lending/products-demo.ts';
import { addCredential } from '../../src/mymfo/credentials.ts';
import { DEMO_CREDENTIALS } from '../../src/mymfo/demo.ts';
import type { AppContext } from '../../src/platform/context.ts';
import { withTx } from '../../src/platform/db/tx.ts';
import type { FaceApp } from '../../src/platform/http/face.ts';
import { buildServer } from '../../src/platform/http/server.ts';
import { type TestDatabase, testDatabase } from '../helpers/db.ts';

export const BASE = '/MeMFOWork/hs';

export interface MymfoWorld {
  db: TestDatabase;
  ctx: AppContext;
  app: FaceApp;
  close(): Promise<void>;
}

/** A fresh database with the lending products, the demo credentials and the face mounted. */
export async function mymfoWorld(options: { poolSize?: number } = {}): Promise<MymfoWorld> {
  const db = await testDatabase(options);
  await withTx(db.ctx.pool, async (tx) => {
    await lendingProductsSeeder.seed(tx, db.ctx);
    for (const c of DEMO_CREDENTIALS) await addCredential(tx, c, { type: 'system', id: 'test' });
  });
  const app = await buildServer(db.ctx, [mymfoFace]);
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

/** `Authorization: Basic` of a demo login (`<login>-password`) or any pair. */
export function basic(login: string, password = `${login}-password`): { authorization: string } {
  return { authorization: `Basic ${Buffer.from(`${login}:${password}`).toString('base64')}` };
}

export const SITE = basic('site');

/** The document's example URL made requestable: host dropped, the markdown's stray backtick removed. */
export function exampleUrl(documentUrl: string): string {
  return documentUrl
    .replace(/^GET |^POST /, '')
    .replace(/`$/, '')
    .replace(/^http:\/\/[^/]+/, '');
}
