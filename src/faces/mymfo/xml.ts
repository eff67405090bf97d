import { XMLBuilder } from 'fast-xml-parser';

const builder = new XMLBuilder({ format: true, indentBy: '\t', suppressEmptyNode: false });

/**
 * `<?xml …?><response>…</response>` with the elements in the given order; values are escaped
 * and every element is closed by its own name (the document's `</dateissuecode>` is a typo).
 */
export function xmlResponse(
  fields: Record<string, string | number | boolean | bigint | null | undefined>,
): string {
  const body: Record<string, string> = {};
  for (const [name, value] of Object.entries(fields))
    body[name] = value === null || value === undefined ? '' : String(value);
  return `<?xml version="1.0" encoding="UTF-8"?>\n${builder.build({ response: body }) as string}`;
}
