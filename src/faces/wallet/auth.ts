import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../platform/context.ts';
import { authenticate } from '../../wallet/auth.ts';
import type { Wallet } from '../../wallet/wallets.ts';

/** The cookie the session travels in; the document's prose spells it `JSESSONID`, accepted too. */
export const SESSION_COOKIE = 'JSESSIONID';
const COOKIE_SPELLINGS = [SESSION_COOKIE, 'JSESSONID'];

const wallets = new WeakMap<FastifyRequest, Wallet>();

export function walletOf(request: FastifyRequest): Wallet {
  const wallet = wallets.get(request);
  if (!wallet) throw new Error('wallet face: request without an authenticated wallet');
  return wallet;
}

export function sessionToken(request: FastifyRequest): string | undefined {
  for (const name of COOKIE_SPELLINGS) {
    const value = request.cookies?.[name];
    if (value) return value;
  }
  return undefined;
}

function basic(header: string | undefined): { login: string; password: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m) return undefined;
  const text = Buffer.from(m[1]!, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 0) return undefined;
  return { login: text.slice(0, colon), password: text.slice(colon + 1) };
}

/** preHandler of every authenticated route: Basic or the session cookie; opens a session for Basic. */
export function requireWallet(ctx: AppContext) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const result = await authenticate(ctx, {
      basic: basic(request.headers.authorization),
      session: sessionToken(request),
    });
    if (result.newSession)
      reply.setCookie(SESSION_COOKIE, result.newSession, {
        path: '/v1',
        httpOnly: true,
        sameSite: 'lax',
        secure: ctx.config.tls !== undefined,
      });
    wallets.set(request, result.wallet);
  };
}
