import type { Config } from '../config.ts';

/** 0.0.0.0 and :: listen everywhere: no client can be sent there. */
export function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}

/** A listening address as a URL's host: a wildcard becomes localhost, IPv6 goes in brackets. */
export function hostForUrl(host: string): string {
  if (isWildcard(host)) return 'localhost';
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * The server's address for links made without a request at hand (jobs, adapters):
 * `KOPEK_PUBLIC_URL`, else the configured scheme, host and port.
 */
export function configuredBase(config: Pick<Config, 'publicUrl' | 'host' | 'port' | 'tls'>): string {
  if (config.publicUrl) return config.publicUrl;
  return `${config.tls ? 'https' : 'http'}://${hostForUrl(config.host)}:${config.port}`;
}
