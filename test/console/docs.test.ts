import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { PERMISSIONS, ROLE_PERMISSIONS, ROLES } from '../../src/staff/permissions.ts';
import { ROOT } from '../helpers/processes.ts';

describe('docs/console.md', () => {
  it('shows the permission matrix exactly as the code grants it', () => {
    const doc = readFileSync(path.join(ROOT, 'docs/console.md'), 'utf8');
    const rows = new Map<string, string[]>();
    for (const line of doc.split('\n')) {
      const m = /^\| `([a-z.]+)` \|(.*)\|$/.exec(line);
      if (m && (PERMISSIONS as readonly string[]).includes(m[1]!))
        rows.set(
          m[1]!,
          m[2]!.split('|').map((c) => c.trim()),
        );
    }
    assert.deepEqual([...rows.keys()].sort(), [...PERMISSIONS].sort());
    for (const [permission, cells] of rows) {
      for (const [i, role] of ROLES.entries()) {
        assert.equal(
          cells[i] === '✓',
          (ROLE_PERMISSIONS[role] as readonly string[]).includes(permission),
          `${permission} / ${role}`,
        );
      }
    }
  });
});
