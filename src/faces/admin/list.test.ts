import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { csvCell } from './list.ts';

describe('csvCell', () => {
  it('quotes separators, quotes and line breaks', () => {
    assert.equal(csvCell('plain'), 'plain');
    assert.equal(csvCell('a;b'), '"a;b"');
    assert.equal(csvCell('say "hi"'), '"say ""hi"""');
    assert.equal(csvCell('two\nlines'), '"two\nlines"');
    assert.equal(csvCell(null), '');
    assert.equal(csvCell(12345678901234567890n), '12345678901234567890');
  });

  it('defuses spreadsheet formulas but keeps negative amounts', () => {
    assert.equal(csvCell('=HYPERLINK("x")'), `"'=HYPERLINK(""x"")"`);
    assert.equal(csvCell('+7 999'), "'+7 999");
    assert.equal(csvCell('@SUM(A1)'), "'@SUM(A1)");
    assert.equal(csvCell('-cmd'), "'-cmd");
    assert.equal(csvCell('-1500.00'), '-1500.00');
  });
});
