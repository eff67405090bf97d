import { Type } from '@sinclair/typebox';
import type { AppContext } from '../../platform/context.ts';
import type { FaceApp } from '../../platform/http/face.ts';
import { endSession } from '../../wallet/auth.ts';
import { getPerson, setPerson } from '../../wallet/person.ts';
import {
  activateWallet,
  createWallet,
  deleteWallet,
  requestPasswordReset,
  resendActivationCode,
  resetPassword,
  walletSummary,
} from '../../wallet/wallets.ts';
import { requireWallet, SESSION_COOKIE, sessionToken, walletOf } from './auth.ts';
import { ok } from './envelope.ts';
import { methodNotAllowed } from './face.ts';
import { personJson, walletJson } from './render.ts';

const security: { [name: string]: string[] }[] = [{ basic: [] }, { session: [] }];
const Phone = Type.String({
  maxLength: 32,
  description: 'номер телефона в международном формате',
  examples: ['+79261111111'],
});
const Password = Type.String({ maxLength: 200, description: 'пароль, не короче 6 символов' });
const Code = Type.Union([Type.String({ maxLength: 16 }), Type.Integer()], { description: 'код из SMS' });
const Text = (description: string, maxLength = 200) => Type.Optional(Type.String({ maxLength, description }));

const WalletBody = Type.Object({ phone: Type.Optional(Phone), password: Type.Optional(Password) });
const PersonBody = Type.Object({
  family_name: Text('фамилия'),
  given_name: Text('имя'),
  patronymic_name: Text('отчество'),
  passport_series_number: Text('серия и номер паспорта РФ, 10 цифр', 20),
  passport_issued_at: Text('дата выдачи паспорта, YYYY-MM-DD', 10),
  itn: Text('ИНН физического лица, 12 цифр (контрольные разряды проверяются)', 12),
  ssn: Text('СНИЛС, 11 цифр (контрольное число проверяется)', 14),
});

export function walletRoutes(app: FaceApp, ctx: AppContext): void {
  const auth = requireWallet(ctx);

  app.post(
    '/wallet',
    {
      schema: {
        summary: 'Создание кошелька',
        description:
          'Создает кошелек (неактивный) и отправляет код активации по SMS. На dev-сервере (WALLET_DEV_MODE) ' +
          'на счет зачисляется 10 000 рублей. meta.error: invalid_phone, weak_password, wallet_exists.',
        body: WalletBody,
      },
    },
    async (request, reply) => {
      const wallet = await createWallet(ctx, request.body);
      return ok(reply, walletJson(await walletSummary(ctx.pool, wallet)));
    },
  );

  app.get(
    '/wallet',
    {
      schema: {
        summary: 'Загрузка кошелька',
        description: 'amount — доступный остаток (за вычетом платежей в обработке).',
        security,
      },
      preHandler: auth,
    },
    async (request, reply) => ok(reply, walletJson(await walletSummary(ctx.pool, walletOf(request)))),
  );

  app.delete(
    '/wallet',
    {
      schema: {
        summary: 'Удаление кошелька (только dev-сервер)',
        description:
          'Остаток возвращается на расчетный счет, сессии закрываются. meta.error: dev_only (не dev-сервер), payments_in_progress.',
        security,
      },
      preHandler: auth,
    },
    async (request, reply) => {
      await deleteWallet(ctx, walletOf(request));
      reply.clearCookie(SESSION_COOKIE, { path: '/v1' });
      return ok(reply);
    },
  );
  methodNotAllowed(app, '/wallet', ['GET', 'POST', 'DELETE']);

  app.post(
    '/wallet/activate',
    {
      schema: {
        summary: 'Активация кошелька кодом из SMS',
        description:
          'Код живет 10 минут, 5 попыток. Неактивный кошелек не может платить. meta.error: invalid_code, code_expired, already_active.',
        security,
        body: Type.Object({ code: Type.Optional(Code) }),
      },
      preHandler: auth,
    },
    async (request, reply) => {
      const wallet = await activateWallet(ctx, walletOf(request), request.body.code);
      return ok(reply, walletJson(await walletSummary(ctx.pool, wallet)));
    },
  );
  methodNotAllowed(app, '/wallet/activate', ['POST']);

  app.post(
    '/wallet/resend_code',
    {
      schema: {
        summary: 'Повторная отправка кода активации',
        description:
          'Новый код заменяет прежний; не более 5 отправок. meta.error: already_active, too_many_codes.',
        security,
      },
      preHandler: auth,
    },
    async (request, reply) => {
      await resendActivationCode(ctx, walletOf(request));
      return ok(reply);
    },
  );
  methodNotAllowed(app, '/wallet/resend_code', ['POST']);

  app.post(
    '/wallet/password_reset',
    {
      schema: {
        summary: 'Запрос кода для смены пароля (без авторизации)',
        description:
          'Отправляет код по SMS на номер кошелька. Ответ одинаков, есть ли кошелек с таким номером. meta.error: invalid_phone, too_many_codes.',
        body: Type.Object({ phone: Type.Optional(Phone) }),
      },
    },
    async (request, reply) => {
      await requestPasswordReset(ctx, request.body.phone);
      return ok(reply);
    },
  );
  methodNotAllowed(app, '/wallet/password_reset', ['POST']);

  app.post(
    '/wallet/password',
    {
      schema: {
        summary: 'Смена пароля по коду из SMS (без авторизации)',
        description:
          'Закрывает все сессии кошелька и снимает блокировку входа. meta.error: invalid_phone, weak_password, invalid_code, code_expired.',
        body: Type.Object({
          phone: Type.Optional(Phone),
          code: Type.Optional(Code),
          password: Type.Optional(Password),
        }),
      },
    },
    async (request, reply) => {
      await resetPassword(ctx, request.body);
      return ok(reply);
    },
  );
  methodNotAllowed(app, '/wallet/password', ['POST']);

  app.post(
    '/wallet/logout',
    { schema: { summary: 'Выход: закрывает сессию JSESSIONID', security }, preHandler: auth },
    async (request, reply) => {
      const token = sessionToken(request);
      if (token) await endSession(ctx, token);
      reply.clearCookie(SESSION_COOKIE, { path: '/v1' });
      return ok(reply);
    },
  );
  methodNotAllowed(app, '/wallet/logout', ['POST']);

  app.post(
    '/wallet/person',
    {
      schema: {
        summary: 'Задание персональных данных',
        description:
          'Паспорт, ИНН и СНИЛС хранятся зашифрованными. Статус data_entered; проверку выполняет оператор ' +
          '(kopek wallet verify <телефон>), на dev-сервере — автоматически при следующем чтении. ' +
          'meta.error: invalid_name, invalid_passport, invalid_passport_date, invalid_itn, invalid_ssn.',
        security,
        body: PersonBody,
      },
      preHandler: auth,
    },
    async (request, reply) => ok(reply, personJson(await setPerson(ctx, walletOf(request), request.body))),
  );

  app.get(
    '/wallet/person',
    {
      schema: {
        summary: 'Загрузка персональных данных',
        description:
          'status: data_entered или data_verified (с verified_at). meta.error: person_not_found (404).',
        security,
      },
      preHandler: auth,
    },
    async (request, reply) => ok(reply, personJson(await getPerson(ctx, walletOf(request)))),
  );
  methodNotAllowed(app, '/wallet/person', ['GET', 'POST']);
}
