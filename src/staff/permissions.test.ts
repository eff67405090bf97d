import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { can, isRole, PERMISSIONS, ROLE_PERMISSIONS, ROLES } from './permissions.ts';

describe('staff permission matrix', () => {
  it('grants only known permissions, each at most once', () => {
    for (const role of ROLES) {
      const granted = ROLE_PERMISSIONS[role];
      assert.equal(new Set(granted).size, granted.length, role);
      for (const p of granted) assert.ok((PERMISSIONS as readonly string[]).includes(p), `${role}: ${p}`);
    }
  });

  it('gives an admin everything and keeps staff management and audit with the roles that need them', () => {
    for (const p of PERMISSIONS) assert.ok(can('admin', p), p);
    const holders = (p: (typeof PERMISSIONS)[number]) => ROLES.filter((r) => can(r, p));
    assert.deepEqual(holders('staff.manage'), ['admin']);
    assert.deepEqual(holders('audit.read'), ['admin', 'accountant']);
    assert.deepEqual(holders('lending.decide'), ['admin', 'underwriter']);
    assert.deepEqual(holders('payments.reverse'), ['admin', 'accountant']);
    assert.ok(!can('support', 'ledger.read'));
    assert.ok(
      ROLES.every((r) => can(r, 'dashboard.read')),
      'everyone sees the dashboard',
    );
  });

  it('recognises role names exactly', () => {
    assert.ok(isRole('support'));
    assert.ok(!isRole('Support'));
    assert.ok(!isRole('root'));
  });
});
