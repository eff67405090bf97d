import type { Config } from './config.ts';
import type { FieldCipher } from './crypto.ts';
import type { Pool } from './db/pool.ts';
import type { Logger } from './logging.ts';
import type { Metrics } from './metrics.ts';
import type { Secrets } from './secrets.ts';

/** What every face and background job is handed: configuration and the process's shared resources. */
export interface AppContext {
  config: Config;
  pool: Pool;
  log: Logger;
  secrets: Secrets;
  cipher: FieldCipher;
  metrics: Metrics;
}
