import PDFDocument from 'pdfkit';
import { formatRoublesRu, type Kopecks } from '../../platform/money.ts';
import { DEJAVU_BOLD, DEJAVU_REGULAR } from '../../platform/pdf-fonts.ts';
import type { IndividualTerms } from './individual-terms.ts';

/** What a simple electronic signature (АСП, code from an SMS) leaves behind, printed on the signed copy. */
export interface SignatureProof {
  method: 'sms_code';
  /** The value the site sent to codereview: sha256 hex of IDClient + IDDeal + the ASP code. */
  codeHash: string;
  phone: string;
  /** ISO time of the signature. */
  signedAt: string;
  ip: string;
  /** sha256 hex of the unsigned PDF (the bytes dealinpdf serves) the client signed. */
  documentHash: string;
}

const PAGE = { width: 595.28, height: 841.89, margin: 50 } as const;
const CONTENT_WIDTH = PAGE.width - 2 * PAGE.margin;

function ruDate(date: string): string {
  const [y, m, d] = date.split('-');
  return `${d}.${m}.${y}`;
}

/** Moscow wall time of an instant, as printed in the proof. */
function ruDateTime(iso: string): string {
  const moscow = new Date(Date.parse(iso) + 3 * 3600_000).toISOString();
  return `${ruDate(moscow.slice(0, 10))} ${moscow.slice(11, 19)} (МСК)`;
}

function ruNumber(decimal: string): string {
  return decimal.replace('.', ',');
}

function rub(k: Kopecks): string {
  return formatRoublesRu(k);
}

/** Percent a year from a daily rate, 365 days, exact to three decimals ('0.8' -> '292'). */
function yearlyRate(daily: string): string {
  const [whole, frac = ''] = daily.split('.');
  const scaled = BigInt(`${whole}${frac.padEnd(6, '0').slice(0, 6)}`) * 365n; // millionths
  const intPart = scaled / 1_000_000n;
  const rest = String(scaled % 1_000_000n)
    .padStart(6, '0')
    .slice(0, 3)
    .replace(/0+$/, '');
  return rest ? `${intPart},${rest}` : String(intPart);
}

function termsTable(t: IndividualTerms): [string, string][] {
  const lastDue = t.schedule.at(-1)?.dueDate;
  const total = t.schedule.reduce((sum, l) => sum + l.total, 0n);
  return [
    ['1. Сумма займа', rub(t.amount)],
    [
      '2. Срок действия договора, срок возврата займа',
      `Договор действует до полного исполнения обязательств. Срок возврата займа — ${t.termDays} дн. со дня его предоставления${
        lastDue ? ` (последний платёж по графику — ${ruDate(lastDue)})` : ''
      }.`,
    ],
    ['3. Валюта займа', 'Российский рубль'],
    [
      '4. Процентная ставка',
      `${ruNumber(t.dailyRate)} % в день (${yearlyRate(t.dailyRate)} % годовых). Проценты начисляются на остаток основного долга за каждый день пользования займом.`,
    ],
    [
      '6. Количество, размер и периодичность платежей',
      `Платежей: ${t.schedule.length}; всего к уплате ${rub(total)} по графику платежей ниже. График рассчитан от даты заявки; при выдаче в другой день даты платежей отсчитываются от фактической даты выдачи.`,
    ],
    [
      '8. Способы исполнения обязательств',
      'Через платёжные сервисы, указанные на сайте заимодавца, и в его кассах.',
    ],
    [
      '12. Ответственность заёмщика за ненадлежащее исполнение договора',
      `Неустойка ${ruNumber(t.penaltyRateYear)} % годовых на сумму просроченного основного долга за каждый день просрочки, пока на сумму займа начисляются проценты; после этого — ${ruNumber(t.penaltyAfterDaily)} % суммы просроченной задолженности за каждый день просрочки.`,
    ],
    [
      '12.1. Ограничение начислений',
      `После того как сумма начисленных процентов, неустойки (штрафов, пени), иных мер ответственности и платежей за услуги достигнет ${t.capPercent} % суммы предоставленного займа, их начисление прекращается (ч. 24 ст. 6 Федерального закона № 353-ФЗ «О потребительском кредите (займе)»).`,
    ],
    [
      '13. Уступка прав требования',
      'Заёмщик согласен на уступку прав (требований) по договору третьим лицам.',
    ],
    ['17. Кредитный продукт', t.productName],
  ];
}

/**
 * The individual terms as a PDF: the ПСК box in the upper right of the first page (as 353-FZ
 * art. 6 p. 1 asks: framed, at least 5 % of the page, the largest type), the table of terms,
 * the schedule, and the parties. With a proof it is the signed copy, which adds the signature
 * block. Deterministic: creation date from the deal (unsigned) or the signature (signed), so the
 * same terms render the same bytes.
 */
export function renderIndividualTerms(t: IndividualTerms, proof?: SignatureProof): Promise<Buffer> {
  const doc = new PDFDocument({
    size: 'A4',
    margin: PAGE.margin,
    info: {
      Title: `Индивидуальные условия договора потребительского займа № ${t.dealNumber}`,
      Author: t.lender.name,
      Producer: 'Kopek',
      Creator: 'Kopek',
      CreationDate: proof ? new Date(proof.signedAt) : t.createdAt,
    },
  });
  doc.registerFont('regular', DEJAVU_REGULAR);
  doc.registerFont('bold', DEJAVU_BOLD);
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  // ПСК box: 210 x 130 pt is 5.4 % of an A4 page.
  const box = { w: 210, h: 130, x: PAGE.width - PAGE.margin - 210, y: PAGE.margin };
  doc.lineWidth(2).rect(box.x, box.y, box.w, box.h).stroke();
  const inBox = { width: box.w - 16, align: 'center' } as const;
  doc
    .font('bold')
    .fontSize(10)
    .text('ПОЛНАЯ СТОИМОСТЬ ЗАЙМА', box.x + 8, box.y + 10, inBox);
  doc
    .font('bold')
    .fontSize(22)
    .text(`${ruNumber(t.pskPercent)} %`, box.x + 8, box.y + 28, inBox);
  doc
    .font('bold')
    .fontSize(9)
    .text('годовых', box.x + 8, box.y + 55, inBox);
  doc
    .font('bold')
    .fontSize(22)
    .text(rub(t.pskAmount), box.x + 8, box.y + 72, inBox);
  doc
    .font('regular')
    .fontSize(7)
    .text('в процентах годовых и в денежном выражении', box.x + 8, box.y + 110, inBox);

  const left = { x: PAGE.margin, w: box.x - PAGE.margin - 14 };
  doc.font('regular').fontSize(9).text(t.lender.name, left.x, PAGE.margin, { width: left.w });
  doc.fontSize(7).text(t.lender.requisites, { width: left.w });
  doc.text(t.lender.address, { width: left.w });
  doc.moveDown(0.8);
  doc
    .font('bold')
    .fontSize(13)
    .text('Индивидуальные условия договора потребительского займа', { width: left.w });
  doc
    .font('bold')
    .fontSize(11)
    .text(`№ ${t.dealNumber} от ${ruDate(t.date)}`, { width: left.w });
  doc.y = Math.max(doc.y, box.y + box.h) + 14;

  doc.font('regular').fontSize(9);
  doc.text(
    `Заимодавец: ${t.lender.name}. Заёмщик: ${t.borrower.fullName}, дата рождения ${ruDate(t.borrower.birthDate)}, паспорт ${t.borrower.passport}${
      t.borrower.passportIssueDate ? `, выдан ${ruDate(t.borrower.passportIssueDate)}` : ''
    }${t.borrower.passportIssuer ? ` ${t.borrower.passportIssuer}` : ''}${
      t.borrower.registrationAddress ? `, адрес регистрации: ${t.borrower.registrationAddress}` : ''
    }, телефон ${t.borrower.phone}.`,
    PAGE.margin,
    doc.y,
    { width: CONTENT_WIDTH, align: 'justify' },
  );
  doc.moveDown(0.6);

  const labelW = 190;
  for (const [label, value] of termsTable(t)) {
    const y = doc.y;
    const h = Math.max(
      doc
        .font('bold')
        .fontSize(8.5)
        .heightOfString(label, { width: labelW - 8 }),
      doc
        .font('regular')
        .fontSize(8.5)
        .heightOfString(value, { width: CONTENT_WIDTH - labelW - 8 }),
    );
    if (y + h + 8 > PAGE.height - PAGE.margin) {
      doc.addPage();
    }
    const top = doc.y;
    doc
      .lineWidth(0.5)
      .rect(PAGE.margin, top, CONTENT_WIDTH, h + 8)
      .stroke();
    doc
      .moveTo(PAGE.margin + labelW, top)
      .lineTo(PAGE.margin + labelW, top + h + 8)
      .stroke();
    doc
      .font('bold')
      .fontSize(8.5)
      .text(label, PAGE.margin + 4, top + 4, { width: labelW - 8 });
    doc
      .font('regular')
      .fontSize(8.5)
      .text(value, PAGE.margin + labelW + 4, top + 4, {
        width: CONTENT_WIDTH - labelW - 8,
      });
    doc.y = top + h + 8;
  }

  scheduleTable(doc, t);

  doc.moveDown(1);
  doc.font('regular').fontSize(8.5).fillColor('black');
  doc.text(
    `Заёмщик ознакомлен с общими условиями договора потребительского займа и согласен с ними. Заём ${rub(t.amount)} на ${t.termDays} дн.`,
    PAGE.margin,
    doc.y,
    { width: CONTENT_WIDTH, align: 'justify' },
  );
  doc.moveDown(1);
  doc.text(`Заимодавец: ${t.lender.name}`, { width: CONTENT_WIDTH });
  doc.text(`Заёмщик: ${t.borrower.fullName}`, { width: CONTENT_WIDTH });

  if (proof) proofBlock(doc, proof);
  doc.end();
  return done;
}

function scheduleTable(doc: PDFKit.PDFDocument, t: IndividualTerms): void {
  const cols = [
    { title: '№', w: 30 },
    { title: 'Дата платежа', w: 85 },
    { title: 'Основной долг', w: 95 },
    { title: 'Проценты', w: 90 },
    { title: 'Сумма платежа', w: 95 },
    { title: 'Остаток долга', w: CONTENT_WIDTH - 395 },
  ];
  const rowH = 16;
  const header = () => {
    if (doc.y + 2 * rowH > PAGE.height - PAGE.margin) doc.addPage();
    const top = doc.y;
    let x = PAGE.margin;
    doc.font('bold').fontSize(8);
    for (const c of cols) {
      doc.lineWidth(0.5).rect(x, top, c.w, rowH).stroke();
      doc.text(c.title, x + 3, top + 4, { width: c.w - 6, align: 'center' });
      x += c.w;
    }
    doc.y = top + rowH;
  };
  doc.moveDown(0.8);
  doc.font('bold').fontSize(10).text('График платежей', PAGE.margin, doc.y, { width: CONTENT_WIDTH });
  doc.moveDown(0.3);
  header();
  const row = (cells: string[], bold = false) => {
    if (doc.y + rowH > PAGE.height - PAGE.margin) {
      doc.addPage();
      header();
    }
    const top = doc.y;
    let x = PAGE.margin;
    doc.font(bold ? 'bold' : 'regular').fontSize(8);
    cells.forEach((cell, i) => {
      const c = cols[i]!;
      doc.lineWidth(0.5).rect(x, top, c.w, rowH).stroke();
      doc.text(cell, x + 3, top + 4, { width: c.w - 6, align: i < 2 ? 'center' : 'right' });
      x += c.w;
    });
    doc.y = top + rowH;
  };
  for (const l of t.schedule)
    row([
      String(l.n),
      ruDate(l.dueDate),
      rub(l.principal),
      rub(l.interest),
      rub(l.total),
      rub(l.principalAfter),
    ]);
  const sum = (f: (l: IndividualTerms['schedule'][number]) => Kopecks) =>
    t.schedule.reduce((s, l) => s + f(l), 0n);
  row(
    ['', 'Итого', rub(sum((l) => l.principal)), rub(sum((l) => l.interest)), rub(sum((l) => l.total)), ''],
    true,
  );
}

function proofBlock(doc: PDFKit.PDFDocument, p: SignatureProof): void {
  const lines = [
    `Телефон, на который направлен код: ${p.phone}`,
    `Дата и время подписания: ${ruDateTime(p.signedAt)}`,
    `IP-адрес: ${p.ip}`,
    `Хэш кода (SHA-256 от IDClient + IDDeal + код АСП): ${p.codeHash}`,
    `Хэш документа (SHA-256 неподписанного PDF-файла): ${p.documentHash}`,
  ];
  doc.font('regular').fontSize(8);
  const textH = lines.reduce((h, l) => h + doc.heightOfString(l, { width: CONTENT_WIDTH - 16 }) + 2, 0);
  const h = textH + 36;
  if (doc.y + h + 16 > PAGE.height - PAGE.margin) doc.addPage();
  else doc.moveDown(1);
  const top = doc.y;
  doc.lineWidth(1.5).rect(PAGE.margin, top, CONTENT_WIDTH, h).stroke();
  doc
    .font('bold')
    .fontSize(10)
    .text('Подписано простой электронной подписью (АСП)', PAGE.margin + 8, top + 8, {
      width: CONTENT_WIDTH - 16,
    });
  doc.moveDown(0.4);
  doc.font('regular').fontSize(8);
  for (const l of lines) doc.text(l, PAGE.margin + 8, doc.y + 2, { width: CONTENT_WIDTH - 16 });
  doc.y = top + h;
}
