import type { Product, ScheduleLine } from '../../lending/types.ts';
import { formatRoublesRu } from '../../platform/money.ts';

/**
 * The MFO's print form for a broker deal: the individual terms of the consumer loan with its
 * payment schedule, as an HTML template the broker renders to PDF. Contract figures are the
 * broker's `{{placeholders}}`; what only the MFO knows (client, product, ПСК, schedule) is
 * written in, escaped so it can neither add tags nor placeholders.
 */
export function contractTemplate(args: {
  product: Product;
  clientName: string;
  pskPercent: string | null;
  pskAmount: bigint | null;
  schedule: ScheduleLine[];
  /** POS: signed by the SMS code; BNPL: accepted by paying the first part on the payment page. */
  signing: 'sms' | 'payment';
}): string {
  const e = (text: string) => text.replace(/[&<>"{}]/g, (c) => `&#${c.charCodeAt(0)};`);
  const lines = args.schedule
    .map(
      (l) =>
        `<li>${l.n}. ${e(l.dueDate)}: ${e(formatRoublesRu(l.total))} (основной долг ${e(formatRoublesRu(l.principal))}, проценты ${e(formatRoublesRu(l.interest))})</li>`,
    )
    .join('\n');
  return `<h1>Индивидуальные условия договора потребительского займа № {{number}}</h1>
<p>Заимодавец: МФО «Копек». Заёмщик: ${e(args.clientName)}. Дата: {{date}}. Анкета брокера: {{form_guid}}.</p>
<p>Продукт: ${e(args.product.name)}. Ставка: ${e(args.product.dailyRate)} % в день.</p>
<p>Сумма займа: {{amount}}. Срок: {{term_value}} {{term_unit}}. Платежей: {{payments_count}}, первый {{first_payment_date}}.</p>
<p>Полная стоимость займа: {{effective_rate}} % годовых${args.pskAmount !== null ? `, ${e(formatRoublesRu(args.pskAmount))}` : ''}.</p>
<p>Заём перечисляется продавцу в оплату товара по анкете.</p>
<h2>График платежей</h2>
${lines}
${
  args.signing === 'sms'
    ? '<p>Договор подписывается простой электронной подписью: кодом из СМС.</p>'
    : '<p>Договор заключается оплатой первого платежа по ссылке на платёжную страницу из СМС: оплата означает согласие заёмщика с этими условиями.</p>'
}`;
}
