import type { AppContext } from '../../platform/context.ts';
import type { FaceApp } from '../../platform/http/face.ts';
import { auditRoutes } from './audit-routes.ts';
import { authRoutes } from './auth-routes.ts';
import { bnplRoutes } from './bnpl-routes.ts';
import { brokerRoutes } from './broker-routes.ts';
import { dashboardRoutes } from './dashboard-routes.ts';
import { ledgerRoutes } from './ledger-routes.ts';
import { lendingOpsRoutes } from './lending-ops-routes.ts';
import { lendingRoutes } from './lending-routes.ts';
import { messagesRoutes } from './messages-routes.ts';
import { processingLogRoutes } from './processing-log-routes.ts';
import { processingRoutes } from './processing-routes.ts';
import { staffRoutes } from './staff-routes.ts';
import { walletRoutes } from './wallet-routes.ts';

/**
 * The parts of the admin API, one per module. A module adds its console routes as a section
 * (its own file here: `lending-routes.ts` …), each route naming its permission with `needs()`
 * and its lists defined with `registerList()`.
 */
export const ADMIN_SECTIONS: Array<(app: FaceApp, ctx: AppContext) => void> = [
  authRoutes,
  dashboardRoutes,
  ledgerRoutes,
  auditRoutes,
  staffRoutes,
  lendingRoutes,
  lendingOpsRoutes,
  processingRoutes,
  processingLogRoutes,
  brokerRoutes,
  messagesRoutes,
  walletRoutes,
  bnplRoutes,
];
