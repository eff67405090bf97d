import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { XMLBuilder } from 'fast-xml-parser';
import { osmpXmlParser, parseOsmpResponse } from './osmp.ts';
import { readSimpleOsmp } from './osmp-reader.ts';

const builder = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@', format: false });
const formatted = new XMLBuilder({ ignoreAttributes: false, attributeNamePrefix: '@', format: true });

function slow(body: string): unknown {
  const doc = osmpXmlParser.parse(body) as Record<string, unknown>;
  delete doc['?xml'];
  return doc;
}

const text = fc.stringMatching(/^[a-zA-Zа-яА-Я0-9 .,:;!?"'<>&/()-]{0,30}$/);
const answer = fc.record(
  {
    osmp_txn_id: fc.bigInt({ min: 0n, max: 10n ** 18n }).map(String),
    prv_txn: fc.integer({ min: 0 }).map(String),
    sum: fc.constantFrom('0.01', '200.00', '', '1 000.00'),
    result: fc.oneof(fc.integer({ min: 0, max: 999 }).map(String), text),
    comment: text,
    fields: fc.array(fc.record({ name: fc.stringMatching(/^[a-zA-Z][a-zA-Z0-9_]{0,10}$/), value: text }), {
      maxLength: 5,
    }),
  },
  { requiredKeys: ['result'] },
);

function build(a: object, pretty: boolean): string {
  const { fields, ...simple } = a as { fields?: { name: string; value: string }[] } & Record<string, string>;
  const response: Record<string, unknown> = { ...simple };
  if (fields?.length) response.fields = { field: fields.map((f) => ({ '@name': f.name, '#text': f.value })) };
  const xml = (pretty ? formatted : builder).build({ response }) as string;
  return `<?xml version="1.0" encoding="UTF-8"?>\n${xml}`;
}

describe('OSMP fast reader', () => {
  it('reads what fast-xml-parser reads, for every flat answer with displays', () => {
    fc.assert(
      fc.property(answer, fc.boolean(), (a, pretty) => {
        const body = build(a, pretty);
        const fast = readSimpleOsmp(body);
        assert.ok(fast, `the fast path takes ${body}`);
        assert.deepEqual(fast, slow(body));
      }),
      { numRuns: 500 },
    );
  });

  it('gives way to fast-xml-parser for anything else, and both agree on the answer', () => {
    const others = [
      '<response><result>0</result><contracts><contract><contractId>1</contractId></contract></contracts></response>',
      '<response><result a="1">0</result></response>',
      '<response><!-- c --><result>0</result></response>',
      '<response><result><![CDATA[0]]></result></response>',
      '<response><result>0</result><result>1</result></response>',
      '<response><result>0</result><comment>&#1080;</comment></response>',
      '<response><result>0</result></response><extra/>',
      '<html>502 Bad Gateway</html>',
      'not xml at all <<<',
    ];
    for (const body of others) {
      assert.equal(readSimpleOsmp(body), undefined, body);
      assert.doesNotThrow(() => parseOsmpResponse(body));
    }
    assert.deepEqual(
      parseOsmpResponse(
        '<response><result>0</result><contracts><contract><contractId>7</contractId></contract></contracts></response>',
      ).contracts,
      [{ contractId: '7' }],
    );
  });

  it('reads entities, empty elements and displays as the general reader does', () => {
    const body =
      '<?xml version="1.0"?>\n<response>\n  <result> 0 </result>\n  <comment>a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos;</comment>\n  <prv_txn/>\n  <sum></sum>\n  <fields><field name="fio">Иванов</field><field name=\'x\'></field><field name="y"/></fields>\n</response>\n';
    assert.deepEqual(readSimpleOsmp(body), slow(body));
    assert.deepEqual(parseOsmpResponse(body), {
      result: 0,
      comment: 'a & b <c> "d" \'e\'',
      displays: { fio: 'Иванов', x: '', y: '' },
    });
  });
});
