import type { Command } from 'commander';
import { commandConfig } from '../cli/config.ts';
import { smsTextById } from '../notify/outbox.ts';
import { CLI_ACTOR } from '../platform/audit.ts';
import type { AppContext } from '../platform/context.ts';
import { openRuntime } from '../platform/runtime.ts';
import { latestCodeSms } from './codes.ts';
import { verifyPerson } from './person.ts';
import { normalizePhone } from './validation.ts';
import { findWalletByPhone } from './wallets.ts';

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

/** Where the commands print (tests run them in-process and read what they said). */
export function setWalletCliOutput(write: (line: string) => void): () => void {
  const previous = writeLine;
  writeLine = write;
  return () => {
    writeLine = previous;
  };
}

/** `kopek wallet verify <phone>`: the operator's KYC verification (audited). */
export async function verifyCommand(ctx: AppContext, rawPhone: string): Promise<void> {
  const wallet = await findWalletByPhone(ctx.pool, normalizePhone(rawPhone));
  if (!wallet) throw new Error(`кошелек ${rawPhone} не найден`);
  const changed = await verifyPerson(ctx, wallet.id, CLI_ACTOR);
  writeLine(
    changed
      ? `${wallet.phone}: персональные данные проверены`
      : `${wallet.phone}: нечего проверять (данных нет или уже проверены)`,
  );
}

/** `kopek wallet last-sms <phone>`: the latest code SMS of a wallet (support desk, demo). */
export async function lastSmsCommand(
  ctx: AppContext,
  rawPhone: string,
  purpose: 'activation' | 'password_reset',
): Promise<void> {
  // Codes are secrets of the wallet's holder: shown only outside production (demo, support on dev).
  if (ctx.config.mode === 'production') throw new Error('в production коды из SMS не показываются');
  const wallet = await findWalletByPhone(ctx.pool, normalizePhone(rawPhone));
  if (!wallet) throw new Error(`кошелек ${rawPhone} не найден`);
  const id = await latestCodeSms(ctx.pool, wallet.id, purpose);
  const text = id === undefined ? undefined : await smsTextById(ctx.pool, ctx, id);
  writeLine(text ?? `${wallet.phone}: SMS не отправлялось`);
}

export function registerWalletCommands(program: Command): void {
  const wallet = program.command('wallet').description('the mserver 2 e-wallet');
  wallet
    .command('verify <phone>')
    .description("verify the wallet holder's personal data (KYC: data_entered -> data_verified)")
    .action((phone: string) => withRuntime((ctx) => verifyCommand(ctx, phone)));
  wallet
    .command('last-sms <phone>')
    .description(
      'show the latest code SMS sent to the wallet (activation or password reset); refused in production',
    )
    .option('--reset', 'the password-reset code instead of the activation code')
    .action((phone: string, options: { reset?: boolean }) =>
      withRuntime((ctx) => lastSmsCommand(ctx, phone, options.reset ? 'password_reset' : 'activation')),
    );
}
