import type { ReactNode } from 'react';
import type { MessageKey } from './i18n.tsx';
import { AccountCardPage } from './pages/AccountCardPage.tsx';
import { AccountsPage } from './pages/AccountsPage.tsx';
import { AuditPage } from './pages/AuditPage.tsx';
import { DashboardPage } from './pages/DashboardPage.tsx';
import { StaffPage } from './pages/StaffPage.tsx';
import { StaffUserPage } from './pages/StaffUserPage.tsx';

/**
 * The console's screens. A module adds its screens here: a route, the permission it needs (the
 * server checks it again), and — for a menu entry — a label. The menu shows a role only what it
 * may open; a deep link to a screen the role lacks shows "access denied".
 */
export interface Screen {
  path: string;
  permission: string;
  element: ReactNode;
  /** Shown in the menu when set. */
  nav?: MessageKey;
}

export const SCREENS: Screen[] = [
  { path: '/', permission: 'dashboard.read', element: <DashboardPage />, nav: 'nav.dashboard' },
  { path: '/ledger/accounts', permission: 'ledger.read', element: <AccountsPage />, nav: 'nav.ledger' },
  { path: '/ledger/accounts/:id', permission: 'ledger.read', element: <AccountCardPage /> },
  { path: '/audit', permission: 'audit.read', element: <AuditPage />, nav: 'nav.audit' },
  { path: '/staff', permission: 'staff.manage', element: <StaffPage />, nav: 'nav.staff' },
  { path: '/staff/:id', permission: 'staff.manage', element: <StaffUserPage /> },
];
