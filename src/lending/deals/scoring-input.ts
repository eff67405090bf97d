import type { Queryable } from '../../platform/db/pool.ts';
import type { Client } from '../clients/repository.ts';
import { monthlyPayment } from '../scoring.ts';
import type { CapsInForce, Product, ScheduleLine, ScoringInput } from '../types.ts';

/** Gathers what part A's `score` rules look at: the client, their other deals, the loan asked for. */
export async function scoringInput(
  db: Queryable,
  args: {
    client: Client;
    excludeDealId: bigint;
    product: Product;
    amount: bigint;
    termDays: number;
    schedule: ScheduleLine[];
    pskPercent: string;
    caps: CapsInForce;
    today: string;
  },
): Promise<ScoringInput> {
  const { rows } = await db.query<{
    overdue: boolean;
    repeat: boolean;
    other_monthly: bigint;
    high_psk: bigint;
    last_high_repaid: string | null;
  }>(
    `SELECT
       EXISTS (SELECT 1 FROM lending.loan_state s WHERE s.client_id = $1 AND s.active AND s.dpd > 0) AS overdue,
       EXISTS (SELECT 1 FROM lending.deals d WHERE d.client_id = $1 AND d.status = 'Оплачен') AS repeat,
       coalesce((SELECT sum(t.total * 30 / greatest(30, d.term_days))::bigint
                 FROM lending.deals d JOIN lending.loan_state s ON s.deal_id = d.id AND s.active
                 JOIN LATERAL (SELECT sum(total) AS total FROM lending.schedule_lines l WHERE l.deal_id = d.id) t ON true
                 WHERE d.client_id = $1 AND d.id <> $2), 0) AS other_monthly,
       (SELECT count(*) FROM lending.deals d JOIN lending.loan_state s ON s.deal_id = d.id AND s.active
        WHERE d.client_id = $1 AND d.id <> $2 AND $3::numeric IS NOT NULL AND d.psk_percent > $3::numeric) AS high_psk,
       -- The payoff date of the client's latest repaid high-ПСК loan: its last payment not reversed.
       (SELECT max(p.business_date)::text FROM lending.deals d JOIN lending.payments p ON p.deal_id = d.id
        WHERE d.client_id = $1 AND d.id <> $2 AND d.status = 'Оплачен' AND p.reversed_at IS NULL
          AND $3::numeric IS NOT NULL AND d.psk_percent > $3::numeric) AS last_high_repaid`,
    [args.client.id, args.excludeDealId, args.caps.highPskThreshold],
  );
  const r = rows[0]!;
  return {
    today: args.today,
    birthDate: args.client.birthDate,
    blacklisted: args.client.blacklisted,
    bannedUntil: args.client.bannedUntil,
    hasOpenOverdue: r.overdue,
    isRepeat: r.repeat,
    product: args.product,
    amount: args.amount,
    termDays: args.termDays,
    monthlyIncome: args.client.monthlyIncome,
    otherMonthlyPayments: r.other_monthly,
    newMonthlyPayment: monthlyPayment(args.today, args.schedule),
    openHighPskLoans: Number(r.high_psk),
    pskPercent: args.pskPercent,
    lastHighPskRepaidOn: r.last_high_repaid,
    caps: args.caps,
  };
}
