/**
 * A fast path for the common OSMP answer: `<response>` holding only text elements (result,
 * comment, prv_txn …) and optionally `<fields><field name="…">…</field></fields>`. Reading it
 * with indexOf costs a few microseconds where fast-xml-parser costs tens; on a check (no database
 * work) that was about a fifth of Kopek's CPU. Anything else — attributes elsewhere, nested
 * elements (contracts, invoices), comments, CDATA, a DOCTYPE, an entity other than the five of
 * XML, a repeated element — returns undefined and the caller uses fast-xml-parser. When it answers,
 * it answers exactly what fast-xml-parser would with the adapter's options (property test in
 * osmp-reader.test.ts).
 */
export function readSimpleOsmp(body: string): { response: Record<string, unknown> } | undefined {
  const n = body.length;
  let i = skipWs(body, 0);
  if (body.startsWith('<?xml', i)) {
    const end = body.indexOf('?>', i);
    if (end < 0) return undefined;
    i = skipWs(body, end + 2);
  }
  if (!body.startsWith('<response>', i)) return undefined;
  i += 10;
  const response: Record<string, unknown> = {};
  for (;;) {
    i = skipWs(body, i);
    if (body.charCodeAt(i) !== LT) return undefined;
    if (body.startsWith('</response>', i)) return skipWs(body, i + 11) === n ? { response } : undefined;
    const close = body.indexOf('>', i);
    if (close < 0) return undefined;
    let tag = body.slice(i + 1, close);
    const empty = tag.endsWith('/');
    if (empty) tag = tag.slice(0, -1);
    if (!NAME.test(tag) || tag === '__proto__' || Object.hasOwn(response, tag)) return undefined;
    i = close + 1;
    if (empty) {
      response[tag] = '';
      continue;
    }
    if (tag === 'fields') {
      const read = readFields(body, i);
      if (!read) return undefined;
      response.fields = read.fields.length ? { field: read.fields } : '';
      i = read.end;
      continue;
    }
    const end = body.indexOf('<', i);
    if (end < 0 || !body.startsWith(`</${tag}>`, end)) return undefined;
    const value = decode(body.slice(i, end).trim());
    if (value === undefined) return undefined;
    response[tag] = value;
    i = end + tag.length + 3;
  }
}

const LT = 60;
const NAME = /^[A-Za-z_][\w.-]*$/;
const FIELD_OPEN = /^<field name=(?:"([^"<&]*)"|'([^'<&]*)')\s*(\/?)>/;
const ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function skipWs(s: string, i: number): number {
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 10 && c !== 13 && c !== 9) break;
    i++;
  }
  return i;
}

function decode(text: string): string | undefined {
  if (!text.includes('&')) return text;
  let known = true;
  const out = text.replace(/&([a-z]*);?/g, (m: string, name: string) => {
    const v = m.endsWith(';') ? ENTITIES[name] : undefined;
    if (v === undefined) known = false;
    return v ?? m;
  });
  return known ? out : undefined;
}

function readFields(
  body: string,
  start: number,
): { fields: Record<string, string>[]; end: number } | undefined {
  const fields: Record<string, string>[] = [];
  let i = start;
  for (;;) {
    i = skipWs(body, i);
    if (body.startsWith('</fields>', i)) return { fields, end: i + 9 };
    const open = FIELD_OPEN.exec(body.slice(i, i + 300));
    if (!open) return undefined;
    const name = open[1] ?? open[2]!;
    if (name !== name.trim()) return undefined;
    i += open[0].length;
    if (open[3]) {
      fields.push({ '@name': name });
      continue;
    }
    const end = body.indexOf('<', i);
    if (end < 0 || !body.startsWith('</field>', end)) return undefined;
    const value = decode(body.slice(i, end).trim());
    if (value === undefined) return undefined;
    fields.push(value === '' ? { '@name': name } : { '#text': value, '@name': name });
    i = end + 8;
  }
}
