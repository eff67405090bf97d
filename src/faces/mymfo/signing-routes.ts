import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  type ContractDocument,
  contractDocument,
  requestSigningCode,
  reviewSigningCode,
} from '../../mymfo/signing/service.ts';
import type { AppContext } from '../../platform/context.ts';
import type { FaceApp } from '../../platform/http/face.ts';
import { actorOf, requireSite } from './auth.ts';
import { errorForm } from './face.ts';

const DOCUMENT_ANSWER = Type.Object(
  {
    IDClient: Type.String({ description: 'код заемщика' }),
    IDDeal: Type.String({ description: 'номер договора' }),
    Code: Type.String({ description: 'пустая строка: код АСП хранится только в виде хэша' }),
    Подписан: Type.Boolean({ description: 'true — подписанный экземпляр с отметкой об АСП' }),
    ИмяФайла: Type.String(),
    Файл: Type.String({ description: 'PDF-файл договора в base64' }),
    ХэшДокумента: Type.String({
      description:
        'SHA-256 (hex) файла; у неподписанного — хэш, который будет указан в подписанном экземпляре',
    }),
    СообщениеОбОшибке: Type.String(),
  },
  { description: 'договор; с заголовком Accept: application/pdf — сам файл (application/pdf)' },
);

const CODE_ANSWER = Type.Object({
  IDClient: Type.String({ description: 'код заемщика' }),
  IDDeal: Type.String({ description: 'номер договора' }),
  Code: Type.String({
    description:
      'код АСП для отправки заемщику в СМС; пустая строка, если СМС отправляет Kopek (MYMFO_SIGN_CODE_DELIVERY=sms)',
  }),
  СообщениеОбОшибке: Type.String(),
});

const PDF_QUIRK =
  'Пример ответа в документе не содержит файла, хотя текст говорит, что метод возвращает PDF: файл передается в поле «Файл» (base64) рядом с полями примера, либо, если запрос несет заголовок Accept: application/pdf, ответом является сам файл.';

function wantsPdf(request: FastifyRequest): boolean {
  return /application\/pdf/i.test(request.headers.accept ?? '');
}

/** The document as JSON with the file in base64, or the bare file when the caller asks for a PDF. */
function sendDocument(request: FastifyRequest, reply: FastifyReply, doc: ContractDocument) {
  if (wantsPdf(request))
    return reply
      .type('application/pdf')
      .header('content-disposition', `inline; filename*=UTF-8''${encodeURIComponent(doc.fileName)}`)
      .header('x-document-sha256', doc.sha256)
      .send(doc.pdf);
  return reply.send({
    IDClient: doc.idClient,
    IDDeal: doc.idDeal,
    Code: '',
    Подписан: doc.signed,
    ИмяФайла: doc.fileName,
    Файл: doc.pdf.toString('base64'),
    ХэшДокумента: doc.sha256,
    СообщениеОбОшибке: '',
  });
}

/**
 * dealinpdf, dealsign/code, dealsign/codereview of the site API: the contract PDF and its
 * signing with an ASP code (docs/mymfo-signing.md). Errors answer in `СообщениеОбОшибке`.
 */
export function signingRoutes(app: FaceApp, ctx: AppContext): void {
  const dealinpdf = {
    ...errorForm('СообщениеОбОшибке'),
    schema: {
      summary: 'Договор в формате PDF (индивидуальные условия)',
      description: `Индивидуальные условия договора с графиком платежей и ПСК, до подписания; после подписания через dealsign/codereview — подписанный экземпляр. ${PDF_QUIRK} Паспорт (pd) в документе необязателен; если передан, он должен совпадать с паспортом заемщика. Для заявок в статусах «Отказ» и «Отменен» договор не формируется.`,
      params: Type.Object({ IDDeal: Type.String() }),
      querystring: Type.Object({ pd: Type.Optional(Type.String({ description: 'серия и номер паспорта' })) }),
      response: { 200: DOCUMENT_ANSWER },
    },
  };
  const dealinpdfHandler = async (
    request: FastifyRequest<{ Params: { IDDeal: string }; Querystring: { pd?: string } }>,
    reply: FastifyReply,
  ) => {
    await requireSite(ctx, request);
    const doc = await contractDocument(ctx, request.params.IDDeal, request.query.pd);
    return sendDocument(request, reply, doc);
  };
  app.get('/dealinpdf/:IDDeal/', dealinpdf, dealinpdfHandler);
  app.get('/dealinpdf/:IDDeal', dealinpdf, dealinpdfHandler);

  app.get<{ Params: { passport: string; IDDeal: string } }>(
    '/dealsign/code/:passport/:IDDeal',
    {
      ...errorForm('СообщениеОбОшибке'),
      schema: {
        summary: 'Код АСП для подписания договора',
        description:
          'Только для договора в статусе «Одобрен». Создает шестизначный код АСП, действующий MYMFO_SIGN_CODE_TTL_MINUTES минут (по умолчанию 10), прежний код перестает действовать. Как в документе, код возвращается в поле Code, и СМС заемщику отправляет сайт (MYMFO_SIGN_CODE_DELIVERY=site, по умолчанию); при MYMFO_SIGN_CODE_DELIVERY=sms СМС отправляет Kopek, а поле Code пустое. Код хранится только в виде ключевого хэша. Повторно — не чаще раза в минуту и не более 5 кодов в час.',
        params: Type.Object({ passport: Type.String(), IDDeal: Type.String() }),
        response: { 200: CODE_ANSWER },
      },
    },
    async (request, reply) => {
      await requireSite(ctx, request);
      const ids = await requestSigningCode(ctx, request.params.passport, request.params.IDDeal);
      return reply.send({
        IDClient: ids.idClient,
        IDDeal: ids.idDeal,
        Code: ids.code ?? '',
        СообщениеОбОшибке: '',
      });
    },
  );

  app.get<{ Params: { passport: string; IDDeal: string; sha256: string } }>(
    '/dealsign/codereview/:passport/:IDDeal/:sha256',
    {
      ...errorForm('СообщениеОбОшибке'),
      schema: {
        summary: 'Проверка кода АСП и подписанный договор',
        description: `Последний сегмент пути — SHA-256 (hex, регистр не важен) строки IDClient + IDDeal + код АСП. Верный код переводит договор в статус «Подписан (дистанционно)» (в документе опечатка «Подисан») и возвращает подписанный экземпляр с отметкой об АСП: хэш кода, телефон, время, IP-адрес вызвавшего сайта, SHA-256 неподписанного PDF. Повтор с тем же верным кодом возвращает тот же файл и не подписывает повторно. После 5 неверных попыток и по истечении срока нужен новый код. ${PDF_QUIRK}`,
        params: Type.Object({ passport: Type.String(), IDDeal: Type.String(), sha256: Type.String() }),
        response: { 200: DOCUMENT_ANSWER },
      },
    },
    async (request, reply) => {
      const caller = await requireSite(ctx, request);
      const doc = await reviewSigningCode(ctx, {
        passport: request.params.passport,
        number: request.params.IDDeal,
        value: request.params.sha256,
        ip: request.ip,
        actor: actorOf(caller),
      });
      return sendDocument(request, reply, doc);
    },
  );
}
