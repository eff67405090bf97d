import type { DemoSeeder } from '../demo/seed.ts';
import type { Actor } from '../platform/audit.ts';
import { addCredential, type CredentialInput } from './credentials.ts';
import { seedCabinetDemo } from './demo-clients.ts';

const SEEDER: Actor = { type: 'system', id: 'demo' };

/** IDPayService of the demo `Payment/Site/<IDPayService>/` service (the site's own acquiring). */
export const DEMO_SITE_PAY_SERVICE = 'site-pay';

/** The demo credentials of the face: `<login>` / `<login>-password`. */
export const DEMO_CREDENTIALS: CredentialInput[] = [
  { login: 'site', password: 'site-password', kind: 'site' },
  { login: 'qiwi', password: 'qiwi-password', kind: 'payment', paymentService: 'QIWI' },
  { login: 'zk', password: 'zk-password', kind: 'payment', paymentService: 'ZK' },
  { login: 'mkb', password: 'mkb-password', kind: 'payment', paymentService: 'MKB' },
  { login: 'elecsnet', password: 'elecsnet-password', kind: 'payment', paymentService: 'Elecsnet' },
  {
    login: 'site-pay',
    password: 'site-pay-password',
    kind: 'payment',
    paymentService: DEMO_SITE_PAY_SERVICE,
  },
];

/** The site and payment-service credentials, and the cabinet clients of the document's examples. */
export const mymfoSeeder: DemoSeeder = {
  name: 'mymfo: site and payment-service credentials, cabinet clients',
  async seed(tx, ctx) {
    const { rows } = await tx.query<{ login: string }>(`SELECT login FROM mymfo.credentials`);
    const present = new Set(rows.map((r) => r.login));
    for (const credential of DEMO_CREDENTIALS)
      if (!present.has(credential.login)) await addCredential(tx, credential, SEEDER);
    await seedCabinetDemo(tx, ctx);
  },
};
