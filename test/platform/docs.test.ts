import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { CONFIG_VARIABLES } from '../../src/platform/config.ts';
import { ROOT } from '../helpers/processes.ts';

describe('README', () => {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  it('documents every configuration variable the code reads', () => {
    for (const v of CONFIG_VARIABLES) assert.match(readme, new RegExp(`\\| \`${v.name}\` \\|`), v.name);
  });
  it('keeps the quick start', () => {
    assert.match(readme, /npm install && npm start/);
    assert.match(readme, /npm test/);
  });
});
