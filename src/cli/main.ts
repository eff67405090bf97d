import { Command, Option } from 'commander';
import { registerBnplCommands } from '../bnpl/cli.ts';
import { registerBrokerCommands } from '../broker/cli.ts';
import { registerLendingDealCommands } from '../lending/deals-cli.ts';
import { registerLendingProductCommands } from '../lending/products-cli.ts';
import { registerMymfoCommands } from '../mymfo/cli.ts';
import { ConfigError, loadConfig } from '../platform/config.ts';
import { registerProcessingCommands } from '../processing/cli.ts';
import { registerStaffCommands } from '../staff/cli.ts';
import { registerWalletCommands } from '../wallet/cli.ts';
import { registerDatabaseCommands } from './database-commands.ts';
import { registerLedgerCommands } from './ledger-commands.ts';
import { serve } from './serve.ts';

/**
 * `kopek`: the operator's command line. Each module adds its commands here; every command reads
 * the same environment as the server (see README, Configuration).
 */
export function buildCli(): Command {
  const program = new Command('kopek')
    .description('Kopek — платформа кредитования и платежей. Команды оператора.')
    .showHelpAfterError()
    .enablePositionalOptions();
  program
    .command('serve')
    .description('serve every face (HTTP API, docs) and run background jobs')
    .addOption(new Option('--port <port>', 'port to listen on (overrides PORT)'))
    .addOption(new Option('--host <host>', 'address to listen on (overrides HOST)'))
    .action(async (options: { port?: string; host?: string }) => {
      const env = { ...process.env };
      if (options.port !== undefined) env.PORT = options.port;
      if (options.host !== undefined) env.HOST = options.host;
      await serve(loadConfig(env));
    });
  registerDatabaseCommands(program);
  registerLedgerCommands(program);
  registerProcessingCommands(program);
  registerLendingProductCommands(program);
  registerLendingDealCommands(program);
  registerMymfoCommands(program);
  registerStaffCommands(program);
  registerBrokerCommands(program);
  registerWalletCommands(program);
  registerBnplCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    await buildCli().parseAsync(argv);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`kopek: configuration error: ${error.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`kopek: ${(error as Error).message}\n`);
    process.exit(1);
  }
}
