import cookie from '@fastify/cookie';
import type { AppContext } from '../../platform/context.ts';
import type { Face, FaceApp } from '../../platform/http/face.ts';
import { faceError } from '../../platform/http/face-errors.ts';
import { replyWalletError } from './envelope.ts';
import { paymentRoutes } from './payment-routes.ts';
import { serviceRoutes } from './service-routes.ts';
import { walletRoutes } from './wallet-routes.ts';

const DESCRIPTION = `Потребительский электронный кошелек (API mserver 2): JSON \`/v1/...\`, ответ
\`{"meta": {...}, "data": ...}\`; суммы в рублях.

Авторизация: HTTP Basic (логин — номер телефона в международном формате, пароль); при успехе
открывается сессия и возвращается cookie \`JSESSIONID\` (HttpOnly), дальше можно слать только её.
Сессия истекает после WALLET_SESSION_TTL_MINUTES минут бездействия; \`POST /v1/wallet/logout\`
закрывает ее. После 5 неверных паролей подряд вход блокируется на 1, 2, 4 … 60 минут
(\`meta.error\` = \`too_many_attempts\`).

Ошибки: HTTP-статус дублируется в \`meta.code\` и \`meta.status\`, код ошибки — в \`meta.error\`,
сообщение по-русски — в \`meta.message\`. Общие для всех вызовов: 400 \`bad_request\` (невалидный
JSON), 401 \`invalid_credentials\` / \`session_expired\` / \`too_many_attempts\`, 404 \`not_found\`,
405 \`method_not_allowed\`, 415 \`unsupported_media_type\` (поддерживается только application/json),
422 \`invalid_request\` (поле не того типа), 500 \`internal_error\`, 503 \`service_unavailable\`.
Коды каждого вызова перечислены в его описании.

Особенности документа и как они обработаны:
- код ошибки в примере — в \`meta.code\`, в тексте — в \`meta.status\`: пишутся оба;
- cookie сессии в тексте названа \`JSESSONID\`: выдается \`JSESSIONID\`, принимаются обе;
- пример одношагового платежа шлет \`phoneNumbe\` вместо \`phoneNumber\`: код параметра, которому
  до кода сервиса не хватает последней буквы, читается как этот код;
- в примере персональных данных запрос шлет СНИЛС 12963855556 (неверное контрольное число), а ответ
  показывает 11223344595: контрольное число проверяется, такой запрос получает 422 \`invalid_ssn\`;
- один пример адреса заканчивается лишним \`y\` (\`/payments/1401089234883y\`): такой id — 404;
- \`pay\` в примерах шлется и с \`Content-type: application/json\` без тела, и без заголовка: оба
  варианта принимаются (пустое тело не считается невалидным JSON);
- суммы — рубли: целые пишутся числом (100), с копейками — с двумя знаками (100.50);
- \`GET /v1/payments\`: \`page\` с 0, \`size\` от 1 до 100 (по умолчанию 20), новые сначала.`;

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

/** Answers 405 for the methods a path does not serve (GET brings HEAD along). */
export function methodNotAllowed(app: FaceApp, url: string, allowed: string[]): void {
  const others = METHODS.filter((m) => !allowed.includes(m));
  const all = allowed.includes('GET') ? others : [...others, 'HEAD' as const];
  app.route({
    method: [...all],
    url,
    schema: { hide: true },
    handler: (request, reply) =>
      replyWalletError(
        faceError(
          'method_not_allowed',
          'method_not_allowed',
          `метод ${request.method} не поддерживается для ${request.url}`,
        ),
        request,
        reply,
      ),
  });
}

/**
 * Face `/v1/`: the mserver 2 wallet. Authenticates the holder, validates the body and calls one
 * wallet service; every failure becomes the document's `{meta: {code, status, error}}`.
 */
export const walletFace: Face = {
  name: 'wallet',
  title: 'Электронный кошелек (API mserver 2)',
  description: DESCRIPTION,
  prefix: '/v1',
  version: '2.0.0',
  securitySchemes: {
    basic: { type: 'http', scheme: 'basic', description: 'номер телефона (+79261111111) и пароль' },
    session: { type: 'apiKey', in: 'cookie', name: 'JSESSIONID' },
  },
  replyError(error, request, reply) {
    return replyWalletError(error, request, reply);
  },
  async routes(app: FaceApp, ctx: AppContext) {
    await app.register(cookie);
    // `curl -H 'Content-type: application/json' -X POST .../pay` sends no body: not malformed JSON.
    app.addHook('onRequest', async (request) => {
      const length = request.headers['content-length'];
      if ((length === '0' || length === undefined) && request.headers['transfer-encoding'] === undefined) {
        delete request.raw.headers['content-type'];
        return;
      }
      // Only JSON is read here, whatever parsers the server has for other faces.
      const type = request.headers['content-type'];
      if (type !== undefined && !/^application\/json\s*(;|$)/i.test(type))
        throw Object.assign(new Error('неподдерживаемый тип содержимого'), {
          code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE',
        });
    });
    walletRoutes(app, ctx);
    serviceRoutes(app, ctx);
    paymentRoutes(app, ctx);
  },
};
