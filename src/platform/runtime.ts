import { migrateQueue } from '../jobs/queue.ts';
import type { Config } from './config.ts';
import type { AppContext } from './context.ts';
import { FieldCipher } from './crypto.ts';
import { type EmbeddedPostgres, startEmbeddedPostgres } from './db/embedded.ts';
import { migrate } from './db/migrate.ts';
import { createPool } from './db/pool.ts';
import { createLogger } from './logging.ts';
import { createMetrics } from './metrics.ts';
import { resolveSecrets } from './secrets.ts';

export interface Runtime {
  ctx: AppContext;
  databaseUrl: string;
  embedded: EmbeddedPostgres | undefined;
  close(): Promise<void>;
}

/**
 * Opens what every command needs: logger, database (embedded unless DATABASE_URL is set), pool,
 * and — unless told otherwise — the schema brought up to date.
 */
export async function openRuntime(config: Config, options: { migrate?: boolean } = {}): Promise<Runtime> {
  const log = createLogger(config.logLevel);
  const embedded = config.databaseUrl
    ? undefined
    : await startEmbeddedPostgres({
        dataDir: config.dataDir,
        port: config.embeddedPgPort,
        log: (line) => log.info(line),
      });
  const databaseUrl = config.databaseUrl ?? embedded!.url;
  const pool = createPool(databaseUrl, config.dbPoolSize);
  try {
    if (options.migrate !== false) {
      const applied = await migrate(pool, (line) => log.info(line));
      await migrateQueue(databaseUrl);
      if (applied.length > 0) log.info({ applied }, 'database schema up to date');
    }
  } catch (error) {
    await pool.end();
    await embedded?.stop();
    throw error;
  }
  const secrets = resolveSecrets(config);
  const ctx: AppContext = {
    config,
    pool,
    log,
    secrets,
    cipher: new FieldCipher(secrets.dataKey),
    metrics: createMetrics(pool),
  };
  return {
    ctx,
    databaseUrl,
    embedded,
    async close() {
      await pool.end();
      await embedded?.stop();
    },
  };
}
