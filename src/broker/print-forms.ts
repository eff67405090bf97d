import PDFDocument from 'pdfkit';
import { DEJAVU_BOLD as BOLD, DEJAVU_REGULAR as REGULAR } from '../platform/pdf-fonts.ts';

/**
 * Print forms generated from a lender's HTML template: `{{placeholders}}` are filled from the
 * contract and the form, and the result is laid out as a PDF in DejaVu Sans (Cyrillic). The
 * font is the platform's (`src/platform/pdf-fonts.ts`).
 * Only the structural tags a contract needs are honoured (headings, paragraphs, list items,
 * line breaks, bold); everything else is read as text.
 */
export function fillTemplate(html: string, values: Record<string, string>): string {
  return html.replace(/\{\{\s*([a-z0-9_.]+)\s*\}\}/gi, (_, key: string) => escapeHtml(values[key] ?? ''));
}

interface Block {
  kind: 'h1' | 'h2' | 'p' | 'li';
  text: string;
}

function decodeEntities(text: string): string {
  return text
    .replace(/&nbsp;/g, '\u00a0')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
    .replace(/&amp;/g, '&');
}

export function htmlBlocks(html: string): Block[] {
  const body = html.replace(/<(script|style|head)[\s\S]*?<\/\1>/gi, '').replace(/<br\s*\/?>/gi, '\n');
  const blocks: Block[] = [];
  const re = /<(h1|h2|h3|p|li|div|td)[^>]*>([\s\S]*?)<\/\1>/gi;
  for (let m = re.exec(body); m; m = re.exec(body)) {
    const tag = m[1]!.toLowerCase();
    const text = decodeEntities(m[2]!.replace(/<[^>]+>/g, ''))
      .replace(/[ \t]+/g, ' ')
      .trim();
    if (!text) continue;
    blocks.push({
      kind: tag === 'h1' ? 'h1' : tag === 'h2' || tag === 'h3' ? 'h2' : tag === 'li' ? 'li' : 'p',
      text,
    });
  }
  if (blocks.length === 0) {
    const text = decodeEntities(body.replace(/<[^>]+>/g, ' '))
      .replace(/\s+/g, ' ')
      .trim();
    if (text) blocks.push({ kind: 'p', text });
  }
  return blocks;
}

/** Renders a filled HTML template to PDF bytes. */
export async function renderPdf(html: string, title: string): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: 56, info: { Title: title, Producer: 'Kopek' } });
  doc.registerFont('regular', REGULAR);
  doc.registerFont('bold', BOLD);
  const chunks: Buffer[] = [];
  doc.on('data', (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  for (const block of htmlBlocks(html)) {
    if (block.kind === 'h1')
      doc.font('bold').fontSize(16).text(block.text, { align: 'center' }).moveDown(0.6);
    else if (block.kind === 'h2') doc.font('bold').fontSize(12).text(block.text).moveDown(0.3);
    else if (block.kind === 'li')
      doc.font('regular').fontSize(10).text(`•  ${block.text}`, { indent: 12 }).moveDown(0.2);
    else doc.font('regular').fontSize(10).text(block.text, { align: 'justify' }).moveDown(0.4);
  }
  doc.end();
  return done;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
