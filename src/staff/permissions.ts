/**
 * Roles of the console's staff and what each may do. Every admin route names the permission it
 * needs and the server checks it; the console hides what the role lacks, but never relies on that.
 * A module adds its permissions here and grants them to roles in ROLE_PERMISSIONS.
 */
export const ROLES = ['admin', 'underwriter', 'collector', 'accountant', 'support'] as const;
export type Role = (typeof ROLES)[number];

export const PERMISSIONS = [
  'dashboard.read',
  'ledger.read',
  'audit.read',
  'staff.manage',
  'export.csv',
  'lending.read',
  'clients.pii',
  'lending.decide',
  'lending.issue',
  'lending.cob',
  'lending.products.write',
  'collections.work',
  'payments.register',
  'payments.reverse',
  'processing.read',
  'processing.agents.manage',
  'broker.read',
  'broker.manage',
  'broker.partners.write',
  'bnpl.read',
  'bnpl.manage',
  'wallet.read',
  'wallet.kyc',
  'messages.read',
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const ROLE_TITLES: Record<Role, { ru: string; en: string }> = {
  admin: { ru: 'Администратор', en: 'Administrator' },
  underwriter: { ru: 'Андеррайтер', en: 'Underwriter' },
  collector: { ru: 'Специалист по взысканию', en: 'Collector' },
  accountant: { ru: 'Бухгалтер', en: 'Accountant' },
  support: { ru: 'Поддержка', en: 'Support' },
};

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  admin: PERMISSIONS,
  underwriter: [
    'dashboard.read',
    'lending.read',
    'clients.pii',
    'lending.decide',
    'broker.read',
    'bnpl.read',
    'messages.read',
    'export.csv',
  ],
  collector: ['dashboard.read', 'lending.read', 'collections.work', 'payments.register', 'messages.read'],
  accountant: [
    'dashboard.read',
    'ledger.read',
    'audit.read',
    'export.csv',
    'lending.read',
    'lending.issue',
    'lending.cob',
    'payments.register',
    'payments.reverse',
    'processing.read',
    'processing.agents.manage',
    'bnpl.read',
    'wallet.read',
  ],
  support: [
    'dashboard.read',
    'lending.read',
    'processing.read',
    'broker.read',
    'bnpl.read',
    'wallet.read',
    'wallet.kyc',
    'messages.read',
  ],
};

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

export function permissionsOf(role: Role): readonly Permission[] {
  return ROLE_PERMISSIONS[role];
}

export function can(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role].includes(permission);
}
