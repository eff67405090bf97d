import { createHmac, randomBytes } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { allowlistMatcher, findActiveCredential } from '../../mymfo/credentials.ts';
import type { AppContext } from '../../platform/context.ts';
import { verifyPassword } from '../../platform/crypto.ts';
import { AppError } from '../../platform/errors.ts';
import { VerifiedCache } from '../../platform/verified-cache.ts';

/** Who called the face: the lender's site, or one payment service. */
export type MymfoCaller =
  | { kind: 'site'; login: string }
  | { kind: 'payment'; login: string; service: string };

/** How long a verified login:password is trusted without scrypt (a revoked credential dies with it). */
export const AUTH_CACHE_TTL_MS = 30_000;
/** The last stretch of an entry's life in which a request re-verifies it in the background. */
const AUTH_REFRESH_MS = 10_000;
export const AUTH_CACHE_LIMIT = 10_000;

interface Cached {
  caller: MymfoCaller;
  allowed: (ip: string) => boolean;
}

// Keyed by an HMAC of login:password under a per-process random key: the cache never holds a
// password, and a wrong password never matches a cached entry. A credential in use is
// re-verified before its entry ends, so its requests never wait for scrypt
// (src/platform/verified-cache.ts).
const cacheKey = randomBytes(32);
const cache = new VerifiedCache<Cached>({
  ttlMs: AUTH_CACHE_TTL_MS,
  refreshMs: AUTH_REFRESH_MS,
  maxEntries: AUTH_CACHE_LIMIT,
});
const callers = new WeakMap<FastifyRequest, MymfoCaller>();

async function verify(ctx: AppContext, login: string, password: string): Promise<Cached | undefined> {
  const credential = await findActiveCredential(ctx.pool, login);
  if (!credential || !(await verifyPassword(password, credential.passwordHash))) return undefined;
  const caller: MymfoCaller =
    credential.kind === 'site'
      ? { kind: 'site', login: credential.login }
      : { kind: 'payment', login: credential.login, service: credential.paymentService ?? '' };
  return { caller, allowed: allowlistMatcher(credential.ipAllowlist) };
}

/** Forgets every verified credential (after a revoke in this process; tests). */
export function clearAuthCache(): void {
  cache.clear();
}

/** Verified credentials held now (tests of the bound). */
export function authCacheSize(): number {
  return cache.size;
}

function unauthorized(): AppError {
  return new AppError('unauthorized', 'mymfo.unauthorized', 'требуется авторизация');
}

function readBasic(header: string | undefined): { login: string; password: string } | undefined {
  if (!header) return undefined;
  const match = /^basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header.trim());
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  return { login: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/**
 * The caller behind `Authorization: Basic`, checked against `mymfo.credentials` (scrypt), then
 * remembered for AUTH_CACHE_TTL_MS so that a payment service at 1,000 requests a second does not
 * cost a scrypt each. The IP allowlist is checked on every request. Throws AppError
 * 'unauthorized' (no or wrong credentials) or 'forbidden' (address not allowed).
 */
export async function authenticate(ctx: AppContext, request: FastifyRequest): Promise<MymfoCaller> {
  const known = callers.get(request);
  if (known) return known;
  const basic = readBasic(request.headers.authorization);
  if (!basic) throw unauthorized();
  const key = createHmac('sha256', cacheKey).update(`${basic.login}\0${basic.password}`).digest('base64url');
  // One scrypt per login:password at a time: parallel first requests wait for the same check.
  const entry = await cache.get(key, () => verify(ctx, basic.login, basic.password));
  if (!entry) throw unauthorized();
  if (!entry.allowed(request.ip))
    throw new AppError('forbidden', 'mymfo.ip_denied', 'запросы с этого адреса не разрешены');
  callers.set(request, entry.caller);
  return entry.caller;
}

/** The site's own services (client, NumbersDeals, Request, card, dealinpdf, dealsign, fixingissue…). */
export async function requireSite(
  ctx: AppContext,
  request: FastifyRequest,
): Promise<MymfoCaller & { kind: 'site' }> {
  const caller = await authenticate(ctx, request);
  if (caller.kind !== 'site')
    throw new AppError('forbidden', 'mymfo.site_only', 'метод доступен только учетной записи сайта');
  return caller;
}

/** `Payment/<service>/`: a payment credential of exactly this service (QIWI, ZK, …, or an IDPayService). */
export async function requirePaymentService(
  ctx: AppContext,
  request: FastifyRequest,
  service: string,
): Promise<MymfoCaller & { kind: 'payment' }> {
  const caller = await authenticate(ctx, request);
  if (caller.kind !== 'payment' || caller.service.toLowerCase() !== service.toLowerCase())
    throw new AppError(
      'forbidden',
      'mymfo.other_service',
      'учетная запись не относится к этому платежному сервису',
    );
  return caller;
}

/** `PS/*`: the site (cabinet, acquiring page) or any payment service showing the debt. */
export function requireSiteOrPayment(ctx: AppContext, request: FastifyRequest): Promise<MymfoCaller> {
  return authenticate(ctx, request);
}

/** The audit actor of a caller. */
export function actorOf(caller: MymfoCaller): { type: 'partner'; id: string } {
  return { type: 'partner', id: `mymfo:${caller.login}` };
}
