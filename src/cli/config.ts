import { type Config, loadConfig } from '../platform/config.ts';

/** Configuration for one-shot commands: as the server's, but quiet unless LOG_LEVEL asks otherwise. */
export function commandConfig(): Config {
  const config = loadConfig();
  return process.env.LOG_LEVEL ? config : { ...config, logLevel: 'warn' };
}
