import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import helmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import type { FastifyReply } from 'fastify';
import type { Face } from '../../platform/http/face.ts';

/** Where `npm run build:web` puts the console (web/dist). */
export const CONSOLE_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../web/dist');

/**
 * `/console`: the operator console's built files (React app, web/), with strict security headers.
 * Any path that is not a file gets index.html, so every deep link (`/console/ledger/accounts/42`)
 * opens in the app. Not an API: hidden from the OpenAPI documents.
 */
export function consoleFace(dist = CONSOLE_DIST): Face {
  return {
    name: 'console',
    title: 'Kopek operator console (web app)',
    description: 'The built operator console, served as static files; its API is /admin/api.',
    prefix: '/console',
    version: '1.0.0',
    replyError(error, request, reply) {
      return reply
        .status(error.status)
        .send({ error: { code: error.code, message: error.message, requestId: request.id } });
    },
    async routes(app, ctx) {
      await app.register(helmet, {
        contentSecurityPolicy: {
          useDefaults: false,
          directives: {
            defaultSrc: ["'self'"],
            scriptSrc: ["'self'"],
            // Mantine sets CSS variables through style elements and attributes.
            styleSrc: ["'self'", "'unsafe-inline'"],
            imgSrc: ["'self'", 'data:'],
            fontSrc: ["'self'", 'data:'],
            connectSrc: ["'self'"],
            objectSrc: ["'none'"],
            baseUri: ["'self'"],
            formAction: ["'self'"],
            frameAncestors: ["'none'"],
          },
        },
        hsts: ctx.config.tls !== undefined,
      });
      const built = existsSync(path.join(dist, 'index.html'));
      if (!built) {
        app.get('/*', { schema: { hide: true } }, async (_request, reply) =>
          reply
            .status(503)
            .type('text/html; charset=utf-8')
            .send(
              '<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>Kopek</title></head><body>' +
                '<h1>Консоль не собрана</h1><p>Выполните <code>npm run build:web</code> и перезапустите сервер.</p></body></html>',
            ),
        );
        return;
      }
      await app.register(fastifyStatic, {
        root: dist,
        prefix: '/',
        wildcard: false,
        index: false,
        setHeaders(res, file) {
          res.header(
            'cache-control',
            file.includes(`${path.sep}assets${path.sep}`)
              ? 'public, max-age=31536000, immutable'
              : 'no-cache',
          );
        },
      });
      const sendIndex = (reply: FastifyReply) =>
        reply.header('cache-control', 'no-cache').sendFile('index.html');
      app.get('/', { schema: { hide: true } }, async (_request, reply) => sendIndex(reply));
      app.get('/*', { schema: { hide: true } }, async (request, reply) => {
        // A missing asset is a 404, not the app.
        if (/\.[a-z0-9]{1,8}$/i.test(request.url.split('?')[0]!)) return reply.callNotFound();
        return sendIndex(reply);
      });
    },
  };
}
