import { Type } from '@sinclair/typebox';
import { statusesByNumbers } from '../../lending/deals/repository.ts';
import { debtSummary } from '../../lending/debt/summary.ts';
import { cabinetLogin } from '../../mymfo/cabinet.ts';
import { attachCard } from '../../mymfo/cards.ts';
import { parseClientCode } from '../../mymfo/codes.ts';
import {
  checkDealNumber,
  dealsOfPassport,
  dealWithClient,
  maskedName,
  summaryOfPassport,
} from '../../mymfo/deals.ts';
import { fixIssue } from '../../mymfo/fixing.ts';
import { acceptRequest } from '../../mymfo/requests.ts';
import type { AppContext } from '../../platform/context.ts';
import { AppError } from '../../platform/errors.ts';
import type { FaceApp } from '../../platform/http/face.ts';
import { clientXmlFields, maskedPhone, moscowDateTime, psDealJson, roubles } from './answers.ts';
import { actorOf, requireSite, requireSiteOrPayment } from './auth.ts';
import { type Handler, param, Query, query, required, route } from './route.ts';
import { xmlResponse } from './xml.ts';

/** The site's services of the document except signing and payments (see face.ts for errors). */
export function siteRoutes(app: FaceApp, ctx: AppContext): void {
  route(
    app,
    'GET',
    ['/client/'],
    'errormessage',
    {
      summary: 'Авторизация клиента в ЛК (XML)',
      description:
        'pass = sha256 (hex) от phone, как он передан, + пароль. Без pass создается пароль и отправляется в СМС (status 11). ' +
        'Статусы: 0 — успешно; 1 — клиент не найден (или пароль уже отправлен менее минуты назад); 2 — неверный пароль ' +
        '(после 5 неверных за 15 минут вход блокируется на 15 минут); 11 — пароль создан. ' +
        'Ответ — корректный XML: `<dateissue>` закрывается `</dateissue>` (в документе опечатка `</dateissuecode>`).',
      querystring: Query({ phone: 'телефон клиента', pass: 'sha256(phone + пароль)' }),
    },
    async (request, reply) => {
      await requireSite(ctx, request);
      const q = query(request);
      const answer = await cabinetLogin(ctx, required(q.phone, 'phone'), q.pass === '' ? undefined : q.pass);
      const fields =
        answer.status === 0
          ? clientXmlFields(answer.client)
          : { status: answer.status, errormessage: answer.status === 11 ? '' : answer.message };
      return reply.type('application/xml; charset=utf-8').send(xmlResponse(fields));
    },
  );

  route(
    app,
    'GET',
    ['/NumbersDeals/:passport'],
    'СообщениеОбОшибке',
    {
      summary: 'Все номера договоров (сделок) клиента',
      description: 'Паспорт — серия и номер без пробелов. Неизвестный паспорт: пустой список и сообщение.',
    },
    async (request) => {
      await requireSite(ctx, request);
      const deals = await dealsOfPassport(ctx, param(request, 'passport'));
      return {
        Договоры: deals.map((d) => ({ НомерДоговора: d.number, Оплачен: d.status === 'Оплачен' })),
        СообщениеОбОшибке: deals.length ? '' : 'Договоры по паспорту не найдены',
      };
    },
  );

  route(
    app,
    'POST',
    ['/statusdeal', '/StatusDeal'],
    'КодОтвета',
    {
      summary: 'Проверка статуса договоров (сделок)',
      description:
        'Тело: {"IDDeal1": "...", "IDDeal2": "..."} (в примере документа нет запятых — нужен корректный JSON). ' +
        'Ответ: ID<n> для каждого найденного IDDeal<n> (в примере документа ключ ID3 повторен — здесь номера не повторяются) ' +
        'и КодОтвета: 0 — найден хотя бы один, 1 — ни одного или ошибка (СообщениеОбОшибке). ДатаСделки — московское время без зоны. ' +
        'Статусы — по таблице документа и «Предварительно одобрено».',
      body: Type.Record(Type.String({ pattern: '^IDDeal[0-9]{1,3}$' }), Type.String(), {
        description: 'IDDeal1..IDDealN',
      }),
    },
    async (request) => {
      await requireSite(ctx, request);
      const body = (request.body ?? {}) as Record<string, unknown>;
      const wanted: { index: number; number: string }[] = [];
      for (const [key, value] of Object.entries(body)) {
        const m = /^IDDeal(\d{1,3})$/i.exec(key);
        if (!m)
          throw new AppError('validation', 'mymfo.statusdeal', `${key}: ожидаются поля IDDeal1..IDDealN`);
        if (typeof value !== 'string')
          throw new AppError('validation', 'mymfo.statusdeal', `${key}: номер договора строкой`);
        wanted.push({ index: Number(m[1]), number: checkDealNumber(value) });
      }
      if (!wanted.length)
        throw new AppError(
          'validation',
          'mymfo.statusdeal',
          'не передан ни один номер договора (IDDeal1..IDDealN)',
        );
      if (wanted.length > 100)
        throw new AppError('validation', 'mymfo.statusdeal', 'не более 100 договоров в запросе');
      wanted.sort((a, b) => a.index - b.index);
      const found = new Map(
        (
          await statusesByNumbers(
            ctx.pool,
            wanted.map((w) => w.number),
          )
        ).map((s) => [s.number, s]),
      );
      const answer: Record<string, unknown> = {};
      const missing: string[] = [];
      for (const w of wanted) {
        const s = found.get(w.number);
        if (!s) missing.push(w.number);
        else
          answer[`ID${w.index}`] = {
            НомерСделки: s.number,
            ДатаСделки: moscowDateTime(s.createdAt),
            Статус: s.status,
          };
      }
      answer.КодОтвета = found.size ? 0 : 1;
      if (missing.length) answer.СообщениеОбОшибке = `договоры не найдены: ${missing.join(', ')}`;
      return answer;
    },
  );

  route(
    app,
    'POST',
    ['/Request/'],
    'description',
    {
      summary: 'Отправка заявки',
      description:
        'Все поля анкеты документа; обязательные: amount, period (дата возврата) или interval (количество платежей), ' +
        'last_name, first_name, middle_name, phone, birthday, passport_series, passport_number. creditproduct — код или ' +
        'название продукта; не указан — продукт по умолчанию для суммы и срока. Адрес регистрации: registrarion_* (как в ' +
        'документе) или registration_*; match_addresses=1 — совпадает с адресом проживания. files — [{filename, bitmap ' +
        '(base64)}]. Флаги ("True"/"true"/1) сохраняются логическими значениями, прочие поля (автозалог, utm_*) — как есть. ' +
        'Ответ: result "1" с IDDeal и IDClient или "0" с описанием, называющим каждое неверное поле. Отказ: у клиента есть ' +
        'незавершенная заявка; запрет подачи заявок. Повтор того же запроса (тот же ID, либо то же тело в тот же день) ' +
        'возвращает первый ответ без новой заявки. Пример документа — некорректный JSON (нет запятых, комментарий): ' +
        'нужен корректный JSON.',
      body: Type.Object({}, { additionalProperties: true }),
    },
    async (request) => {
      const caller = await requireSite(ctx, request);
      return acceptRequest(ctx, request.body, actorOf(caller));
    },
  );

  const cardQuery = Query({
    id: 'токен карты в сервисе выдачи',
    name: 'номер карты (полный — проверяется по Луну, хранятся только первые 6 и последние 4 цифры) или маска',
    client: 'IDClient',
    deal: 'IDDeal (для attachtodeal)',
    cardholder: 'держатель (латиница)',
    validity: 'срок действия ММГГГГ или ММГГ',
    service: 'сервис выдачи',
  });
  const cardHandler =
    (toDeal: boolean): Handler =>
    async (request) => {
      const caller = await requireSite(ctx, request);
      const q = query(request);
      const card = await attachCard(
        ctx,
        toDeal
          ? {
              dealNumber: required(q.deal ?? q.IDDeal, 'deal (номер договора)'),
              ...(q.client ? { clientId: parseClientCode(q.client) } : {}),
            }
          : { clientId: parseClientCode(required(q.client, 'client (код клиента)')) },
        {
          token: required(q.id, 'id (токен карты)'),
          number: required(q.name, 'name (номер карты)'),
          holder: required(q.cardholder, 'cardholder (держатель карты)'),
          validity: required(q.validity, 'validity (срок действия)'),
          service: required(q.service, 'service (сервис выдачи)'),
        },
        actorOf(caller),
      );
      void card;
      return { Результат: toDeal ? 'Карта привязана к договору' : 'Карта привязана к клиенту' };
    };
  route(
    app,
    'GET',
    ['/card/attachtoclient/'],
    'Error',
    { summary: 'Привязка банковской карты к клиенту', querystring: cardQuery },
    cardHandler(false),
  );
  route(
    app,
    'GET',
    ['/card/attachtodeal/'],
    'Error',
    {
      summary: 'Привязка банковской карты к договору',
      description:
        'Параметры как у attachtoclient и deal=<IDDeal> (client необязателен, но если указан — должен совпадать).',
      querystring: cardQuery,
    },
    cardHandler(true),
  );

  route(
    app,
    'GET',
    ['/PS/deal/:deal/:passport'],
    'СообщениеОбОшибке',
    {
      summary: 'Сводные данные о задолженности по договору',
      description:
        'Суммы — рубли числом JSON; даты ISO без пробела (в примере документа «2017-07- 06T00:00:00» — опечатка). ' +
        'Договор чужого паспорта отвечает «не найден». Доступен сайту и платежным сервисам.',
    },
    async (request) => {
      await requireSiteOrPayment(ctx, request);
      return psDealJson(
        await summaryOfPassport(ctx, param(request, 'deal'), required(param(request, 'passport'), 'паспорт')),
      );
    },
  );

  route(
    app,
    'GET',
    ['/PS/dealforps/:deal/'],
    'СообщениеОбОшибке',
    {
      summary: 'Данные о задолженности для оплаты через сайт (эквайринг)',
      description:
        'pd — паспорт без пробелов (необязателен; если указан, должен быть паспортом заемщика). Имя и телефон маскируются.',
      querystring: Query({ pd: 'паспорт (необязательный)' }),
    },
    async (request) => {
      await requireSiteOrPayment(ctx, request);
      const { deal, client } = await dealWithClient(ctx, param(request, 'deal'), query(request).pd);
      const summary = await debtSummary(ctx.pool, deal.id);
      return {
        НомерДоговора: deal.number,
        ИмяОтчествоФ: maskedName(client),
        Телефон: maskedPhone(client.phone),
        ОбщийДолгНаТекДату: roubles(summary.totalDebt),
        СообщениеОбОшибке: '',
      };
    },
  );

  const fixing: Handler = async (request) => {
    const caller = await requireSite(ctx, request);
    const input = { ...query(request), ...((request.body ?? {}) as Record<string, unknown>) };
    const issue = await fixIssue(ctx, input, actorOf(caller));
    return {
      IDDeal: issue.number,
      Статус: issue.status,
      ДатаВыдачи: `${issue.issueDate}T00:00:00`,
      СуммаВыдачи: roubles(issue.amount),
      СпособВыдачи: issue.method,
      СообщениеОбОшибке: '',
    };
  };
  const fixingDoc = {
    summary: 'Регистрация выдачи займа вне системы (fixingissue)',
    description:
      'В документе метод только назван; в Kopek: IDDeal, date (дата выдачи, ГГГГ-ММ-ДД, по умолчанию сегодня, не в будущем), ' +
      'amount (сумма в рублях — вся сумма договора), method (способ: «Наличные в кассе», «Перевод на счет»…), reference ' +
      '(номер документа, необязательно) — в теле JSON (POST) или в параметрах запроса (GET). Договор должен быть ' +
      '«Подписан (дистанционно)»; после регистрации — «Выдан», график пересчитывается от даты выдачи. Повтор того же ' +
      'сообщения отвечает так же; другое — ошибка.',
  };
  route(
    app,
    'POST',
    ['/fixingissue/'],
    'СообщениеОбОшибке',
    { ...fixingDoc, body: Type.Object({}, { additionalProperties: true }) },
    fixing,
  );
  route(
    app,
    'GET',
    ['/fixingissue/'],
    'СообщениеОбОшибке',
    {
      ...fixingDoc,
      querystring: Query({
        IDDeal: 'номер договора',
        date: 'дата выдачи',
        amount: 'сумма',
        method: 'способ',
        reference: 'документ',
      }),
    },
    fixing,
  );
}
