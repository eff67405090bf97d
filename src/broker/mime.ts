/**
 * What a file really is, from its first bytes. Scans arrive as base64 with a declared MIME type;
 * a declared type that the content contradicts is refused, so a lender never receives an
 * executable labelled image/jpeg. A handful of signatures covers every format scanners produce,
 * which is why this is a table and not a dependency.
 */
const SIGNATURES: ReadonlyArray<{ mime: string; test: (b: Buffer) => boolean }> = [
  { mime: 'image/jpeg', test: (b) => b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff },
  {
    mime: 'image/png',
    test: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  },
  { mime: 'application/pdf', test: (b) => b.subarray(0, 5).toString('latin1') === '%PDF-' },
  { mime: 'image/gif', test: (b) => /^GIF8[79]a$/.test(b.subarray(0, 6).toString('latin1')) },
  {
    mime: 'image/tiff',
    test: (b) => ['II*\u0000', 'MM\u0000*'].includes(b.subarray(0, 4).toString('latin1')),
  },
  {
    mime: 'image/webp',
    test: (b) =>
      b.subarray(0, 4).toString('latin1') === 'RIFF' && b.subarray(8, 12).toString('latin1') === 'WEBP',
  },
  {
    mime: 'image/heic',
    test: (b) =>
      b.subarray(4, 8).toString('latin1') === 'ftyp' &&
      /^(heic|heix|mif1|msf1)$/.test(b.subarray(8, 12).toString('latin1')),
  },
];

export const ACCEPTED_SCAN_MIME = SIGNATURES.map((s) => s.mime);

/** Aliases partners send for the same formats. */
const ALIASES: Record<string, string> = { 'image/jpg': 'image/jpeg', 'image/pjpeg': 'image/jpeg' };

export function normaliseMime(declared: string): string {
  const base = declared.split(';')[0]!.trim().toLowerCase();
  return ALIASES[base] ?? base;
}

/** The sniffed MIME type of `content`, or undefined for a format not accepted as a scan. */
export function sniffMime(content: Buffer): string | undefined {
  return SIGNATURES.find((s) => s.test(content))?.mime;
}

/** Largest scan accepted, decoded. The HTTP body limit (10 MB) bounds a whole request too. */
export const MAX_SCAN_BYTES = 5 * 1024 * 1024;

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export type DecodedScan = { type: string; mimeType: string; content: Buffer };

/** Decodes and checks one Scan object; returns the reasons it is refused, per field. */
export function decodeScanContent(
  mimeType: string,
  base64: string,
): { content: Buffer; mimeType: string } | { field: 'base64' | 'mime_type'; reason: string } {
  // Data-URL prefixes and line breaks are common in what scanners' SDKs emit.
  const text = base64.replace(/^data:[^,]*,/, '').replace(/\s+/g, '');
  if (text.length === 0 || text.length % 4 === 1 || !BASE64.test(text.replace(/-/g, '+').replace(/_/g, '/')))
    return { field: 'base64', reason: 'содержимое не является корректным Base64' };
  const content = Buffer.from(text, 'base64');
  if (content.length > MAX_SCAN_BYTES)
    return { field: 'base64', reason: `скан больше ${MAX_SCAN_BYTES / 1024 / 1024} МБ` };
  const declared = normaliseMime(mimeType);
  if (!ACCEPTED_SCAN_MIME.includes(declared))
    return { field: 'mime_type', reason: `допустимые типы: ${ACCEPTED_SCAN_MIME.join(', ')}` };
  const actual = sniffMime(content);
  if (actual !== declared)
    return {
      field: 'mime_type',
      reason: actual
        ? `указан ${declared}, а содержимое — ${actual}`
        : `содержимое не является файлом ${declared}`,
    };
  return { content, mimeType: declared };
}
