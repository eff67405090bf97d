import { seedDemo } from '../../src/demo/seed.ts';
import { FACES } from '../../src/faces/index.ts';
import type { FaceApp } from '../../src/platform/http/face.ts';
import { buildServer } from '../../src/platform/http/server.ts';
import { type TestDatabase, testDatabase } from '../helpers/db.ts';

export interface World {
  db: TestDatabase;
  app: FaceApp;
  close(): Promise<void>;
}

/** Every face on a database of its own with the demo data set: what `npm start` serves. */
export async function demoWorld(): Promise<World> {
  const db = await testDatabase();
  await seedDemo(db.ctx);
  const app = await buildServer(db.ctx, FACES);
  return {
    db,
    app,
    async close() {
      await app.close();
      await db.close();
    },
  };
}
