import { getAccount, move, transfer } from '../ledger/index.ts';
import { settlementAccount } from '../ledger/system-accounts.ts';
import { type Actor, audit } from '../platform/audit.ts';
import type { AppContext } from '../platform/context.ts';
import { hashPassword } from '../platform/crypto.ts';
import type { Queryable } from '../platform/db/pool.ts';
import { type Tx, withTx } from '../platform/db/tx.ts';
import type { Kopecks } from '../platform/money.ts';
import { openFeesAccount, openOutgoingAccount, openWalletAccount, WALLET_CURRENCY } from './accounts.ts';
import { consumeCode, refuseCode, sendCode } from './codes.ts';
import { walletError } from './errors.ts';
import { forgetPasswords } from './password-cache.ts';
import { forgetWalletSessions } from './session-cache.ts';
import { checkPassword, normalizePhone } from './validation.ts';

/** What a dev server credits to a new wallet: 10 000 roubles, as the document says. */
export const DEV_CREDIT: Kopecks = 1_000_000n;

export interface Wallet {
  id: bigint;
  phone: string;
  passwordHash: string;
  accountId: bigint;
  outgoingAccountId: bigint;
  feesAccountId: bigint;
  status: 'pending' | 'active';
  activatedAt: Date | null;
  failedLogins: number;
  lockedUntil: Date | null;
}

interface WalletRow {
  id: bigint;
  phone: string;
  password_hash: string;
  account_id: bigint;
  outgoing_account_id: bigint;
  fees_account_id: bigint;
  status: 'pending' | 'active';
  activated_at: Date | null;
  failed_logins: number;
  locked_until: Date | null;
}

export const WALLET_COLUMNS =
  'w.id, w.phone, w.password_hash, w.account_id, w.outgoing_account_id, w.fees_account_id, w.status, w.activated_at, w.failed_logins, w.locked_until';

export function toWallet(r: WalletRow): Wallet {
  return {
    id: r.id,
    phone: r.phone,
    passwordHash: r.password_hash,
    accountId: r.account_id,
    outgoingAccountId: r.outgoing_account_id,
    feesAccountId: r.fees_account_id,
    status: r.status,
    activatedAt: r.activated_at,
    failedLogins: r.failed_logins,
    lockedUntil: r.locked_until,
  };
}

export async function findWalletByPhone(db: Queryable, phone: string): Promise<Wallet | undefined> {
  const { rows } = await db.query<WalletRow>(
    `SELECT ${WALLET_COLUMNS} FROM wallet.wallets w WHERE w.phone = $1 AND w.deleted_at IS NULL`,
    [phone],
  );
  return rows[0] && toWallet(rows[0]);
}

export async function getWallet(db: Queryable, id: bigint): Promise<Wallet> {
  const { rows } = await db.query<WalletRow>(
    `SELECT ${WALLET_COLUMNS} FROM wallet.wallets w WHERE w.id = $1 AND w.deleted_at IS NULL`,
    [id],
  );
  if (!rows[0]) throw walletError('invalid_credentials', 'кошелек не найден');
  return toWallet(rows[0]);
}

export interface WalletSummary {
  phone: string;
  /** Available balance: posted balance less payments in progress. */
  amount: Kopecks;
}

export async function walletSummary(db: Queryable, wallet: Wallet): Promise<WalletSummary> {
  const account = await getAccount(db, wallet.accountId);
  return { phone: wallet.phone, amount: account.available };
}

/**
 * Creates a wallet (status pending) and sends the activation code by SMS. On a dev server the
 * wallet is credited with 10 000 roubles from the settlement account in the same transaction.
 */
export async function createWallet(
  ctx: AppContext,
  input: { phone?: unknown; password?: unknown },
  options: { activate?: boolean; actor?: Actor } = {},
): Promise<Wallet> {
  const phone = normalizePhone(input.phone);
  const passwordHash = await hashPassword(checkPassword(input.password));
  try {
    return await withTx(ctx.pool, (tx) => insertWallet(tx, ctx, phone, passwordHash, options));
  } catch (error) {
    if ((error as { code?: string }).code === '23505')
      throw walletError('wallet_exists', 'кошелек с этим номером телефона уже существует');
    throw error;
  }
}

/** The wallet row, its ledger account, the dev credit and the activation SMS, in the caller's transaction. */
export async function insertWallet(
  tx: Tx,
  ctx: AppContext,
  phone: string,
  passwordHash: string,
  options: { activate?: boolean; actor?: Actor } = {},
): Promise<Wallet> {
  const { rows } = await tx.query<{ id: bigint }>(
    `SELECT nextval(pg_get_serial_sequence('wallet.wallets', 'id')) AS id`,
  );
  const id = rows[0]!.id;
  const account = await openWalletAccount(tx, id);
  const outgoing = await openOutgoingAccount(tx, id);
  const fees = await openFeesAccount(tx, id);
  await tx.query(
    `INSERT INTO wallet.wallets (id, phone, password_hash, account_id, outgoing_account_id, fees_account_id,
       status, activated_at)
     OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $4, $7, $8, $5, $6)`,
    [
      id,
      phone,
      passwordHash,
      account.id,
      options.activate ? 'active' : 'pending',
      options.activate ? new Date() : null,
      outgoing.id,
      fees.id,
    ],
  );
  if (ctx.config.walletDevMode) {
    const settlement = await settlementAccount(tx, WALLET_CURRENCY);
    await transfer(tx, {
      key: `wallet:dev_credit:${id}`,
      kind: 'wallet.dev_credit',
      entries: move(settlement.id, account.id, DEV_CREDIT),
      description: 'dev-сервер: 10 000 рублей новому кошельку',
      metadata: { walletId: id },
    });
  }
  const wallet = await getWallet(tx, id);
  if (!options.activate) await sendCode(tx, ctx, wallet, 'activation');
  await audit(tx, {
    actor: options.actor ?? { type: 'client', id: `wallet:${id}` },
    action: 'wallet.create',
    subjectType: 'wallet',
    subjectId: String(id),
    details: { devCredit: ctx.config.walletDevMode },
  });
  return wallet;
}

/**
 * Dev server only: closes the wallet. Its remaining balance goes back to the settlement account
 * (it came from there); a wallet with payments in progress is kept.
 */
export async function deleteWallet(ctx: AppContext, wallet: Wallet): Promise<void> {
  if (!ctx.config.walletDevMode)
    throw walletError('dev_only', 'удаление кошелька доступно только на dev-сервере');
  await withTx(ctx.pool, async (tx) => {
    await tx.query('SELECT 1 FROM wallet.wallets WHERE id = $1 FOR UPDATE', [wallet.id]);
    const account = await getAccount(tx, wallet.accountId);
    if (account.pendingDebits > 0n || account.pendingCredits > 0n)
      throw walletError('payments_in_progress', 'у кошелька есть проводимые платежи, повторите позже');
    if (account.balance > 0n) {
      const settlement = await settlementAccount(tx, WALLET_CURRENCY);
      await transfer(tx, {
        key: `wallet:close:${wallet.id}`,
        kind: 'wallet.close',
        entries: move(account.id, settlement.id, account.balance),
        description: 'dev-сервер: закрытие кошелька',
        metadata: { walletId: wallet.id },
      });
    }
    await tx.query(`UPDATE wallet.wallets SET deleted_at = now() WHERE id = $1`, [wallet.id]);
    await tx.query(`DELETE FROM wallet.sessions WHERE wallet_id = $1`, [wallet.id]);
    await audit(tx, {
      actor: { type: 'client', id: `wallet:${wallet.id}` },
      action: 'wallet.delete',
      subjectType: 'wallet',
      subjectId: String(wallet.id),
      details: { balance: account.balance },
    });
  });
  forgetWalletSessions(wallet.id);
}

/** `POST /v1/wallet/activate`: the SMS code makes the wallet active (able to pay). */
export async function activateWallet(ctx: AppContext, wallet: Wallet, code: unknown): Promise<Wallet> {
  if (wallet.status === 'active') throw walletError('already_active', 'кошелек уже активирован');
  const check = await withTx(ctx.pool, async (tx) => {
    const result = await consumeCode(tx, ctx, wallet.id, 'activation', code);
    if (result === 'ok') {
      await tx.query(`UPDATE wallet.wallets SET status = 'active', activated_at = now() WHERE id = $1`, [
        wallet.id,
      ]);
      await audit(tx, {
        actor: { type: 'client', id: `wallet:${wallet.id}` },
        action: 'wallet.activate',
        subjectType: 'wallet',
        subjectId: String(wallet.id),
      });
    }
    return result;
  });
  forgetWalletSessions(wallet.id);
  if (check !== 'ok') refuseCode(check);
  return getWallet(ctx.pool, wallet.id);
}

/** `POST /v1/wallet/resend_code`: a new activation code (the old one stops working). */
export async function resendActivationCode(ctx: AppContext, wallet: Wallet): Promise<void> {
  if (wallet.status === 'active') throw walletError('already_active', 'кошелек уже активирован');
  await withTx(ctx.pool, (tx) => sendCode(tx, ctx, wallet, 'activation'));
}

/**
 * `POST /v1/wallet/password_reset`: sends a reset code to the wallet's phone. The answer is the
 * same whether or not the phone has a wallet, so the call does not reveal who has one.
 */
export async function requestPasswordReset(ctx: AppContext, rawPhone: unknown): Promise<void> {
  const phone = normalizePhone(rawPhone);
  const wallet = await findWalletByPhone(ctx.pool, phone);
  if (!wallet) return;
  await withTx(ctx.pool, (tx) => sendCode(tx, ctx, wallet, 'password_reset'));
}

/** `POST /v1/wallet/password`: the reset code sets a new password and ends every session. */
export async function resetPassword(
  ctx: AppContext,
  input: { phone?: unknown; code?: unknown; password?: unknown },
): Promise<void> {
  const phone = normalizePhone(input.phone);
  const password = checkPassword(input.password);
  const wallet = await findWalletByPhone(ctx.pool, phone);
  if (!wallet) refuseCode('expired');
  const passwordHash = await hashPassword(password);
  const check = await withTx(ctx.pool, async (tx) => {
    const result = await consumeCode(tx, ctx, wallet.id, 'password_reset', input.code);
    if (result === 'ok') {
      await tx.query(
        `UPDATE wallet.wallets SET password_hash = $2, failed_logins = 0, locked_until = NULL WHERE id = $1`,
        [wallet.id, passwordHash],
      );
      await tx.query(`DELETE FROM wallet.sessions WHERE wallet_id = $1`, [wallet.id]);
      await audit(tx, {
        actor: { type: 'client', id: `wallet:${wallet.id}` },
        action: 'wallet.password_reset',
        subjectType: 'wallet',
        subjectId: String(wallet.id),
      });
    }
    return result;
  });
  if (check !== 'ok') refuseCode(check);
  forgetPasswords(wallet.id);
  forgetWalletSessions(wallet.id);
}
