import type { ProviderConfig } from '../catalog.ts';
import { OsmpProvider } from './osmp.ts';
import type { ProviderAdapter } from './provider.ts';

const adapters = new Map<string, ProviderAdapter>();
/** By configuration object: a cached service's config finds its adapter without building the key. */
const byConfig = new WeakMap<ProviderConfig, ProviderAdapter>();

/** The adapter for a service's provider configuration; one per distinct configuration, reused. */
export function providerFor(config: ProviderConfig): ProviderAdapter {
  const known = byConfig.get(config);
  if (known) return known;
  const key = JSON.stringify([config.adapter, config.url, config.login ?? '', config.password ?? '']);
  let adapter = adapters.get(key);
  if (!adapter) {
    switch (config.adapter) {
      case 'osmp':
        adapter = new OsmpProvider(config);
        break;
      default:
        throw new Error(`unknown provider adapter ${String((config as { adapter: unknown }).adapter)}`);
    }
    adapters.set(key, adapter);
  }
  byConfig.set(config, adapter);
  return adapter;
}
