import { sniffMime } from '../broker/mime.ts';
import type { AppContext } from '../platform/context.ts';
import { sha256Hex } from '../platform/crypto.ts';
import { withTx } from '../platform/db/tx.ts';
import { bnplError } from './errors.ts';
import type { Merchant } from './merchants.ts';
import { sessionByOrder } from './sessions.ts';

export const MAX_RECEIPT_BYTES = 8 * 1024 * 1024;

export interface UploadedFile {
  name: string;
  content: Buffer;
}

/**
 * The document's receipt formats, told by content: PDF (`%PDF-`, shared with the broker's
 * sniffer), DOC (an OLE compound file) and DOCX (a ZIP holding `word/` parts).
 */
export function receiptType(content: Buffer): string | undefined {
  if (sniffMime(content) === 'application/pdf') return 'application/pdf';
  if (content.subarray(0, 8).equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1])))
    return 'application/msword';
  if (content.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04])) && content.includes('word/'))
    return 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
  return undefined;
}

function checkFile(field: string, f: UploadedFile): string {
  if (f.content.length === 0) throw bnplError('validation', 'file_empty', `${field}: пустой файл`);
  if (f.content.length > MAX_RECEIPT_BYTES)
    throw bnplError('validation', 'file_too_large', `${field}: файл «${f.name}» больше 8 МБ`);
  const type = receiptType(f.content);
  if (!type)
    throw bnplError(
      'validation',
      'file_type',
      `${field}: файл «${f.name}» должен быть pdf, doc или docx (проверено по содержимому)`,
    );
  return type;
}

/**
 * `payments/product`: the tickets actually issued, each with its receipt, and the optional
 * transaction letter, stored with the session (all or nothing).
 */
export async function saveTickets(
  ctx: AppContext,
  merchant: Merchant,
  input: {
    orderId: string;
    productType: string;
    items: { ticketNumber: string; receipt: UploadedFile | undefined }[];
    letter?: UploadedFile | undefined;
  },
): Promise<{ saved: number }> {
  if (input.items.length === 0)
    throw bnplError('validation', 'items', 'product[product_items]: нужен хотя бы один билет');
  const checked = input.items.map((item, i) => {
    const field = `product[product_items][${i}]`;
    if (!item.ticketNumber.trim())
      throw bnplError('validation', 'ticket_number', `${field}[ticket_number]: обязательное поле`);
    if (!item.receipt)
      throw bnplError(
        'validation',
        'ticket_receipt',
        `${field}[ticket_receipt]: нужен файл маршрутной квитанции`,
      );
    return { ...item, receipt: item.receipt, type: checkFile(`${field}[ticket_receipt]`, item.receipt) };
  });
  const letterType = input.letter ? checkFile('transaction_letter', input.letter) : undefined;
  const session = await sessionByOrder(ctx.pool, merchant.id, input.orderId);
  return withTx(ctx.pool, async (tx) => {
    for (const item of checked)
      await tx.query(
        `INSERT INTO bnpl.files (session_id, kind, ticket_number, product_type, name, mime_type, size, sha256, content)
         VALUES ($1, 'ticket_receipt', $2, $3, $4, $5, $6, $7, $8)`,
        [
          session.id,
          item.ticketNumber.trim(),
          input.productType,
          item.receipt.name,
          item.type,
          item.receipt.content.length,
          sha256Hex(item.receipt.content),
          item.receipt.content,
        ],
      );
    if (input.letter && letterType)
      await tx.query(
        `INSERT INTO bnpl.files (session_id, kind, name, mime_type, size, sha256, content)
         VALUES ($1, 'transaction_letter', $2, $3, $4, $5, $6)`,
        [
          session.id,
          input.letter.name,
          letterType,
          input.letter.content.length,
          sha256Hex(input.letter.content),
          input.letter.content,
        ],
      );
    return { saved: checked.length + (input.letter ? 1 : 0) };
  });
}
