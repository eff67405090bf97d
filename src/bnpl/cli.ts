import type { Command } from 'commander';
import { commandConfig } from '../cli/config.ts';
import { recentSms } from '../notify/outbox.ts';
import { newToken } from '../platform/crypto.ts';
import { withTx } from '../platform/db/tx.ts';
import { openRuntime } from '../platform/runtime.ts';
import { startAcquiringSimulator } from './acquiring-simulator/simulator.ts';
import { listCallbacks } from './callbacks.ts';
import { upsertMerchant } from './merchants.ts';

export function registerBnplCommands(program: Command): void {
  const bnpl = program.command('bnpl').description('the BNPL checkout (Moneywall)');
  bnpl
    .command('callbacks')
    .description('callbacks to merchants with their delivery state, newest first')
    .option('--status <status>', 'pending, delivered or failed')
    .option('--last <n>', 'how many', '50')
    .action(async (o: { status?: string; last: string }) => {
      const runtime = await openRuntime(commandConfig());
      try {
        const rows = await listCallbacks(runtime.ctx.pool, {
          ...(o.status ? { status: o.status } : {}),
          limit: Number(o.last),
        });
        for (const r of rows)
          process.stdout.write(
            `${r.id}\t${r.createdAt.toISOString()}\t${r.orderId}\t${r.kind}\t${r.status}\tattempts ${r.attempts}\t${
              r.lastHttpStatus ?? '-'
            }\t${r.lastError ?? ''}\t${r.url}\n`,
          );
        if (rows.length === 0) process.stdout.write('no callbacks\n');
      } finally {
        await runtime.close();
      }
    });
  bnpl
    .command('merchant-create')
    .description('create a merchant (or rotate its token and callback secret); prints them once')
    .requiredOption('--code <code>', 'merchant code (a-z, 0-9, _ -)')
    .requiredOption('--name <name>', 'name')
    .action(async (o: { code: string; name: string }) => {
      const runtime = await openRuntime(commandConfig());
      try {
        const token = newToken();
        const secret = newToken();
        await withTx(runtime.ctx.pool, (tx) =>
          upsertMerchant(tx, runtime.ctx.cipher, {
            code: o.code,
            name: o.name,
            token,
            callbackSecret: secret,
          }),
        );
        process.stdout.write(`merchant ${o.code}: token ${token}\ncallback secret ${secret}\n`);
      } finally {
        await runtime.close();
      }
    });
  bnpl
    .command('sms')
    .description('the last SMS codes sent to customers (decrypted); not in production')
    .option('--last <n>', 'how many', '5')
    .action(async (o: { last: string }) => {
      const config = commandConfig();
      if (config.mode === 'production') throw new Error('the SMS texts are shown outside production only');
      const runtime = await openRuntime(config);
      try {
        const rows = await recentSms(runtime.ctx.pool, runtime.ctx, {
          module: 'bnpl',
          limit: Number(o.last) || 5,
        });
        for (const r of rows)
          process.stdout.write(`${r.createdAt.toISOString()}\t${r.phoneMasked}\t${r.text}\n`);
      } finally {
        await runtime.close();
      }
    });
  bnpl
    .command('acquiring-simulator')
    .description('run the card acquirer simulator on loopback until Ctrl+C')
    .option('--port <port>', 'port', '0')
    .action(async (o: { port: string }) => {
      const sim = await startAcquiringSimulator(Number(o.port));
      process.stdout.write(`acquiring simulator: ${sim.url}\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await sim.close();
    });
}
