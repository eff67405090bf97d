import { CONSENTS, type CustomerForm } from '../../bnpl/customer.ts';
import type { FrameView } from '../../bnpl/frame.ts';
import { formatRoublesRu } from '../../platform/money.ts';

export function esc(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

const ruDate = (iso: string) => `${iso.slice(8, 10)}.${iso.slice(5, 7)}.${iso.slice(0, 4)}`;

export function layout(title: string, body: string): string {
  return `<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><link rel="stylesheet" href="/frame/assets/frame.css"></head>
<body><main>${body}</main><script src="/frame/assets/frame.js"></script></body></html>`;
}

function graph(v: FrameView): string {
  const p = v.price;
  const labels = ['Сегодня', 'Второй платёж', 'Третий платёж'];
  return `<section class="card" aria-labelledby="graph-title"><h1 id="graph-title">Оплата частями</h1>
<p class="muted">Заказ ${esc(v.session.orderId)} на ${esc(formatRoublesRu(v.session.amount))}: три платежа.</p>
<ol class="graph">${p.payments
    .map(
      (amount, i) =>
        `<li data-payment="${i + 1}"><span>${labels[i]}, ${ruDate(p.dueDates[i]!)}</span><strong>${esc(formatRoublesRu(amount))}</strong></li>`,
    )
    .join('')}</ol>
<div class="total"><span>Итого</span><span data-total>${esc(formatRoublesRu(p.total))}</span></div></section>`;
}

const FIELD_LABELS: [keyof CustomerForm, string, string][] = [
  ['last_name', 'Фамилия', 'text'],
  ['first_name', 'Имя', 'text'],
  ['middle_name', 'Отчество', 'text'],
  ['birth_date', 'Дата рождения', 'date'],
  ['passport_number', 'Серия и номер паспорта', 'text'],
  ['passport_issue_date', 'Дата выдачи паспорта', 'date'],
  ['passport_issuer', 'Кем выдан', 'text'],
  ['passport_code', 'Код подразделения', 'text'],
  ['postcode', 'Индекс', 'text'],
  ['city', 'Город', 'text'],
  ['street', 'Улица', 'text'],
  ['building', 'Дом', 'text'],
  ['housing', 'Строение', 'text'],
  ['apartment', 'Квартира', 'text'],
  ['phone', 'Телефон', 'tel'],
  ['email', 'E-mail', 'email'],
];

export function formPage(
  v: FrameView,
  token: string,
  errors: Record<string, string> = {},
  consents: Record<string, boolean> = {},
): string {
  const f = v.form;
  const field = ([name, label, type]: (typeof FIELD_LABELS)[number]) =>
    `<div><label for="${name}">${label}</label><input id="${name}" name="${name}" type="${type}" value="${esc(f[name])}"${
      errors[name] ? ` aria-invalid="true" aria-describedby="${name}-err"` : ''
    }>${errors[name] ? `<p class="err" id="${name}-err">${esc(errors[name])}</p>` : ''}</div>`;
  const sex = `<div><label for="sex">Пол</label><select id="sex" name="sex"><option value="">—</option>
<option value="male"${f.sex === 'male' ? ' selected' : ''}>мужской</option><option value="female"${f.sex === 'female' ? ' selected' : ''}>женский</option></select>${
    errors.sex ? `<p class="err">${esc(errors.sex)}</p>` : ''
  }</div>`;
  const consentBoxes = Object.entries(CONSENTS)
    .map(
      ([name, text]) =>
        `<label class="check"><input type="checkbox" name="${name}" value="on"${consents[name] ? ' checked' : ''}><span>${esc(text)}</span></label>${
          errors[name] ? `<p class="err">${esc(errors[name])}</p>` : ''
        }`,
    )
    .join('');
  return layout(
    'Оплата частями — анкета',
    `${graph(v)}
${Object.keys(errors).length ? '<p class="alert" role="alert">Проверьте выделенные поля.</p>' : ''}
<form class="card" method="post" action="/frame/${esc(token)}/customer" novalidate>
<h2>Ваши данные</h2><div class="grid">${FIELD_LABELS.slice(0, 4).map(field).join('')}${sex}</div>
<h2>Паспорт</h2><div class="grid">${FIELD_LABELS.slice(4, 8).map(field).join('')}</div>
<h2>Адрес регистрации</h2><div class="grid">${FIELD_LABELS.slice(8, 14).map(field).join('')}</div>
<h2>Контакты</h2><div class="grid">${FIELD_LABELS.slice(14).map(field).join('')}</div>
<h2>Согласия</h2>${consentBoxes}
<button type="submit">Получить код по СМС</button></form>`,
  );
}

export function codePage(v: FrameView, token: string, error?: string): string {
  return layout(
    'Оплата частями — код из СМС',
    `${graph(v)}
<form class="card" method="post" action="/frame/${esc(token)}/code">
<h2>Подтверждение</h2><p>Мы отправили код на номер ${esc(v.phoneMasked)}. Вводя код, вы подписываете договор займа простой электронной подписью.</p>
${error ? `<p class="alert" role="alert">${esc(error)}</p>` : ''}
<label for="code">Код из СМС</label><input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="6">
<button type="submit">Подтвердить</button></form>
<form method="post" action="/frame/${esc(token)}/resend"><button class="secondary" type="submit">Отправить код ещё раз</button></form>`,
  );
}

export function payPage(v: FrameView, token: string): string {
  return layout(
    'Оплата частями — первый платёж',
    `${graph(v)}
<form class="card" method="post" action="/frame/${esc(token)}/pay">
${
  v.paymentSigns
    ? '<p>Оплачивая первый платёж, вы принимаете индивидуальные условия договора займа, которые получили в магазине.</p>'
    : '<p class="ok">Договор подписан. Осталось оплатить первый платёж картой.</p>'
}
${v.lastPaymentError ? `<p class="alert" role="alert">Платёж не прошёл: ${esc(v.lastPaymentError)}. Попробуйте другую карту.</p>` : ''}
<button type="submit">Оплатить ${esc(formatRoublesRu(v.price.payments[0]))}</button></form>`,
  );
}

export function donePage(v: FrameView): string {
  return layout(
    'Оплата частями — готово',
    `${graph(v)}<section class="card"><p class="ok" role="status">Первый платёж оплачен${
      v.card ? ` картой ${esc(v.card.first6.slice(0, 4))} •••• ${esc(v.card.last4)}` : ''
    }, договор открыт. ${
      v.session.redirectUrl
        ? `Возвращаемся в магазин…</p>
<a class="button" href="${esc(v.session.redirectUrl)}" target="_top" data-redirect="${esc(v.session.redirectUrl)}">Вернуться в магазин</a>`
        : 'Эту страницу можно закрыть.</p>'
    }</section>`,
  );
}

export function closedPage(title: string, text: string, redirectUrl?: string): string {
  return layout(
    title,
    `<section class="card"><h1>${esc(title)}</h1><p>${esc(text)}</p>${
      redirectUrl ? `<a class="button" href="${esc(redirectUrl)}" target="_top">Вернуться в магазин</a>` : ''
    }</section>`,
  );
}
