import type { Command } from 'commander';
import { commandConfig } from '../cli/config.ts';
import { CLI_ACTOR } from '../platform/audit.ts';
import type { AppContext } from '../platform/context.ts';
import { withTx } from '../platform/db/tx.ts';
import { formatRoubles, parseRoubles } from '../platform/money.ts';
import { openRuntime } from '../platform/runtime.ts';
import {
  adjustBalance,
  agentBalance,
  agentIps,
  allowIp,
  createAgent,
  findAgent,
  listAgents,
  setNotification,
  setOverdraft,
} from './agents.ts';
import { importServices, listServices, readCatalogFile } from './catalog.ts';
import { changeToken, createToken, listTokens, TOKEN_STATUS_RU } from './credentials.ts';
import { DEFAULT_CONFIG_FILE } from './simulator/behaviour.ts';
import { runSimulator } from './simulator/main.ts';

async function withRuntime(work: (ctx: AppContext) => Promise<void>): Promise<void> {
  const runtime = await openRuntime(commandConfig());
  try {
    await work(runtime.ctx);
  } finally {
    await runtime.close();
  }
}

let writeLine = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

function out(line: string): void {
  writeLine(line);
}

/** Where the commands print (tests run them in-process and read what they said). */
export function setCliOutput(write: (line: string) => void): () => void {
  const previous = writeLine;
  writeLine = write;
  return () => {
    writeLine = previous;
  };
}

/** `kopek agent …` and `kopek service …`: the processing centre's operator commands (audited). */
export function registerProcessingCommands(program: Command): void {
  const agent = program
    .command('agent')
    .description('payment agents of the processing centre (protocol v20)');
  agent
    .command('create')
    .description('create an agent with its ledger balance account')
    .requiredOption('--login <login>', 'agent login (Latin letters, digits, _ . -)')
    .requiredOption('--name <name>', 'agent name')
    .option('--currency <code>', 'contract currency', 'KZT')
    .option('--overdraft <amount>', 'overdraft, e.g. 50000.00', '0')
    .option('--notification <amount>', 'balance that triggers a notification', '0')
    .option('--webhook <url>', 'where balance notifications are POSTed')
    .action(
      async (o: {
        login: string;
        name: string;
        currency: string;
        overdraft: string;
        notification: string;
        webhook?: string;
      }) => {
        await withRuntime(async (ctx) => {
          const created = await withTx(ctx.pool, (tx) =>
            createAgent(
              tx,
              {
                login: o.login,
                name: o.name,
                currency: o.currency,
                overdraft: parseRoubles(o.overdraft),
                notification: parseRoubles(o.notification),
                webhookUrl: o.webhook ?? null,
              },
              CLI_ACTOR,
            ),
          );
          out(`agent ${created.id} (${created.login}) created, currency ${created.currency}`);
        });
      },
    );
  agent
    .command('list')
    .description('list agents with their balances')
    .action(async () => {
      await withRuntime(async (ctx) => {
        for (const a of await listAgents(ctx.pool)) {
          const b = await agentBalance(ctx.pool, a);
          out(
            `${a.id}\t${a.login}\t${a.name}\t${formatRoubles(b.available)} ${a.currency}\toverdraft ${formatRoubles(a.overdraft)}`,
          );
        }
      });
    });
  agent
    .command('show <agent>')
    .description('an agent: balance, limits, tokens, allowed IPs')
    .action(async (ref: string) => {
      await withRuntime(async (ctx) => {
        const a = await findAgent(ctx.pool, ref);
        const b = await agentBalance(ctx.pool, a);
        out(`agent ${a.id} ${a.login} — ${a.name}`);
        out(
          `  balance ${formatRoubles(b.balance)} ${a.currency}, reserved ${formatRoubles(b.reserved)}, available ${formatRoubles(b.available)}`,
        );
        out(
          `  overdraft ${formatRoubles(a.overdraft)}, notification ${formatRoubles(a.notification)}, webhook ${a.webhookUrl ?? '—'}`,
        );
        for (const t of await listTokens(ctx.pool, a))
          out(`  token ${t.id}: ${TOKEN_STATUS_RU[t.status]} (${t.status})`);
        const ips = await agentIps(ctx.pool, a);
        out(`  allowed IPs: ${ips.length ? ips.join(', ') : 'any (no restriction)'}`);
      });
    });
  agent
    .command('topup <agent> <amount>')
    .description('top up an agent balance (ledger transfer from settlement, audited)')
    .requiredOption('--reason <text>', 'why (payment order number, …)')
    .action(async (ref: string, amount: string, o: { reason: string }) => {
      await withRuntime(async (ctx) => {
        const a = await findAgent(ctx.pool, ref);
        const id = await withTx(ctx.pool, (tx) =>
          adjustBalance(
            tx,
            a,
            { amount: parseRoubles(amount, { allowZero: false }), kind: 'topup', reason: o.reason },
            CLI_ACTOR,
          ),
        );
        out(`agent ${a.login}: topped up ${amount} ${a.currency} (transfer ${id})`);
      });
    });
  agent
    .command('correct <agent> <amount>')
    .description('correct an agent balance by a signed amount (e.g. -150.00), audited')
    .requiredOption('--reason <text>', 'why')
    .action(async (ref: string, amount: string, o: { reason: string }) => {
      await withRuntime(async (ctx) => {
        const a = await findAgent(ctx.pool, ref);
        const id = await withTx(ctx.pool, (tx) =>
          adjustBalance(
            tx,
            a,
            {
              amount: parseRoubles(amount, { allowNegative: true, allowZero: false }),
              kind: 'correction',
              reason: o.reason,
            },
            CLI_ACTOR,
          ),
        );
        out(`agent ${a.login}: corrected by ${amount} ${a.currency} (transfer ${id})`);
      });
    });
  agent
    .command('overdraft <agent> <amount>')
    .description('set the overdraft: payments stop when the balance would go below -amount')
    .action(async (ref: string, amount: string) => {
      await withRuntime(async (ctx) => {
        const a = await findAgent(ctx.pool, ref);
        await withTx(ctx.pool, (tx) => setOverdraft(tx, a, parseRoubles(amount), CLI_ACTOR));
        out(`agent ${a.login}: overdraft ${amount}`);
      });
    });
  agent
    .command('notification <agent> <amount>')
    .description('set the balance below which the agent is notified (log + webhook)')
    .option('--webhook <url>', 'where the notification is POSTed')
    .action(async (ref: string, amount: string, o: { webhook?: string }) => {
      await withRuntime(async (ctx) => {
        const a = await findAgent(ctx.pool, ref);
        await withTx(ctx.pool, (tx) =>
          setNotification(
            tx,
            a,
            { notification: parseRoubles(amount), webhookUrl: o.webhook ?? null },
            CLI_ACTOR,
          ),
        );
        out(`agent ${a.login}: notification at ${amount}`);
      });
    });
  agent
    .command('allow-ip <agent> <ip>')
    .description('allow requests from an IP address or network (none: no restriction)')
    .option('--remove', 'remove it from the allowlist')
    .action(async (ref: string, ip: string, o: { remove?: boolean }) => {
      await withRuntime(async (ctx) => {
        const a = await findAgent(ctx.pool, ref);
        await withTx(ctx.pool, (tx) => allowIp(tx, a, ip, CLI_ACTOR, o.remove === true));
        out(`agent ${a.login}: ${o.remove ? 'removed' : 'allowed'} ${ip}`);
      });
    });

  const token = agent
    .command('token')
    .description('agent tokens: created -> awaiting confirmation -> confirmed -> revoked');
  token
    .command('create <agent>')
    .description(
      'create a token (shown once), in state «Создан»; with --submit also submit it for confirmation',
    )
    .option('--submit', 'submit it for confirmation at once (state «Ожидайте подтверждения»)')
    .action(async (ref: string, o: { submit?: boolean }) => {
      await withRuntime(async (ctx) => {
        const a = await findAgent(ctx.pool, ref);
        // Both steps of the lifecycle, each audited, in one transaction.
        const t = await withTx(ctx.pool, async (tx) => {
          const created = await createToken(tx, a, CLI_ACTOR, { submit: false });
          if (!o.submit) return created;
          const submitted = await changeToken(tx, created.id, 'submit', CLI_ACTOR);
          return { ...created, status: submitted.status };
        });
        out(`token ${t.id} for ${a.login}: ${t.token}`);
        out(
          t.status === 'created'
            ? `status: ${TOKEN_STATUS_RU[t.status]}; submit with: kopek agent token submit ${t.id}`
            : `status: ${TOKEN_STATUS_RU[t.status]}; confirm with: kopek agent token confirm ${t.id}`,
        );
      });
    });
  const TOKEN_ACTIONS = {
    submit: 'submit a created token for confirmation',
    confirm: 'confirm a token awaiting confirmation',
    revoke: 'revoke a token',
  } as const;
  for (const action of ['submit', 'confirm', 'revoke'] as const) {
    token
      .command(`${action} <tokenId>`)
      .description(TOKEN_ACTIONS[action])
      .action(async (id: string) => {
        await withRuntime(async (ctx) => {
          const t = await withTx(ctx.pool, (tx) => changeToken(tx, BigInt(id), action, CLI_ACTOR));
          out(`token ${t.id}: ${TOKEN_STATUS_RU[t.status]}`);
        });
      });
  }

  const service = program.command('service').description('the processing centre service catalogue');
  service
    .command('import <file>')
    .description('import services from a JSON file (insert or replace by serviceId)')
    .action(async (file: string) => {
      await withRuntime(async (ctx) => {
        const services = readCatalogFile(file);
        const n = await withTx(ctx.pool, (tx) => importServices(tx, services));
        out(`services imported: ${n}`);
      });
    });
  service
    .command('list')
    .description('list the catalogue')
    .action(async () => {
      await withRuntime(async (ctx) => {
        for (const s of await listServices(ctx.pool)) {
          out(
            `${s.id}\ttype ${s.type}\t${s.name}\t${formatRoubles(s.minAmount)}–${formatRoubles(s.maxAmount)} ${s.currency}\t${s.enabled ? 'on' : 'OFF'}\t${s.provider.url}`,
          );
        }
      });
    });

  program
    .command('provider-simulator')
    .description('run the OSMP provider simulator on its own (development and tests)')
    .option('--port <port>', 'port', '8090')
    .option('--host <host>', 'address', '127.0.0.1')
    .option('--config <file>', 'behaviour file', DEFAULT_CONFIG_FILE)
    .action(async (o: { port: string; host: string; config: string }) => {
      await runSimulator({ port: Number(o.port), host: o.host, config: o.config });
    });
}
