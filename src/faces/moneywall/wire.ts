import type { FastifyRequest } from 'fastify';
import type { Config } from '../../platform/config.ts';
import { hostForUrl, isWildcard } from '../../platform/http/public-base.ts';
import { decimal } from '../../platform/json.ts';
import { formatRoubles, type Kopecks } from '../../platform/money.ts';

/** Roubles on the wire as the document prints them: 10000 for whole roubles, 10000.50 otherwise. */
export function roubles(kopecks: Kopecks) {
  return decimal(kopecks % 100n === 0n ? String(kopecks / 100n) : formatRoubles(kopecks));
}

/** The bare token of `Authorization: <token>` (a `Bearer ` prefix is tolerated). */
export function tokenOf(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  return typeof auth === 'string' ? auth.replace(/^Bearer\s+/i, '').trim() : undefined;
}

/** publicBase per server, once it listens. */
const bases = new WeakMap<object, string>();

/**
 * Where the frame lives: `KOPEK_PUBLIC_URL`, else the address this process listens on
 * (`http(s)://HOST:PORT`). Never the request's Host header: a forged one would put the frame on
 * any site, and a repeated init through another host name would answer another URL.
 */
export function publicBase(config: Config, request: FastifyRequest): string {
  if (config.publicUrl) return config.publicUrl;
  const known = bases.get(request.server);
  if (known) return known;
  const scheme = config.tls ? 'https' : 'http';
  // The bound address rather than config.port: PORT=0 (tests, benches) picks a random port.
  const first = request.server.addresses()[0];
  const bound = typeof first === 'object' ? first : undefined;
  const host = hostForUrl(bound && !isWildcard(bound.address) ? bound.address : config.host);
  const base = `${scheme}://${host}:${bound?.port ?? config.port}`;
  // Remembered once the server listens (asking the socket is a system call per init).
  if (bound) bases.set(request.server, base);
  return base;
}
