import type { Command } from 'commander';
import { verifyLedger } from '../ledger/verify.ts';
import { openRuntime } from '../platform/runtime.ts';
import { commandConfig } from './config.ts';

export function registerLedgerCommands(program: Command): void {
  const ledger = program.command('ledger').description('the double-entry ledger');
  ledger
    .command('verify')
    .description(
      'prove that every transfer balances and every cached balance equals the sum of its entries; exit 1 if not',
    )
    .option('--json', 'print the report as JSON')
    .action(async (options: { json?: boolean }) => {
      const runtime = await openRuntime(commandConfig());
      try {
        const report = await verifyLedger(runtime.ctx.pool);
        if (options.json) {
          process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        } else {
          process.stdout.write(
            `ledger: ${report.accounts} accounts, ${report.transfers} transfers, ${report.entries} entries\n`,
          );
          for (const p of report.problems) process.stdout.write(`  ${p.kind}: ${p.subject}: ${p.detail}\n`);
          process.stdout.write(
            report.ok ? 'ledger verify: OK\n' : `ledger verify: ${report.problems.length} problem(s)\n`,
          );
        }
        if (!report.ok) process.exitCode = 1;
      } finally {
        await runtime.close();
      }
    });
}
