import type { Command } from 'commander';
import { commandConfig } from '../cli/config.ts';
import { CLI_ACTOR } from '../platform/audit.ts';
import { withTx } from '../platform/db/tx.ts';
import { openRuntime, type Runtime } from '../platform/runtime.ts';
import { ROLES } from './permissions.ts';
import { createUser, findUserByLogin, listUsers, type StaffUser, setPassword, updateUser } from './users.ts';

async function withRuntime(work: (runtime: Runtime) => Promise<void>): Promise<void> {
  const runtime = await openRuntime(commandConfig());
  try {
    await work(runtime);
  } finally {
    await runtime.close();
  }
}

/** The password from --password, or else from the first line of standard input (keeps it out of `ps`). */
async function readPassword(option: string | undefined): Promise<string> {
  if (option) return option;
  if (process.stdin.isTTY) throw new Error('give the password with --password or on standard input');
  let text = '';
  for await (const chunk of process.stdin) text += chunk;
  const line = text.split(/\r?\n/)[0] ?? '';
  if (!line) throw new Error('no password on standard input');
  return line;
}

async function userByLogin(runtime: Runtime, login: string): Promise<StaffUser> {
  const user = await findUserByLogin(runtime.ctx.pool, login);
  if (!user) throw new Error(`no staff user with login '${login}'`);
  return user;
}

function status(u: StaffUser): string {
  if (u.blockedAt) return 'blocked';
  if (u.lockedUntil && u.lockedUntil > new Date()) return `locked until ${u.lockedUntil.toISOString()}`;
  return 'active';
}

const change = { actor: CLI_ACTOR };

export function registerStaffCommands(program: Command): void {
  const staff = program.command('staff').description('staff users of the operator console');
  staff
    .command('create')
    .description('create a staff user (password from --password or standard input)')
    .requiredOption('--login <login>', 'login: latin letters, digits, . _ -')
    .requiredOption('--name <name>', 'full name')
    .requiredOption('--role <role>', `one of ${ROLES.join(', ')}`)
    .option('--password <password>', 'initial password (at least 8 characters)')
    .option('--locale <locale>', 'ru or en', 'ru')
    .action(async (o: { login: string; name: string; role: string; password?: string; locale: string }) => {
      const password = await readPassword(o.password);
      if (o.locale !== 'ru' && o.locale !== 'en') throw new Error('--locale must be ru or en');
      const locale: 'ru' | 'en' = o.locale;
      await withRuntime(async (runtime) => {
        const user = await withTx(runtime.ctx.pool, (tx) =>
          createUser(tx, change, { login: o.login, name: o.name, role: o.role, password, locale }),
        );
        process.stdout.write(`staff user ${user.login} (${user.role}) created, id ${user.id}\n`);
      });
    });
  staff
    .command('list')
    .description('list staff users')
    .option('--json', 'print as JSON')
    .action(async (o: { json?: boolean }) => {
      await withRuntime(async (runtime) => {
        const page = await listUsers(
          runtime.ctx.pool,
          {},
          { offset: 0, limit: 500, sort: 'login', desc: false },
        );
        if (o.json) {
          const rows = page.rows.map((u) => ({
            id: String(u.id),
            login: u.login,
            name: u.name,
            role: u.role,
            status: status(u),
          }));
          process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
          return;
        }
        for (const u of page.rows)
          process.stdout.write(
            `${String(u.id).padStart(5)}  ${u.login.padEnd(20)} ${u.role.padEnd(12)} ${status(u)}  ${u.name}\n`,
          );
        process.stdout.write(`${page.total} staff user(s)\n`);
      });
    });
  staff
    .command('passwd')
    .description("set a staff user's password (from --password or standard input); their sessions end")
    .argument('<login>')
    .option('--password <password>', 'new password (at least 8 characters)')
    .action(async (login: string, o: { password?: string }) => {
      const password = await readPassword(o.password);
      await withRuntime(async (runtime) => {
        const user = await userByLogin(runtime, login);
        await withTx(runtime.ctx.pool, (tx) => setPassword(tx, change, user.id, password));
        process.stdout.write(`password of ${user.login} changed\n`);
      });
    });
  staff
    .command('lock')
    .description('block a staff user: no login, open sessions end')
    .argument('<login>')
    .action(async (login: string) => {
      await withRuntime(async (runtime) => {
        const user = await userByLogin(runtime, login);
        await withTx(runtime.ctx.pool, (tx) => updateUser(tx, change, user.id, { blocked: true }));
        process.stdout.write(`${user.login} blocked\n`);
      });
    });
  staff
    .command('unlock')
    .description('unblock a staff user and lift a lockout after failed logins')
    .argument('<login>')
    .action(async (login: string) => {
      await withRuntime(async (runtime) => {
        const user = await userByLogin(runtime, login);
        await withTx(runtime.ctx.pool, (tx) => updateUser(tx, change, user.id, { blocked: false }));
        process.stdout.write(`${user.login} unblocked\n`);
      });
    });
}
