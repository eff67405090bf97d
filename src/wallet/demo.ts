import type { DemoSeeder } from '../demo/seed.ts';
import { getAccount, move, transfer } from '../ledger/index.ts';
import { settlementAccount } from '../ledger/system-accounts.ts';
import type { Actor } from '../platform/audit.ts';
import { hashPassword } from '../platform/crypto.ts';
import type { Tx } from '../platform/db/tx.ts';
import { adjustBalance, createAgent, findAgent } from '../processing/agents.ts';
import { WALLET_CURRENCY } from './accounts.ts';
import { parsePerson, verifyPersonIn, writePerson } from './person.ts';
import { findWalletByPhone, insertWallet } from './wallets.ts';

export const DEMO_WALLET_PHONE = '+79261111111';
export const DEMO_WALLET_PASSWORD = 'p@ssw0rD';
/** The wallet agent's float at the processing centre: 10 000 000 roubles. */
export const DEMO_AGENT_FLOAT = 1_000_000_000n;
const DEMO_ACTOR: Actor = { type: 'system', id: 'demo' };

/**
 * The wallet's processing-centre agents (RUB; `login`, `login-1` … for WALLET_AGENT_SHARDS), each
 * topped up with a float that covers its payments in flight, in the caller's transaction;
 * idempotent.
 */
export async function ensureWalletAgents(
  tx: Tx,
  login: string,
  shards = 1,
  float: bigint = DEMO_AGENT_FLOAT,
): Promise<void> {
  for (let shard = 0; shard < shards; shard++) {
    const name = shard === 0 ? login : `${login}-${shard}`;
    const exists = await tx.query('SELECT 1 FROM processing.agents WHERE login = $1', [name]);
    if (exists.rowCount) continue;
    const agent = await createAgent(
      tx,
      { login: name, name: 'Электронный кошелек mserver 2', currency: WALLET_CURRENCY, overdraft: 0n },
      DEMO_ACTOR,
    );
    await adjustBalance(
      tx,
      await findAgent(tx, name),
      {
        amount: float,
        kind: 'topup',
        reason: 'кошелек: оборотные средства агента',
        key: `wallet:agent_float:${agent.id}`,
      },
      DEMO_ACTOR,
    );
  }
}

/** The document's wallet: +79261111111 / p@ssw0rD, active, verified person, 10 000 roubles. */
export const walletSeeder: DemoSeeder = {
  name: `wallet: agent "wallet" (RUB float), demo wallet ${DEMO_WALLET_PHONE} / ${DEMO_WALLET_PASSWORD}`,
  async seed(tx, ctx) {
    await ensureWalletAgents(tx, ctx.config.walletAgentLogin, ctx.config.walletAgentShards);
    if (await findWalletByPhone(tx, DEMO_WALLET_PHONE)) return;
    const wallet = await insertWallet(tx, ctx, DEMO_WALLET_PHONE, await hashPassword(DEMO_WALLET_PASSWORD), {
      activate: true,
      actor: DEMO_ACTOR,
    });
    const account = await getAccount(tx, wallet.accountId);
    if (account.balance === 0n) {
      const settlement = await settlementAccount(tx, WALLET_CURRENCY);
      await transfer(tx, {
        key: `wallet:demo_topup:${wallet.id}`,
        kind: 'wallet.demo_topup',
        entries: move(settlement.id, wallet.accountId, 1_000_000n),
        description: 'демо: 10 000 рублей',
      });
    }
    await writePerson(
      tx,
      ctx,
      wallet.id,
      parsePerson({
        family_name: 'Арсеньев',
        given_name: 'Алексей',
        patronymic_name: 'Александрович',
        passport_series_number: '2202655885',
        passport_issued_at: '2012-02-27',
        itn: '330500938709',
        ssn: '11223344595',
      }),
    );
    await verifyPersonIn(tx, wallet.id, DEMO_ACTOR);
  },
};
