import { type Static, Type } from '@sinclair/typebox';
import { XMLBuilder } from 'fast-xml-parser';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { handleOsmpRequest, type OsmpOutcome } from '../../mymfo/payments/handle.ts';
import { MAX_PAYMENT, MIN_PAYMENT } from '../../mymfo/payments/limits.ts';
import type { AppContext } from '../../platform/context.ts';
import type { FaceApp } from '../../platform/http/face.ts';
import { formatRoubles } from '../../platform/money.ts';
import { requirePaymentService } from './auth.ts';
import { errorForm } from './face.ts';

const Query = Type.Object(
  {
    command: Type.Optional(
      Type.String({ description: 'check — проверка возможности платежа, pay — платеж' }),
    ),
    txn_id: Type.Optional(Type.String({ description: 'osmp_txn_id: номер платежа в платежном сервисе' })),
    txn_date: Type.Optional(
      Type.String({ description: 'дата платежа yyyymmddhhmmss (для pay обязательна)' }),
    ),
    account: Type.Optional(Type.String({ description: 'номер договора займа (IDDeal)' })),
    sum: Type.Optional(
      Type.String({ description: 'сумма в рублях: 2200 или 2200.00 (для pay обязательна)' }),
    ),
  },
  // Payment services add their own parameters (prv_id, trm_id…): they are ignored.
  { additionalProperties: true },
);
type QueryT = Static<typeof Query>;

const CODES = `| result | значение |
| --- | --- |
| 0 | успешно: платеж возможен (check) или принят (pay); повтор pay с тем же txn_id — тот же prv_txn |
| 1 | временная ошибка (база данных недоступна, блокировка): повторите запрос, деньги не списаны |
| 4 | неверный формат номера договора (account) |
| 5 | договор не найден |
| 7 | прием платежа запрещен учетом займа |
| 79 | договор не активен: заем не выдан, погашен, продан или списан |
| 241 | сумма меньше минимальной (${formatRoubles(MIN_PAYMENT)} руб.) |
| 242 | сумма больше максимальной (${formatRoubles(MAX_PAYMENT)} руб.) или больше всей задолженности по договору на сегодня |
| 300 | другая ошибка: неверный запрос (command, txn_id, txn_date, sum), txn_id уже использован для другого договора или суммы |`;

const ANSWER = `Ответ — XML (HTTP 200 для любого result): \`<response><osmp_txn_id/><prv_txn/><sum/><result/><comment/>
<СообщениеОбОшибке/></response>\`. \`prv_txn\` — номер платежа в Kopek (пусто, если платеж не проведен), \`sum\` —
сумма запроса с двумя знаками, \`comment\` и \`СообщениеОбОшибке\` — одно и то же описание ошибки (пусто при успехе;
документ называет оба поля). Ответ на check дополнительно содержит
\`<fields><field name="deal">…</field><field name="fio">Имя Отчество Ф.</field><field name="debt">вся задолженность
на сегодня</field><field name="due">к оплате сейчас</field></fields>\`, ответ на pay — \`<field name="receipt">\`
(номер приходника, как в «Оплаты» PS/deal).

${CODES}

Платеж проводится сразу: распределение по 353-ФЗ (проценты и основной долг просроченные, неустойка, текущие
проценты, текущий основной долг; остаток — досрочно или авансом) и одна проводка в учете в той же транзакции.
Идемпотентность по паре (платежный сервис, txn_id): повтор pay возвращает тот же prv_txn и деньги не двигает;
тот же txn_id с другим договором или суммой — 300. Нет или неверная учетная запись Basic — HTTP 401 без тела;
учетная запись другого сервиса или адрес не из списка разрешенных — HTTP 403 без тела.`;

const builder = new XMLBuilder({
  format: true,
  indentBy: '\t',
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  suppressEmptyNode: false,
});

/** `<response>` of the OSMP protocol, well-formed (fast-xml-parser escapes every value). */
function osmpXml(outcome: OsmpOutcome, rawSum: string | undefined): string {
  const a = outcome.answer;
  const fields = [...(a.fields ?? []), ...(a.receipt ? [{ name: 'receipt', value: a.receipt }] : [])];
  const response: Record<string, unknown> = {
    osmp_txn_id: outcome.osmpTxnId.slice(0, 64),
    prv_txn: a.prvTxn ?? '',
    sum: a.amount !== undefined ? formatRoubles(a.amount) : (rawSum ?? '').slice(0, 32),
    result: a.result,
    comment: a.comment,
    СообщениеОбОшибке: a.comment,
  };
  if (fields.length) response.fields = { field: fields.map((f) => ({ '@name': f.name, '#text': f.value })) };
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build({ response }) as string}`;
}

async function answer(
  ctx: AppContext,
  request: FastifyRequest<{ Querystring: QueryT }>,
  reply: FastifyReply,
  options: { service: string; online: boolean },
) {
  const query = request.query;
  const outcome = await handleOsmpRequest(ctx, query, options);
  if (outcome.unexpected) request.log.error({ err: outcome.unexpected }, 'mymfo payment failed');
  return reply.type('application/xml; charset=utf-8').send(osmpXml(outcome, query.sum));
}

/** Payment/Site/<IDPayService>/ and Payment/<PayService>/ (QIWI/OSMP protocol) of the site API. */
export function paymentRoutes(app: FaceApp, ctx: AppContext): void {
  for (const url of ['/Payment/Site/:id/', '/Payment/Site/:id']) {
    app.get<{ Params: { id: string }; Querystring: QueryT }>(
      url,
      {
        ...errorForm('osmp'),
        schema: {
          hide: url.endsWith('/') === false,
          summary: 'Платеж, принятый на сайте (эквайринг): check / pay',
          description: `Сайт сообщает о платеже, который клиент внес на сайте (эквайринг), после ответа
эквайера. Отличия от Payment/<PayService>: сервис задается идентификатором IDPayService (учетная запись
платежного сервиса с этим кодом), платеж помечается как онлайн-оплата («ОнлайнОплата»: true в PS/deal),
ключ идемпотентности — (Site/<IDPayService>, txn_id). Суммы и проверки те же.

${ANSWER}`,
          tags: ['Прием платежей'],
          security: [{ basic: [] }],
          params: Type.Object({ id: Type.String({ description: 'IDPayService' }) }),
          querystring: Query,
        },
      },
      async (request, reply) => {
        const caller = await requirePaymentService(ctx, request, request.params.id);
        return answer(ctx, request, reply, { service: `Site/${caller.service}`, online: true });
      },
    );
  }
  for (const url of ['/Payment/:service/', '/Payment/:service']) {
    app.get<{ Params: { service: string }; Querystring: QueryT }>(
      url,
      {
        ...errorForm('osmp'),
        schema: {
          hide: url.endsWith('/') === false,
          summary: 'Платеж через платежную систему (QIWI, ZK, MKB, Elecsnet, KOPEK): check / pay',
          description: `Протокол QIWI/OSMP: платежная система проверяет договор (check) и проводит платеж (pay).
Каждый сервис — своя учетная запись Basic и свой список разрешенных IP. Процессинговый центр Kopek
подключен как сервис KOPEK (docs/mymfo-payments.md). Документ не задает коды ответа, кроме «0 — успешно,
1 — не успешно»: используются коды соглашения OSMP.

${ANSWER}`,
          tags: ['Прием платежей'],
          security: [{ basic: [] }],
          params: Type.Object({
            service: Type.String({ description: 'PayService: QIWI, ZK, MKB, Elecsnet' }),
          }),
          querystring: Query,
        },
      },
      async (request, reply) => {
        const caller = await requirePaymentService(ctx, request, request.params.service);
        return answer(ctx, request, reply, { service: caller.service, online: false });
      },
    );
  }
}
