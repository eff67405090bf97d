import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import type { AppContext } from '../context.ts';
import { parseJson, stringifyJson } from '../json.ts';
import { answerError, type Face, type FaceApp, registerFace } from './face.ts';
import { type FaceError, faceError } from './face-errors.ts';

export const BODY_LIMIT = 10 * 1024 * 1024;

/**
 * The HTTP platform every face shares: request ids, JSON read and written losslessly (18-digit
 * ids, exact decimals), per-route metrics, and each face mounted with its own docs and errors.
 */
export async function buildServer(ctx: AppContext, faces: Face[]): Promise<FaceApp> {
  const { config } = ctx;
  const app = Fastify({
    loggerInstance: ctx.log,
    bodyLimit: BODY_LIMIT,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    ...(config.tls
      ? { https: { cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) } }
      : {}),
    ajv: { customOptions: { coerceTypes: false, allErrors: true, removeAdditional: false } },
    // A URL the router cannot even decode (bad percent-encoding, an over-long parameter) is
    // answered by the face it was meant for, in that protocol's form, not Fastify's own.
    frameworkErrors: (error, request, reply) => {
      const fe =
        error.code === 'FST_ERR_MAX_PARAM_LENGTH'
          ? {
              ...faceError('malformed', 'param_too_long', 'параметр в адресе запроса слишком длинный'),
              status: 414,
            }
          : faceError('malformed', 'bad_url', 'адрес запроса содержит недопустимые символы');
      request.log.info({ error: { kind: fe.kind, code: fe.code } }, 'request refused');
      return replyFramework(faceFor(request.url), fe, request, reply);
    },
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as FaceApp;

  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    try {
      done(null, parseJson(body as string));
    } catch {
      done(
        Object.assign(new Error('тело запроса не является корректным JSON'), {
          code: 'KOPEK_MALFORMED_BODY',
          statusCode: 400,
        }),
        undefined,
      );
    }
  });
  // Responses go through the lossless writer whether or not a route declares a response schema.
  app.setSerializerCompiler(() => (data) => stringifyJson(data));
  app.setReplySerializer((payload) => stringifyJson(payload));

  // Callback hooks, not async ones: no promise and microtask hop per request on every face.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    ctx.metrics.httpDuration.observe(
      {
        method: request.method,
        route: request.routeOptions.url ?? 'unmatched',
        status: String(reply.statusCode),
      },
      reply.elapsedTime / 1000,
    );
    done();
  });

  // Outside every face's prefix (and for the platform's own routes) errors take the platform form.
  app.setErrorHandler((error, request, reply) =>
    answerError({ replyError: replyPlatformError }, error, request, reply),
  );
  app.setNotFoundHandler((request, reply) =>
    replyPlatformError(
      faceError('route_not_found', 'route_not_found', `метод ${request.method} ${request.url} не найден`),
      request,
      reply,
    ),
  );
  // Which face a URL belongs to, for errors raised before routing: the longest static start of
  // a route (or prefix) the URL begins with.
  const owners: { start: string; face: Face }[] = [];
  let registering: Face | undefined;
  app.addHook('onRoute', (route) => {
    if (registering) owners.push({ start: route.url.split(/[:*]/)[0]!, face: registering });
  });
  const faceFor = (url: string): Face | undefined =>
    owners
      .filter((o) => o.start !== '' && o.start !== '/' && url.startsWith(o.start))
      .sort((a, b) => b.start.length - a.start.length)[0]?.face;
  for (const face of faces) {
    registering = face;
    if (face.prefix) owners.push({ start: face.prefix, face });
    await registerFace(app, face, ctx);
  }
  registering = undefined;

  app.get('/docs', { schema: { hide: true } }, async (_request, reply) => {
    const items = faces
      .map(
        (f) =>
          `<li><a href="/docs/${f.name}">${escapeHtml(f.title)}</a> — <code>${escapeHtml(f.prefix || '/')}</code></li>`,
      )
      .join('\n');
    return reply
      .type('text/html; charset=utf-8')
      .send(`<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>Kopek API</title></head>
<body><h1>Kopek: документация API</h1><p>Интерфейсы (faces) и их описания OpenAPI 3.1:</p><ul>${items}</ul></body></html>`);
  });
  return app;
}

/** The platform's error form: `{error: {code, message, requestId}}` with the kind's HTTP status. */
export function replyPlatformError(error: FaceError, request: FastifyRequest, reply: FastifyReply) {
  return reply
    .status(error.status)
    .send({ error: { code: error.code, message: error.message, requestId: request.id } });
}

/** A face's error form where no route matched; the platform's if the face cannot answer without one. */
async function replyFramework(
  face: Face | undefined,
  error: FaceError,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  if (face) {
    try {
      return await face.replyError(error, request, reply);
    } catch (err) {
      request.log.warn({ err }, 'face could not answer a framework error');
    }
  }
  return replyPlatformError(error, request, reply);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
