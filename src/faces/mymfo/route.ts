import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { AppError } from '../../platform/errors.ts';
import type { FaceApp } from '../../platform/http/face.ts';
import type { MymfoErrorStyle } from './face.ts';

export type Handler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

export const security = [{ basic: [] }];
export const Query = (fields: Record<string, string>) =>
  Type.Object(
    Object.fromEntries(
      Object.entries(fields).map(([k, d]) => [k, Type.Optional(Type.String({ description: d }))]),
    ),
  );

/**
 * One handler on the document's path, with and without a trailing slash and in the spellings
 * the document itself uses (`statusdeal` / `StatusDeal`). The error form is the route's.
 */
export function route(
  app: FaceApp,
  method: HTTPMethods,
  urls: string[],
  style: MymfoErrorStyle,
  schema: Record<string, unknown>,
  handler: Handler,
): void {
  const all = new Set(urls.flatMap((u) => (u.endsWith('/') ? [u, u.slice(0, -1)] : [u, `${u}/`])));
  let first = true;
  for (const url of all) {
    app.route({
      method,
      url,
      config: { mymfoError: style },
      schema: { security, ...schema, ...(first ? {} : { hide: true }) },
      handler,
    });
    first = false;
  }
}

/** The query string as plain strings (the first of repeated parameters). */
export function query(request: FastifyRequest): Record<string, string | undefined> {
  const q = (request.query ?? {}) as Record<string, unknown>;
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(q))
    out[k] = typeof v === 'string' ? v : Array.isArray(v) ? String(v[0]) : undefined;
  return out;
}

export function param(request: FastifyRequest, name: string): string {
  return String((request.params as Record<string, string>)[name] ?? '');
}

/** A parameter that must be present; refused with a Russian message naming it. */
export function required(value: string | undefined, field: string): string {
  if (value === undefined || value.trim() === '')
    throw new AppError('validation', 'mymfo.required', `${field}: обязательный параметр не указан`);
  return value.trim();
}
