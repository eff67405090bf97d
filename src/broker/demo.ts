import type { DemoSeeder } from '../demo/seed.ts';
import type { AppContext } from '../platform/context.ts';
import { type SimulatorConfig, startLenderSimulator } from './lender-simulator/simulator.ts';
import { setRoute, upsertLender, upsertPartner, upsertPoint } from './partners.ts';

/**
 * The demo broker: partner `demo-partner` (token `demo-partner-token`) with an online POS point
 * `demo-point`, an offline one and a BNPL one; two simulated banks (started by `kopek serve` in
 * development on free ports, or standalone on their fixed ports with
 * `kopek broker simulate`) and Kopek's own MFO (the lending engine, in-process) as a third lender,
 * for POS and BNPL forms.
 */
export const DEMO_BANKS: { port: number; name: string; config: SimulatorConfig }[] = [
  {
    port: 18501,
    name: 'Демо-банк «Альфа»',
    config: {
      code: 'demo-bank-a',
      secret: 'demo-bank-a-secret',
      delayMs: [300, 1200],
      printForms: 'pdf',
      requiredScans: ['PASSPORT_MAIN', 'PASSPORT_REGISTRATION', 'CLIENT_PHOTO'],
      declineAbove: 30_000_000n,
      products: [
        {
          code: 'pos12',
          name: 'Альфа: рассрочка 12 мес.',
          kind: 'pos',
          payments: 12,
          rate: '0',
          ratePerPeriodBp: 0,
        },
        {
          code: 'pos24',
          name: 'Альфа: кредит 24 мес.',
          kind: 'pos',
          payments: 24,
          rate: '19.9',
          ratePerPeriodBp: 166,
        },
      ],
    },
  },
  {
    port: 18502,
    name: 'Демо-банк «Бета»',
    config: {
      code: 'demo-bank-b',
      secret: 'demo-bank-b-secret',
      delayMs: [500, 2000],
      printForms: 'template',
      counterOfferAbove: 10_000_000n,
      autoPayMs: 30_000,
      products: [
        {
          code: 'pos10',
          name: 'Бета: кредит 10 мес.',
          kind: 'pos',
          payments: 10,
          rate: '24.5',
          ratePerPeriodBp: 204,
        },
        {
          code: 'bnpl4',
          name: 'Бета: сплит 4 платежа',
          kind: 'bnpl',
          payments: 4,
          rate: '0',
          ratePerPeriodBp: 0,
        },
      ],
    },
  },
];

export const brokerDemoSeeder: DemoSeeder = {
  name: 'broker: demo partner, points, lenders and routes',
  async seed(tx, ctx) {
    const partnerId = await upsertPartner(tx, {
      guid: 'demo-partner',
      name: 'Демо-ритейлер',
      token: 'demo-partner-token',
      offerDeadlineMs: 15_000,
    });
    const operators = [{ code: 'demo-operator', name: 'Иванова Мария Петровна' }];
    await upsertPoint(tx, {
      partnerId,
      code: 'demo-point',
      name: 'Демо-магазин (онлайн)',
      kind: 'pos_online',
      users: operators,
    });
    await upsertPoint(tx, {
      partnerId,
      code: 'demo-point-offline',
      name: 'Демо-магазин на Тверской',
      kind: 'pos_offline',
      users: operators,
    });
    await upsertPoint(tx, { partnerId, code: 'demo-point-bnpl', name: 'Демо-магазин: сплит', kind: 'bnpl' });
    for (const bank of DEMO_BANKS) {
      const lenderId = await upsertLender(tx, ctx.cipher, {
        code: bank.config.code,
        name: bank.name,
        adapter: 'http',
        baseUrl: `http://127.0.0.1:${bank.port}`,
        secret: bank.config.secret,
        timeoutMs: 10_000,
      });
      for (const kind of ['pos', 'bnpl'] as const)
        if (bank.config.products.some((p) => p.kind === kind))
          await setRoute(tx, {
            partnerId,
            kind,
            lenderId,
            mapping: bank.config.code === 'demo-bank-a' ? { phoneFormat: 'plus7', omit: ['codeword'] } : {},
          });
    }
    const mfo = await upsertLender(tx, ctx.cipher, {
      code: 'kopek-mfo',
      name: 'Копек МФО (собственный)',
      adapter: 'inhouse',
    });
    // BNPL too: the first part is paid on Moneywall's frame (docs/broker.md, in-house lender).
    for (const kind of ['pos', 'bnpl'] as const)
      await setRoute(tx, { partnerId, kind, lenderId: mfo, enabled: true });
  },
};

/**
 * Development and demo only: the demo banks' lender simulators on free loopback ports, with the
 * demo lenders pointed at them.
 */
export async function startDemoBanks(ctx: AppContext): Promise<{ close(): Promise<void> } | undefined> {
  if (ctx.config.mode !== 'development') return undefined;
  const sims = await Promise.all(DEMO_BANKS.map((bank) => startLenderSimulator(bank.config)));
  for (const sim of sims) {
    await ctx.pool.query(`UPDATE broker.lenders SET base_url = $2 WHERE code = $1 AND adapter = 'http'`, [
      sim.config.code,
      sim.url,
    ]);
  }
  ctx.log.info(`broker: demo banks on ${sims.map((s) => `${s.config.code} ${s.url}`).join(', ')}`);
  return {
    async close() {
      await Promise.all(sims.map((s) => s.close()));
    },
  };
}
