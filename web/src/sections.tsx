import type { ReactNode } from 'react';
import type { MessageKey } from './i18n.tsx';
import { AccountCardPage } from './pages/AccountCardPage.tsx';
import { AccountsPage } from './pages/AccountsPage.tsx';
import { AuditPage } from './pages/AuditPage.tsx';
import { DashboardPage } from './pages/DashboardPage.tsx';
import { AgentCardPage } from './pages/modules/AgentCardPage.tsx';
import { AgentsPage } from './pages/modules/AgentsPage.tsx';
import { BnplMerchantsPage } from './pages/modules/BnplMerchantsPage.tsx';
import { BnplSessionPage } from './pages/modules/BnplSessionPage.tsx';
import { BnplSessionsPage } from './pages/modules/BnplSessionsPage.tsx';
import { BrokerFormPage } from './pages/modules/BrokerFormPage.tsx';
import { BrokerFormsPage } from './pages/modules/BrokerFormsPage.tsx';
import { CallbacksPage } from './pages/modules/CallbacksPage.tsx';
import { ClientCardPage } from './pages/modules/ClientCardPage.tsx';
import { DealCardPage } from './pages/modules/DealCardPage.tsx';
import { DealsPage } from './pages/modules/DealsPage.tsx';
import { PartnerCardPage } from './pages/modules/PartnerCardPage.tsx';
import { PartnersPage } from './pages/modules/PartnersPage.tsx';
import { ProcessingPaymentCardPage } from './pages/modules/ProcessingPaymentCardPage.tsx';
import { ProcessingPaymentsPage } from './pages/modules/ProcessingPaymentsPage.tsx';
import { ProductsPage } from './pages/modules/ProductsPage.tsx';
import { RegistriesPage } from './pages/modules/RegistriesPage.tsx';
import { ServicesPage } from './pages/modules/ServicesPage.tsx';
import { SmsPage } from './pages/modules/SmsPage.tsx';
import { WalletCardPage } from './pages/modules/WalletCardPage.tsx';
import { WalletPaymentsPage } from './pages/modules/WalletPaymentsPage.tsx';
import { WalletsPage } from './pages/modules/WalletsPage.tsx';
import { WebhooksPage } from './pages/modules/WebhooksPage.tsx';
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
  { path: '/lending/deals', permission: 'lending.read', element: <DealsPage />, nav: 'nav.deals' },
  { path: '/lending/deals/:number', permission: 'lending.read', element: <DealCardPage /> },
  { path: '/lending/clients/:id', permission: 'lending.read', element: <ClientCardPage /> },
  { path: '/lending/products', permission: 'lending.read', element: <ProductsPage />, nav: 'nav.products' },
  { path: '/processing/agents', permission: 'processing.read', element: <AgentsPage />, nav: 'nav.agents' },
  { path: '/processing/agents/:id', permission: 'processing.read', element: <AgentCardPage /> },
  {
    path: '/processing/payments',
    permission: 'processing.read',
    element: <ProcessingPaymentsPage />,
    nav: 'nav.processingPayments',
  },
  { path: '/processing/payments/:id', permission: 'processing.read', element: <ProcessingPaymentCardPage /> },
  {
    path: '/processing/services',
    permission: 'processing.read',
    element: <ServicesPage />,
    nav: 'nav.services',
  },
  { path: '/broker/forms', permission: 'broker.read', element: <BrokerFormsPage />, nav: 'nav.brokerForms' },
  { path: '/broker/forms/:id', permission: 'broker.read', element: <BrokerFormPage /> },
  { path: '/broker/partners', permission: 'broker.read', element: <PartnersPage />, nav: 'nav.partners' },
  { path: '/broker/partners/:id', permission: 'broker.read', element: <PartnerCardPage /> },
  {
    path: '/broker/registries',
    permission: 'broker.read',
    element: <RegistriesPage />,
    nav: 'nav.registries',
  },
  { path: '/wallet/wallets', permission: 'wallet.read', element: <WalletsPage />, nav: 'nav.wallets' },
  { path: '/wallet/wallets/:id', permission: 'wallet.read', element: <WalletCardPage /> },
  {
    path: '/wallet/payments',
    permission: 'wallet.read',
    element: <WalletPaymentsPage />,
    nav: 'nav.walletPayments',
  },
  { path: '/bnpl/sessions', permission: 'bnpl.read', element: <BnplSessionsPage />, nav: 'nav.bnpl' },
  { path: '/bnpl/sessions/:id', permission: 'bnpl.read', element: <BnplSessionPage /> },
  {
    path: '/bnpl/merchants',
    permission: 'bnpl.read',
    element: <BnplMerchantsPage />,
    nav: 'nav.bnplMerchants',
  },
  { path: '/messages/sms', permission: 'messages.read', element: <SmsPage />, nav: 'nav.messages' },
  {
    path: '/messages/callbacks',
    permission: 'messages.read',
    element: <CallbacksPage />,
    nav: 'nav.callbacks',
  },
  { path: '/messages/webhooks', permission: 'messages.read', element: <WebhooksPage />, nav: 'nav.webhooks' },
  { path: '/ledger/accounts', permission: 'ledger.read', element: <AccountsPage />, nav: 'nav.ledger' },
  { path: '/ledger/accounts/:id', permission: 'ledger.read', element: <AccountCardPage /> },
  { path: '/audit', permission: 'audit.read', element: <AuditPage />, nav: 'nav.audit' },
  { path: '/staff', permission: 'staff.manage', element: <StaffPage />, nav: 'nav.staff' },
  { path: '/staff/:id', permission: 'staff.manage', element: <StaffUserPage /> },
];
