import type { Command } from 'commander';
import { commandConfig } from '../cli/config.ts';
import { recentSms } from '../notify/outbox.ts';
import { newToken } from '../platform/crypto.ts';
import { withTx } from '../platform/db/tx.ts';
import { openRuntime } from '../platform/runtime.ts';
import { DEMO_BANKS } from './demo.ts';
import { startLenderSimulator } from './lender-simulator/simulator.ts';
import { listLenders, upsertPartner } from './partners.ts';
import { generateRegistries } from './registries.ts';

let writeLine: (line: string) => void = (line) => {
  process.stdout.write(`${line}\n`);
};

/** Tests capture the commands' output (they run the program in-process); returns the restore. */
export function setBrokerCliOutput(write: (line: string) => void): () => void {
  const previous = writeLine;
  writeLine = write;
  return () => {
    writeLine = previous;
  };
}

export function registerBrokerCommands(program: Command): void {
  const broker = program.command('broker').description('the credit-application broker (DenimHub)');
  broker
    .command('simulate')
    .description('run the demo banks (lender simulators) on loopback until Ctrl+C')
    .action(async () => {
      const sims = await Promise.all(DEMO_BANKS.map((b) => startLenderSimulator(b.config, b.port)));
      for (const s of sims) writeLine(`${s.config.code}: ${s.url}`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await Promise.all(sims.map((s) => s.close()));
    });
  broker
    .command('partner-create')
    .description('create a partner (or rotate its token); prints the new token once')
    .requiredOption('--guid <guid>', 'partner_guid')
    .requiredOption('--name <name>', 'name')
    .option('--deadline-ms <ms>', 'offer collection deadline', '30000')
    .action(async (o: { guid: string; name: string; deadlineMs: string }) => {
      const runtime = await openRuntime(commandConfig());
      try {
        const token = newToken();
        await withTx(runtime.ctx.pool, (tx) =>
          upsertPartner(tx, { guid: o.guid, name: o.name, token, offerDeadlineMs: Number(o.deadlineMs) }),
        );
        writeLine(`partner ${o.guid}: token ${token}`);
      } finally {
        await runtime.close();
      }
    });
  broker
    .command('lenders')
    .description('the lenders and which partners route pos / bnpl forms to them')
    .action(async () => {
      const runtime = await openRuntime(commandConfig());
      try {
        for (const l of await listLenders(runtime.ctx.pool))
          writeLine(
            `${l.code} (${l.adapter}${l.active ? '' : ', inactive'}) ${l.name}: ${l.routes.length ? l.routes.join(', ') : 'no routes'}`,
          );
      } finally {
        await runtime.close();
      }
    });
  broker
    .command('sms')
    .description(
      'the last SMS of the outbox with their texts (signing codes, payment links); not in production',
    )
    .option('--last <n>', 'how many', '10')
    .action(async (o: { last: string }) => {
      const config = commandConfig();
      if (config.mode === 'production') throw new Error('the SMS texts are shown outside production only');
      const runtime = await openRuntime(config);
      try {
        const rows = await recentSms(runtime.ctx.pool, runtime.ctx, {
          module: 'broker',
          limit: Number(o.last) || 10,
        });
        for (const r of rows.reverse())
          writeLine(`${r.createdAt.toISOString()} ${r.phoneMasked} [${r.status}] ${r.text}`);
      } finally {
        await runtime.close();
      }
    });
  broker
    .command('registries')
    .description('generate (and deliver) the reconciliation registries of a business date')
    .requiredOption('--date <YYYY-MM-DD>', 'business date')
    .action(async (o: { date: string }) => {
      const runtime = await openRuntime(commandConfig());
      try {
        const n = await generateRegistries(runtime.ctx, o.date);
        writeLine(`registries for ${o.date}: ${n} file(s)`);
      } finally {
        await runtime.close();
      }
    });
}
