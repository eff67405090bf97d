import type { Command } from 'commander';
import { commandConfig } from '../cli/config.ts';
import { CLI_ACTOR } from '../platform/audit.ts';
import { newToken } from '../platform/crypto.ts';
import type { Pool } from '../platform/db/pool.ts';
import { openRuntime } from '../platform/runtime.ts';
import { addCredential, type CredentialKind, listCredentials, revokeCredential } from './credentials.ts';

let writeLine = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

/** Where the commands print (tests run them in-process and read what they said). */
export function setMymfoCliOutput(write: (line: string) => void): () => void {
  const previous = writeLine;
  writeLine = write;
  return () => {
    writeLine = previous;
  };
}

async function withPool<T>(work: (pool: Pool) => Promise<T>): Promise<T> {
  const runtime = await openRuntime(commandConfig());
  try {
    return await work(runtime.ctx.pool);
  } finally {
    await runtime.close();
  }
}

/** `kopek mymfo credential add|list|revoke`: who may call the "Моя МФО" site API (audited). */
export function registerMymfoCommands(program: Command): void {
  const mymfo = program.command('mymfo').description('the "Моя МФО" site API face');
  const credential = mymfo
    .command('credential')
    .description('site and payment-service credentials (HTTP Basic)');
  credential
    .command('add')
    .description('add a credential; the password is printed once when generated')
    .requiredOption('--login <login>', 'login (Latin letters, digits, _ . -)')
    .requiredOption('--kind <kind>', 'site or payment')
    .option('--service <code>', 'payment service: QIWI, ZK, MKB, Elecsnet or a Payment/Site IDPayService')
    .option('--password <password>', 'password (at least 8 characters); generated when absent')
    .option('--ip <cidr...>', 'allowed addresses or CIDR blocks (payment services); none: any')
    .action(
      async (o: { login: string; kind: string; service?: string; password?: string; ip?: string[] }) => {
        if (o.kind !== 'site' && o.kind !== 'payment') throw new Error('--kind must be site or payment');
        const password = o.password ?? newToken(18);
        await withPool(async (pool) => {
          const c = await addCredential(
            pool,
            {
              login: o.login,
              password,
              kind: o.kind as CredentialKind,
              paymentService: o.service ?? null,
              ipAllowlist: o.ip ?? null,
            },
            CLI_ACTOR,
          );
          writeLine(
            `credential ${c.login} (${c.kind}${c.paymentService ? ` ${c.paymentService}` : ''}) added`,
          );
          if (!o.password) writeLine(`password: ${password}  (shown once)`);
        });
      },
    );
  credential
    .command('list')
    .description('list credentials (never passwords)')
    .action(async () => {
      await withPool(async (pool) => {
        for (const c of await listCredentials(pool))
          writeLine(
            [
              c.login,
              c.kind,
              c.paymentService ?? '-',
              c.ipAllowlist?.join(',') ?? 'any address',
              c.active ? 'active' : 'revoked',
            ].join('\t'),
          );
      });
    });
  credential
    .command('revoke')
    .description('deactivate a credential (other processes drop it within 30 s)')
    .argument('<login>')
    .action(async (login: string) => {
      await withPool(async (pool) => {
        await revokeCredential(pool, login, CLI_ACTOR);
        writeLine(`credential ${login} revoked`);
      });
    });
}
