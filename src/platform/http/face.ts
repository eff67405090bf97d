import type { IncomingMessage, ServerResponse } from 'node:http';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type {
  FastifyBaseLogger,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  RawServerDefault,
} from 'fastify';
import type { AppContext } from '../context.ts';
import { type FaceError, faceError, toFaceError } from './face-errors.ts';

export type FaceApp = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/**
 * A face: one wire protocol mounted under one prefix, with its own OpenAPI document at
 * `/docs/<name>` and its own way of answering errors. It translates and delegates; business
 * rules live in the domain modules.
 */
export interface Face {
  name: string;
  title: string;
  description: string;
  prefix: string;
  version: string;
  securitySchemes?: Record<string, unknown>;
  routes(app: FaceApp, ctx: AppContext): Promise<void> | void;
  /** Answers a failed request in the protocol's own error form. */
  replyError(
    error: FaceError,
    request: FastifyRequest,
    reply: FastifyReply,
  ): FastifyReply | Promise<FastifyReply>;
}

export async function registerFace(app: FaceApp, face: Face, ctx: AppContext): Promise<void> {
  await app.register(async (scope) => {
    await scope.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: { title: face.title, description: face.description, version: face.version },
        components: face.securitySchemes ? { securitySchemes: face.securitySchemes as never } : {},
      },
    });
    await scope.register(swaggerUi, {
      routePrefix: `/docs/${face.name}`,
      uiConfig: { docExpansion: 'list', deepLinking: true },
    });
    await scope.register(
      async (faceScope) => {
        faceScope.setErrorHandler((error, request, reply) => answerError(face, error, request, reply));
        // A face at the root shares the server's own not-found handler.
        if (face.prefix)
          faceScope.setNotFoundHandler((request, reply) =>
            face.replyError(
              faceError(
                'route_not_found',
                'route_not_found',
                `метод ${request.method} ${request.url} не найден`,
              ),
              request,
              reply,
            ),
          );
        await face.routes(faceScope as FaceApp, ctx);
      },
      { prefix: face.prefix },
    );
  });
}

export function answerError(
  face: Pick<Face, 'replyError'>,
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
) {
  const fe = toFaceError(error);
  if (fe.kind === 'internal') request.log.error({ err: error }, 'request failed');
  else if (fe.kind === 'unavailable') request.log.warn({ err: error }, 'dependency unavailable');
  else request.log.info({ error: { kind: fe.kind, code: fe.code } }, 'request refused');
  return face.replyError(fe, request, reply);
}
