import type { Command } from 'commander';
import { seedDemo } from '../demo/seed.ts';
import { openRuntime } from '../platform/runtime.ts';
import { commandConfig } from './config.ts';

export function registerDatabaseCommands(program: Command): void {
  program
    .command('migrate')
    .description('apply the database migrations not yet applied (safe to run twice, or from two processes)')
    .action(async () => {
      const runtime = await openRuntime(commandConfig(), { migrate: true });
      await runtime.close();
      process.stdout.write('migrations: up to date\n');
    });
  program
    .command('seed')
    .description('load a data set into the database')
    .option('--demo', 'the demo data set (README lists its credentials)')
    .action(async (options: { demo?: boolean }) => {
      if (!options.demo) throw new Error('say which data set: kopek seed --demo');
      const runtime = await openRuntime(commandConfig());
      try {
        await seedDemo(runtime.ctx, (line) => process.stdout.write(`${line}\n`));
        process.stdout.write('demo data: loaded\n');
      } finally {
        await runtime.close();
      }
    });
}
