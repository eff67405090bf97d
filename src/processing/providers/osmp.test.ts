import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseOsmpResponse } from './osmp.ts';

describe('OSMP response', () => {
  it('reads result, prv_txn and the displays extension', () => {
    const a = parseOsmpResponse(
      `<?xml version="1.0" encoding="UTF-8"?><response><osmp_txn_id>10</osmp_txn_id><prv_txn>77</prv_txn>
       <sum>200.00</sum><result>0</result><comment>OK</comment>
       <fields><field name="fio">Иванов И.</field><field name="info">Долг 10.00</field></fields></response>`,
    );
    assert.deepEqual(a, {
      result: 0,
      comment: 'OK',
      providerTxnId: '77',
      displays: { fio: 'Иванов И.', info: 'Долг 10.00' },
    });
  });
  it('maps OSMP codes to the agent protocol and treats unreadable answers as non-final', () => {
    const code = (xml: string) => parseOsmpResponse(xml).result;
    assert.equal(code('<response><result>5</result></response>'), 5);
    assert.equal(code('<response><result>90</result></response>'), 1);
    assert.equal(code('<response><result>79</result></response>'), 7);
    assert.equal(code('<response><result>999</result></response>'), 300);
    assert.equal(code('<html>502 Bad Gateway</html>'), 1);
    assert.equal(code('<response><comment>no result</comment></response>'), 1);
    assert.equal(code('not xml at all <<<'), 1);
  });
  it('reads one contract as a list', () => {
    const a = parseOsmpResponse(
      '<response><result>0</result><contracts><contract><contractId>000000587</contractId><name>Петров</name></contract></contracts></response>',
    );
    assert.deepEqual(a.contracts, [{ contractId: '000000587', name: 'Петров' }]);
  });
});
