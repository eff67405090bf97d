import multipart from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import { authenticateMerchant, type Merchant } from '../../bnpl/merchants.ts';
import { refund } from '../../bnpl/refunds.ts';
import { checkInit, initSession, sessionByOrder, statesBetween } from '../../bnpl/sessions.ts';
import { MAX_RECEIPT_BYTES, saveTickets, type UploadedFile } from '../../bnpl/tickets.ts';
import { bnplPricing } from '../../lending/bnpl-pricing.ts';
import { todayMoscow } from '../../lending/dates.ts';
import type { AppContext } from '../../platform/context.ts';
import { AppError } from '../../platform/errors.ts';
import type { Face, FaceApp } from '../../platform/http/face.ts';
import { parseRoubles } from '../../platform/money.ts';
import { parseDateTime, readInit } from './init-request.ts';
import { InitBody, OrderQuery, RefundBody, StatesQuery } from './schemas.ts';
import { publicBase, roubles, tokenOf } from './wire.ts';

const security = [{ merchantToken: [] }];

/**
 * Moneywall partner API under `/api/partners/payments/`: JSON, `Authorization: <token>`, money in
 * roubles. Business rules live in src/bnpl; this face reads the wire and answers it.
 */
export const moneywallFace: Face = {
  name: 'moneywall',
  title: 'Moneywall API (оплата частями, партнёрский API)',
  description: `Совместимая реализация API Moneywall (../shared/specs/moneywall-bnpl-api.md). Базовый адрес — /api/partners; JSON; деньги в рублях (10000 или 10000.50), внутри — копейки.

Аутентификация: токен партнёра в заголовке \`Authorization: <токен>\` без схемы (как в документе; префикс «Bearer » тоже принимается). Нет токена или он неверный — HTTP 401.

Ошибки (в документе не описаны): HTTP-статус (400 неверный запрос, 401 токен, 404 нет сессии, 409 конфликт состояния или повтор order_id с другими данными, 413 слишком большой запрос, 422 неверные данные, 503 повторите позже) и тело \`{"error": "<код>", "message": "<описание по-русски>"}\`.

Особенности документа и как они учтены:
- init идемпотентен по (партнёр, order_id): повтор с тем же телом возвращает ту же сессию, с другим телом — 409 order_id_reused;
- DateTime без часового пояса (как \`expires_at\` в примере документа) читается как московское время (+03:00); таймлимит в прошлом — 422;
- \`product_type: airline_tickets\` без объекта \`product\` (как в примере документа) принимается; тогда дата вылета неизвестна и цена считается с K = 1.20;
- \`calculated_credit_cost\` (есть в примере, нет в таблице) принимается и хранится, цену считает Kopek;
- объект product описан дважды: JSON при init (авиабилеты) и multipart в payments/product;
- формула: ПЛАТЁЖ = СУММА × K / 3, K = 1.10 при вылете позже 64 дней от открытия договора, иначе 1.20; первые два платежа округляются до копейки (half-up), третий — остаток, сумма трёх точно равна СУММА × K;
- refund без идентификатора возврата: каждый запрос — новый возврат, в сумме не больше суммы заказа;
- методы states и credit_applications/validate — расширения Kopek (в документе их нет);
- callbacks: POST JSON {"id","order_id","state","amount"[,"reason"]}, подпись — заголовок X-Moneywall-Signature: sha256=<hex HMAC-SHA256 тела с секретом партнёра>, повторы с нарастающей паузой до ответа 2xx.`,
  prefix: '/api/partners',
  version: '1.0',
  securitySchemes: { merchantToken: { type: 'apiKey', in: 'header', name: 'Authorization' } },
  replyError(error, _request, reply) {
    return reply.code(error.status).send({ error: error.code, message: error.message });
  },
  async routes(app: FaceApp, ctx: AppContext) {
    await app.register(multipart, { limits: { fileSize: MAX_RECEIPT_BYTES, files: 50, parts: 200 } });
    // The token is checked before the body: a request without it gets 401 whatever it carries.
    // The hook's answer serves the handler too (one token hash per request).
    const merchants = new WeakMap<FastifyRequest, Merchant>();
    app.addHook('onRequest', async (request) => {
      merchants.set(request, await authenticateMerchant(ctx.pool, tokenOf(request)));
    });
    const merchantOf = async (request: FastifyRequest): Promise<Merchant> =>
      merchants.get(request) ?? authenticateMerchant(ctx.pool, tokenOf(request));

    app.post(
      '/payments/init',
      {
        schema: {
          summary: 'Начало платёжной сессии',
          security,
          body: InitBody,
        },
      },
      async (request) => {
        const merchant = await merchantOf(request);
        const { session } = await initSession(ctx, merchant, readInit(request.body));
        return {
          id: session.id,
          amount: roubles(session.amount),
          frame_url: `${publicBase(ctx.config, request)}/frame/${session.frameToken}`,
        };
      },
    );

    app.post(
      '/payments/credit_applications/validate',
      {
        schema: {
          summary: 'Предварительная проверка полей init (ничего не создаёт; расширение Kopek)',
          security,
          body: InitBody,
        },
      },
      async (request) => {
        await merchantOf(request);
        const input = readInit(request.body);
        await checkInit(ctx.pool, input);
        const price = bnplPricing(input.amount, todayMoscow(), input.departureDate);
        return {
          valid: true,
          amount: roubles(input.amount),
          k: price.k,
          payments: price.payments.map((p, i) => ({ date: price.dueDates[i], amount: roubles(p) })),
          total: roubles(price.total),
        };
      },
    );

    app.post(
      '/payments/product',
      { schema: { summary: 'Добавление выписанных билетов к заказу', security } },
      async (request) => {
        const merchant = await merchantOf(request);
        if (!request.isMultipart())
          throw new AppError('validation', 'bnpl.multipart', 'запрос должен быть multipart/form-data');
        const fields: Record<string, string> = {};
        const numbers: string[] = [];
        const receipts: UploadedFile[] = [];
        const indexedNumbers = new Map<number, string>();
        const indexedReceipts = new Map<number, UploadedFile>();
        let letter: UploadedFile | undefined;
        try {
          for await (const part of request.parts()) {
            const m = /^product\[product_items\]\[(\d*)\]\[(ticket_number|ticket_receipt)\]$/.exec(
              part.fieldname,
            );
            if (part.type === 'file') {
              const file = { name: part.filename || 'file', content: await part.toBuffer() };
              if (part.fieldname === 'transaction_letter') letter = file;
              else if (m?.[2] === 'ticket_receipt') {
                if (m[1]) indexedReceipts.set(Number(m[1]), file);
                else receipts.push(file);
              }
            } else {
              const value = String(part.value ?? '');
              if (m?.[2] === 'ticket_number') {
                if (m[1]) indexedNumbers.set(Number(m[1]), value);
                else numbers.push(value);
              } else fields[part.fieldname] = value;
            }
          }
        } catch (error) {
          if ((error as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE')
            throw new AppError('validation', 'bnpl.file_too_large', 'ticket_receipt: файл больше 8 МБ');
          throw error;
        }
        const orderId = fields.order_id;
        if (!orderId) throw new AppError('validation', 'bnpl.validation', 'order_id: обязательное поле');
        const productType = fields['product[product_type]'];
        if (!productType)
          throw new AppError('validation', 'bnpl.validation', 'product[product_type]: обязательное поле');
        // `[]` items pair in order (Rails style); `[0]`, `[1]` items pair by index.
        const items = numbers.map((n, i) => ({ ticketNumber: n, receipt: receipts[i] }));
        for (const [i, n] of [...indexedNumbers.entries()].sort((a, b) => a[0] - b[0]))
          items.push({ ticketNumber: n, receipt: indexedReceipts.get(i) });
        if (receipts.length > numbers.length)
          throw new AppError(
            'validation',
            'bnpl.validation',
            'product[product_items]: квитанция без номера билета',
          );
        const result = await saveTickets(ctx, merchant, { orderId, productType, items, letter });
        return { order_id: orderId, saved: result.saved };
      },
    );

    app.get(
      '/payments/state',
      { schema: { summary: 'Статус платёжной сессии', security, querystring: OrderQuery } },
      async (request) => {
        const merchant = await merchantOf(request);
        const session = await sessionByOrder(ctx.pool, merchant.id, request.query.order_id);
        return { order_id: session.orderId, state: session.state };
      },
    );

    app.get(
      '/payments/states',
      {
        schema: {
          summary: 'Статусы сессий, изменившиеся за период [from, till) (расширение Kopek)',
          security,
          querystring: StatesQuery,
        },
      },
      async (request) => {
        const merchant = await merchantOf(request);
        const from = parseDateTime('from', request.query.from);
        const till = parseDateTime('till', request.query.till);
        const rows = await statesBetween(ctx.pool, merchant.id, from, till);
        return {
          states: rows.map((r) => ({
            order_id: r.orderId,
            state: r.state,
            updated_at: r.changedAt.toISOString(),
          })),
        };
      },
    );

    app.post(
      '/payments/refund',
      { schema: { summary: 'Возврат (частичный или полный)', security, body: RefundBody } },
      async (request) => {
        const merchant = await merchantOf(request);
        let amount: bigint;
        try {
          amount = parseRoubles(request.body.amount, { allowZero: false });
        } catch (error) {
          throw new AppError('validation', 'bnpl.amount', `amount: ${(error as Error).message}`);
        }
        const r = await refund(ctx, merchant, request.body.order_id, amount);
        return {
          order_id: r.orderId,
          state: r.state,
          refund: r.kind === 'void' ? 'void' : 'early_repayment',
          amount: roubles(r.amount),
          refunded_total: roubles(r.refundedTotal),
        };
      },
    );
  },
};
