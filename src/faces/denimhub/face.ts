import type { TSchema } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { drainDispatch } from '../../broker/dispatch.ts';
import { readOwnedFile } from '../../broker/files.ts';
import { cancelForm, createForm } from '../../broker/forms.ts';
import { confirmContract, getIssueStatus } from '../../broker/issue.ts';
import { confirmOffer, getContract, getOffers } from '../../broker/offers.ts';
import { boundToGuid, type Partner, partnerByToken } from '../../broker/partners.ts';
import { getScansStatus, saveScans } from '../../broker/scans.ts';
import {
  checkSmsCode,
  getPaymentStatus,
  getSigningStatus,
  resendSmsCode,
  sendSmsLink,
} from '../../broker/signing.ts';
import type { AppContext } from '../../platform/context.ts';
import type { Face, FaceApp } from '../../platform/http/face.ts';
import { replyDenimhubError, success } from './envelope.ts';
import { CheckCode, CreateForm, FileQuery, FormRef, OfferRef, SaveScans } from './schemas.ts';

type Body = Record<string, unknown>;

function tokenOf(request: FastifyRequest): string | undefined {
  const auth = request.headers.authorization;
  if (typeof auth === 'string' && /^Bearer\s+/i.test(auth)) return auth.replace(/^Bearer\s+/i, '').trim();
  const header = request.headers['x-partner-token'];
  return typeof header === 'string' ? header : undefined;
}

/**
 * DenimHub POS/BNPL partner API v1.0.7 under `/dp/`: POST JSON, the `{status, error_code,
 * error_message, data}` envelope. Authentication, which the document leaves out: the partner's
 * token in `Authorization: Bearer <token>` (or `X-Partner-Token`), bound to `partner_guid`.
 */
export const denimhubFace: Face = {
  name: 'denimhub',
  title: 'DenimHub API (POS-кредитование + BNPL)',
  description: `Совместимая реализация API DenimHub v1.0.7. Запросы: POST JSON на /dp/<метод>, ответ {status, error_code, error_message, data}.

Аутентификация (в документе не описана): токен партнёра в заголовке \`Authorization: Bearer <токен>\` (или \`X-Partner-Token\`); токен привязан к partner_guid.

Особенности документа и как они учтены:
- деньги — целые копейки;
- вид продукта (pos / bnpl) и способ оформления (OFFLINE / ONLINE) определяются торговой точкой (point_code), в анкете такого поля нет;
- обязательность: «+pos», «+bnpl», «bnpl при сумме больше 40 000 руб.» (строго больше 4 000 000 копеек), адрес строкой или объектом Address для pos, сканы — только OFFLINE pos (PASSPORT_MAIN, PASSPORT_REGISTRATION, CLIENT_PHOTO);
- gender: принимается и кириллическая «М», как напечатано в документе;
- статусы сканов: у отдельного скана REQUESTED, RECEIVED_FROM_PARTNER, CHECKING, RESCAN_NEEDED, CONFIRMED, DECLINED; общий scans_status — ACCEPTED / DECLINED и т. д.; PRINT_FORMS_CHANGED — кредитор заменил печатные формы после проверки сканов, до повторного get_contract (confirm_contract тем временем даёт 7004);
- check_sms_code в документе озаглавлен как resend_sms_code — это проверка кода;
- подписание: pos — СМС-кодом (send_sms_link даёт 7003), bnpl — оплатой первого платежа по payment_url (check_sms_code/resend_sms_code дают 7003);
- коды вне документа: 1001 нет/неверный токен (HTTP 401), 1003 токен другого партнёра (403), 1004 файл не найден (404), 1404 метод не найден, 1500 внутренняя ошибка, 1503 повторите позже.`,
  prefix: '/dp',
  version: '1.0.7',
  securitySchemes: { partnerToken: { type: 'http', scheme: 'bearer' } },
  replyError(error, _request, reply) {
    return replyDenimhubError(error, reply);
  },
  routes(app: FaceApp, ctx: AppContext) {
    // Forms accepted just before shutdown are handed to their collect job before the pool closes.
    app.addHook('onClose', async () => {
      await drainDispatch();
    });
    // The token is checked before the body is parsed or validated (1001, HTTP 401 without a valid
    // one, whatever the body); its binding to `partner_guid` (1003) needs the body, so the handler
    // checks it. Route-level, so an unknown method still answers 1404.
    const partners = new WeakMap<FastifyRequest, Partner>();
    const checkToken = async (request: FastifyRequest) => {
      partners.set(request, await partnerByToken(ctx.pool, tokenOf(request)));
    };
    // Every route has the hook, so the partner is there; looked up again only if it is not.
    const partnerOf = async (request: FastifyRequest, partnerGuid: unknown) =>
      boundToGuid(partners.get(request) ?? (await partnerByToken(ctx.pool, tokenOf(request))), partnerGuid);
    app.addHook('onRoute', (route) => {
      const own = route.onRequest ? [route.onRequest].flat() : [];
      route.onRequest = [checkToken, ...own] as typeof route.onRequest;
    });
    const post = (
      name: string,
      summary: string,
      schema: TSchema,
      handler: (partner: Partner, body: Body) => Promise<unknown>,
      options: { ownValidation?: boolean } = {},
    ) => {
      app.post(
        `/${name}`,
        {
          schema: { summary, body: schema, security: [{ partnerToken: [] }] },
          // create_form and save_scans validate themselves, so error 2000 can name every bad field.
          ...(options.ownValidation ? { validatorCompiler: () => () => true } : {}),
        },
        async (request) => {
          const body = (request.body ?? {}) as Body;
          const partner = await partnerOf(request, body.partner_guid);
          return success(await handler(partner, body));
        },
      );
    };
    post(
      'create_form',
      'create_form – отправка анкеты',
      CreateForm,
      async (p, b) => ({ form_guid: await createForm(ctx, p, b) }),
      { ownValidation: true },
    );
    post('get_offers', 'get_offers – получение предложений', FormRef, (p, b) =>
      getOffers(ctx.pool, p, b.form_guid),
    );
    post('confirm_offer', 'confirm_offer – подтверждение выбора предложения', OfferRef, async (p, b) => {
      await confirmOffer(ctx, p, b.form_guid, b.offer_guid);
      return {};
    });
    post('get_contract', 'get_contract – получение договора', OfferRef, (p, b) =>
      getContract(ctx.pool, p, b.form_guid, b.offer_guid),
    );
    post('send_sms_link', 'send_sms_link – СМС с URL страницы оплаты (bnpl)', OfferRef, async (p, b) => {
      await sendSmsLink(ctx, p, b.form_guid, b.offer_guid);
      return {};
    });
    post(
      'resend_sms_code',
      'resend_sms_code – повторная СМС с кодом подписания (pos)',
      OfferRef,
      async (p, b) => {
        await resendSmsCode(ctx, p, b.form_guid, b.offer_guid);
        return {};
      },
    );
    post('check_sms_code', 'check_sms_code – проверка кода подписания (pos)', CheckCode, async (p, b) => {
      await checkSmsCode(ctx, p, b.form_guid, b.offer_guid, b.code);
      return {};
    });
    post(
      'save_scans',
      'save_scans – отправка сканов',
      SaveScans,
      async (p, b) => {
        await saveScans(ctx, p, b.form_guid, b.offer_guid, b.scans);
        return {};
      },
      { ownValidation: true },
    );
    post('get_scans_status', 'get_scans_status – статус проверки сканов', OfferRef, (p, b) =>
      getScansStatus(ctx.pool, p, b.form_guid, b.offer_guid),
    );
    post(
      'confirm_contract',
      'confirm_contract – окончательное подтверждение договора',
      OfferRef,
      async (p, b) => {
        await confirmContract(ctx, p, b.form_guid, b.offer_guid);
        return {};
      },
    );
    post('get_signing_status', 'get_signing_status – статус подписания', OfferRef, (p, b) =>
      getSigningStatus(ctx, p, b.form_guid, b.offer_guid),
    );
    post('get_payment_status', 'get_payment_status – статус оплаты (bnpl)', OfferRef, (p, b) =>
      getPaymentStatus(ctx, p, b.form_guid, b.offer_guid),
    );
    post('get_issue_status', 'get_issue_status – статус выдачи кредита', OfferRef, (p, b) =>
      getIssueStatus(ctx, p, b.form_guid, b.offer_guid),
    );
    post('cancel', 'cancel – отмена оформления заявки', FormRef, async (p, b) => {
      await cancelForm(ctx, p, b.form_guid);
      return {};
    });
    app.get(
      '/get_file',
      {
        schema: {
          summary: 'get_file – получение файла (GET, только владельцу)',
          querystring: FileQuery,
          security: [{ partnerToken: [] }],
        },
      },
      async (request, reply) => {
        const query = request.query as Body;
        const partner = await partnerOf(request, query.partner_guid);
        const file = await readOwnedFile(ctx.pool, partner.id, query.file_guid);
        return reply
          .type(file.mimeType)
          .header('content-disposition', `attachment; filename*=UTF-8''${encodeURIComponent(file.name)}`)
          .header('x-content-type-options', 'nosniff')
          .send(file.content);
      },
    );
  },
};
