import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { commandConfig } from '../cli/config.ts';
import { CLI_ACTOR } from '../platform/audit.ts';
import type { AppContext } from '../platform/context.ts';
import { withTx } from '../platform/db/tx.ts';
import { parseId } from '../platform/ids.ts';
import { formatRoubles, type Kopecks, parseRoubles } from '../platform/money.ts';
import { openRuntime } from '../platform/runtime.ts';
import { COB_CHUNK, runCob } from './accrual/cob.ts';
import { chargeDeal } from './charges/charges.ts';
import {
  type Client,
  findClientByPassport,
  getClient,
  setClientRestrictions,
  upsertClient,
} from './clients/repository.ts';
import { isBusinessDate, todayMoscow } from './dates.ts';
import { createApplication } from './deals/applications.ts';
import { cancelDeal, decideDeal, type ManualDecision, signDeal } from './deals/decisions.ts';
import { dealHistory, moveDeal } from './deals/history.ts';
import { getDeal, listDeals } from './deals/repository.ts';
import { isDealStatus } from './deals/statuses.ts';
import { debtSummary } from './debt/summary.ts';
import { startCardPayoutSimulator } from './issue/card-payout-simulator.ts';
import { createHttpCardPayoutGateway } from './issue/http-card-gateway.ts';
import {
  completePayout,
  exportBankRegistry,
  failPayout,
  issueToCard,
  registerExternalIssue,
  startPayout,
} from './issue/issue.ts';
import { completeRefund, failRefund, type Refund, refundToCard, startRefund } from './refunds/refund.ts';
import { repay } from './repayments/repay.ts';
import { reversePayment } from './repayments/reverse.ts';
import { listScheduleVersions } from './repayments/schedule-versions.ts';
import type { EarlyRepaymentMode } from './schedule-revision.ts';

/**
 * `kopek client …`, `kopek deal …`, `kopek cob run`: the operator's side of the loan back office
 * (docs/lending.md). Every change is audited as the CLI user.
 */
export function registerLendingDealCommands(program: Command): void {
  registerClientCommands(program);
  registerDealCommands(program);
  program
    .command('cob')
    .description('close of business of the lending engine')
    .command('run')
    .description('accrue interest and penalties for a business date, mark overdue loans, move statuses')
    .option('--date <date>', 'business date YYYY-MM-DD (default: yesterday, Moscow)')
    .action(async (o: { date?: string }) => {
      const date = o.date ?? yesterday();
      checkDate(date);
      await withCtx(async (ctx) => {
        const r = await runCob(
          ctx.pool,
          date,
          (p) => {
            process.stdout.write(
              `\rзакрытие дня ${p.date}: часть ${p.chunk}/${p.chunks}, займов ${p.deals}, проценты ${formatRoubles(p.interest)}, неустойка ${formatRoubles(p.penalty)}, ${(p.elapsedMs / 1000).toFixed(1)} с   `,
            );
          },
          COB_CHUNK,
          CLI_ACTOR,
        );
        out(
          `\nзакрытие дня ${date}: займов ${r.deals}, проценты ${formatRoubles(r.interest)} ₽, неустойка ${formatRoubles(r.penalty)} ₽, зачтено авансов ${r.advancesApplied}, смен статуса ${r.statusMoves}, ${(r.elapsedMs / 1000).toFixed(1)} с`,
        );
      });
    });
}

function registerClientCommands(program: Command): void {
  const client = program.command('client').description('borrowers of the lending engine');
  client
    .command('add')
    .description('add a client (or update the one with the same passport)')
    .requiredOption('--last-name <text>')
    .requiredOption('--first-name <text>')
    .option('--middle-name <text>')
    .requiredOption('--birth-date <date>', 'YYYY-MM-DD')
    .requiredOption('--phone <phone>')
    .requiredOption('--passport <series and number>')
    .option('--email <email>')
    .option('--inn <inn>')
    .option('--income <roubles>', 'monthly income')
    .action(
      async (o: {
        lastName: string;
        firstName: string;
        middleName?: string;
        birthDate: string;
        phone: string;
        passport: string;
        email?: string;
        inn?: string;
        income?: string;
      }) => {
        await withCtx(async (ctx) => {
          const { client: c, created } = await withTx(ctx.pool, (tx) =>
            upsertClient(
              tx,
              ctx.cipher,
              {
                lastName: o.lastName,
                firstName: o.firstName,
                middleName: o.middleName ?? null,
                birthDate: o.birthDate,
                phone: o.phone,
                passport: o.passport,
                email: o.email ?? null,
                inn: o.inn ?? null,
                monthlyIncome: o.income ? parseRoubles(o.income) : null,
              },
              CLI_ACTOR,
            ),
          );
          out(`${created ? 'клиент добавлен' : 'клиент обновлён'}\n${describeClient(c)}`);
        });
      },
    );
  client
    .command('show')
    .argument('<id>')
    .description('show a client')
    .action(async (id: string) => {
      await withCtx(async (ctx) => out(describeClient(await getClient(ctx.pool, ctx.cipher, parseId(id)))));
    });
  client
    .command('find')
    .requiredOption('--passport <series and number>')
    .description('find a client by passport')
    .action(async (o: { passport: string }) => {
      await withCtx(async (ctx) => {
        const c = await findClientByPassport(ctx.pool, ctx.cipher, o.passport);
        out(c ? describeClient(c) : 'клиент не найден');
        if (!c) process.exitCode = 1;
      });
    });
  client
    .command('restrict')
    .argument('<id>')
    .description('blacklist a client or ban applications until a date')
    .option('--blacklist', 'put on the blacklist')
    .option('--unblacklist', 'remove from the blacklist')
    .option('--ban-until <date>', 'no applications until this date (YYYY-MM-DD)')
    .option('--unban', 'lift the ban')
    .requiredOption('--reason <text>')
    .action(
      async (
        id: string,
        o: { blacklist?: boolean; unblacklist?: boolean; banUntil?: string; unban?: boolean; reason: string },
      ) => {
        await withCtx(async (ctx) => {
          const change: { blacklisted?: boolean; bannedUntil?: string | null } = {};
          if (o.blacklist) change.blacklisted = true;
          if (o.unblacklist) change.blacklisted = false;
          if (o.banUntil) change.bannedUntil = o.banUntil;
          if (o.unban) change.bannedUntil = null;
          await withTx(ctx.pool, (tx) => setClientRestrictions(tx, parseId(id), change, o.reason, CLI_ACTOR));
          out(describeClient(await getClient(ctx.pool, ctx.cipher, parseId(id))));
        });
      },
    );
}

function registerDealCommands(program: Command): void {
  const deal = program.command('deal').description('loan applications and deals');
  deal
    .command('apply')
    .description('take an application for a client; automatic scoring decides')
    .requiredOption('--client <id>')
    .option('--product <code>', 'credit product (default: the one for amount and term)')
    .requiredOption('--amount <roubles>')
    .requiredOption('--term <days>')
    .action(async (o: { client: string; product?: string; amount: string; term: string }) => {
      await withCtx(async (ctx) => {
        const r = await withTx(ctx.pool, (tx) => {
          const input = {
            clientId: parseId(o.client),
            amount: parseRoubles(o.amount),
            termDays: Number(o.term),
            source: 'cli',
            ...(o.product ? { product: o.product } : {}),
          };
          return createApplication(tx, ctx.cipher, input, CLI_ACTOR);
        });
        out(`заявка ${r.deal.number}: ${r.deal.status}`);
        for (const reason of r.scoring?.reasons ?? []) out(`  ${reason.code}: ${reason.text}`);
      });
    });
  deal
    .command('list')
    .description('list deals, newest first')
    .option('--status <status>')
    .option('--overdue', 'only loans past due (as of the last close of business)')
    .option('--limit <n>', 'how many', '50')
    .action(async (o: { status?: string; overdue?: boolean; limit: string }) => {
      if (o.status && !isDealStatus(o.status)) throw new Error(`неизвестный статус «${o.status}»`);
      await withCtx(async (ctx) => {
        const deals = await listDeals(ctx.pool, {
          ...(o.status && isDealStatus(o.status) ? { status: o.status } : {}),
          overdue: o.overdue === true,
          limit: Number(o.limit),
        });
        for (const d of deals)
          out(
            `${d.number}\t${d.status}\t${formatRoubles(d.amount)}\t${d.termDays} дн.\tклиент ${d.clientId}`,
          );
      });
    });
  deal
    .command('show')
    .argument('<number>')
    .description('a deal with its history and debt summary')
    .option('--date <date>', 'as of this business date')
    .action(async (number: string, o: { date?: string }) => {
      await withCtx(async (ctx) => {
        const d = await getDeal(ctx.pool, number);
        out(
          `${d.number}: ${d.status}, ${formatRoubles(d.amount)} ₽ на ${d.termDays} дн., ПСК ${d.pskPercent ?? '—'}%`,
        );
        for (const h of await dealHistory(ctx.pool, d.id))
          out(
            `  ${h.at.toISOString()} ${h.from ?? '—'} -> ${h.to} (${h.actor.type}:${h.actor.id}) ${h.reason ?? ''}`,
          );
        printDebt(await debtSummary(ctx.pool, d.id, o.date ?? todayMoscow()));
      });
    });
  deal
    .command('decide')
    .argument('<number>')
    .argument('<decision>', 'approve, preapprove, decline or review')
    .requiredOption('--reason <text>')
    .description('a staff decision on an application')
    .action(async (number: string, decision: string, o: { reason: string }) => {
      if (!['approve', 'preapprove', 'decline', 'review'].includes(decision))
        throw new Error('решение: approve, preapprove, decline или review');
      await onDeal(number, async (ctx, id) => {
        const d = await withTx(ctx.pool, (tx) =>
          decideDeal(tx, id, decision as ManualDecision, o.reason, CLI_ACTOR),
        );
        out(`${d.number}: ${d.status}`);
      });
    });
  deal
    .command('sign')
    .argument('<number>')
    .option('--proof <text>', 'what proves the signature', 'подписан оператором')
    .description('mark an approved deal signed')
    .action(async (number: string, o: { proof: string }) => {
      await onDeal(number, async (ctx, id) => {
        const d = await withTx(ctx.pool, (tx) => signDeal(tx, id, o.proof, CLI_ACTOR));
        out(`${d.number}: ${d.status}`);
      });
    });
  deal
    .command('cancel')
    .argument('<number>')
    .requiredOption('--reason <text>')
    .description("the client's refusal before issue")
    .action(async (number: string, o: { reason: string }) => {
      await onDeal(number, async (ctx, id) => {
        const d = await withTx(ctx.pool, (tx) => cancelDeal(tx, id, o.reason, CLI_ACTOR));
        out(`${d.number}: ${d.status}`);
      });
    });
  deal
    .command('status')
    .argument('<number>')
    .argument('<status>', 'the new status, as the document spells it')
    .requiredOption('--reason <text>')
    .description('move a deal to another status (collection, court, sale, write-off)')
    .action(async (number: string, status: string, o: { reason: string }) => {
      if (!isDealStatus(status)) throw new Error(`неизвестный статус «${status}»`);
      await onDeal(number, async (ctx, id) => {
        await withTx(ctx.pool, (tx) => moveDeal(tx, id, status, CLI_ACTOR, o.reason));
        out(`${number}: ${status}`);
      });
    });
  deal
    .command('issue')
    .argument('<number>')
    .description(
      'pay out a signed deal: to a card, by bank transfer (registry), or register an issue done elsewhere',
    )
    .option('--card <token>', 'card token: pay out through the card payout service')
    .option('--payout-url <url>', 'card payout service (default: a simulator on loopback for this command)')
    .option('--bank', 'by bank transfer: queue for the registry (with --bik and --account)')
    .option('--bik <bik>')
    .option('--account <account>')
    .option('--external <ref>', 'the money was paid out outside Kopek (fixingissue)')
    .option('--date <date>', 'issue date (default today)')
    .action(
      async (
        number: string,
        o: {
          card?: string;
          payoutUrl?: string;
          bank?: boolean;
          bik?: string;
          account?: string;
          external?: string;
          date?: string;
        },
      ) => {
        if (o.date) checkDate(o.date);
        await onDeal(number, async (ctx, id) => {
          let status: string;
          if (o.card) {
            const simulator = o.payoutUrl ? undefined : await startCardPayoutSimulator();
            if (simulator) out(`сервис выдачи на карту: симулятор ${simulator.url}`);
            try {
              const gateway = createHttpCardPayoutGateway({ baseUrl: o.payoutUrl ?? simulator!.url });
              status = (await issueToCard(ctx.pool, id, o.card, gateway, CLI_ACTOR, o.date)).status;
            } finally {
              await simulator?.close();
            }
          } else if (o.bank) {
            const details = { bik: o.bik ?? '', account: o.account ?? '' };
            await withTx(ctx.pool, (tx) => startPayout(tx, id, 'bank', details, CLI_ACTOR));
            status = 'Ожидает списания с р/с';
          } else if (o.external) {
            const args = { ref: o.external, ...(o.date ? { issueDate: o.date } : {}) };
            status = (await withTx(ctx.pool, (tx) => registerExternalIssue(tx, id, args, CLI_ACTOR))).status;
          } else throw new Error('укажите способ выдачи: --card, --bank или --external');
          out(`${number}: ${status}`);
        });
      },
    );
  deal
    .command('payouts-export')
    .description('export pending bank payouts as a registry (CSV) and mark them exported')
    .option('--out <file>', 'write to a file instead of stdout')
    .action(async (o: { out?: string }) => {
      await withCtx(async (ctx) => {
        const r = await withTx(ctx.pool, (tx) => exportBankRegistry(tx, CLI_ACTOR));
        if (o.out) {
          writeFileSync(o.out, r.csv);
          out(`реестр: ${r.count} выдач -> ${o.out}`);
        } else process.stdout.write(r.csv);
      });
    });
  deal
    .command('payout-confirm')
    .argument('<number>')
    .requiredOption('--ref <ref>', 'payment order or payout reference')
    .option('--date <date>', 'issue date (default today)')
    .description('the bank (or card service) paid: the loan is issued')
    .action(async (number: string, o: { ref: string; date?: string }) => {
      await onDeal(number, async (ctx, id) => {
        const d = await withTx(ctx.pool, (tx) =>
          completePayout(tx, id, o.ref, CLI_ACTOR, o.date ?? todayMoscow()),
        );
        out(`${d.number}: ${d.status}`);
      });
    });
  deal
    .command('payout-fail')
    .argument('<number>')
    .requiredOption('--error <text>')
    .description('the payout failed: back to signed')
    .action(async (number: string, o: { error: string }) => {
      await onDeal(number, async (ctx, id) => {
        const d = await withTx(ctx.pool, (tx) => failPayout(tx, id, o.error, CLI_ACTOR));
        out(`${d.number}: ${d.status}`);
      });
    });
  deal
    .command('pay')
    .argument('<number>')
    .argument('<amount>', 'roubles')
    .description('register a repayment')
    .option('--service <name>', 'payment service', 'cash')
    .option('--txn <id>', 'transaction id at the service (default: generated)')
    .option('--date <date>', 'payment date (default today)')
    .option('--early', 'repay later instalments early with what remains')
    .option(
      '--early-mode <mode>',
      'after a partial early repayment: reduce_payment (same term, default) or shorten_term',
    )
    .action(
      async (
        number: string,
        amount: string,
        o: { service: string; txn?: string; date?: string; early?: boolean; earlyMode?: string },
      ) => {
        if (o.date) checkDate(o.date);
        if (o.earlyMode !== undefined && o.earlyMode !== 'reduce_payment' && o.earlyMode !== 'shorten_term')
          throw new Error('--early-mode: reduce_payment или shorten_term');
        await onDeal(number, async (ctx, id) => {
          const r = await withTx(ctx.pool, (tx) =>
            repay(
              tx,
              {
                deal: id,
                amount: parseRoubles(amount, { allowZero: false }),
                service: o.service,
                txnId: o.txn ?? `cli-${Date.now()}`,
                early: o.early ?? false,
                ...(o.earlyMode ? { earlyMode: o.earlyMode as EarlyRepaymentMode } : {}),
                ...(o.date ? { date: o.date } : {}),
              },
              CLI_ACTOR,
            ),
          );
          const a = r.payment.allocation;
          out(`${r.payment.number}${r.replayed ? ' (повтор)' : ''}: ${formatRoubles(r.payment.amount)} ₽`);
          out(
            `  просроч. проценты ${m(a.overdueInterest)}, просроч. ОД ${m(a.overduePrincipal)}, неустойка ${m(a.penalty)}, ` +
              `проценты ${m(a.currentInterest)}, ОД ${m(a.currentPrincipal)}, досрочно ОД ${m(a.earlyPrincipal)}, на счёт ${m(a.toAdvance)}`,
          );
          out(`  статус: ${(await getDeal(ctx.pool, id)).status}`);
        });
      },
    );
  deal
    .command('reverse')
    .argument('<payment>', 'payment number (ПКО…)')
    .requiredOption('--reason <text>')
    .option('--date <date>', 'reversal date: a reopened loan is accrued to it (default today)')
    .description('reverse a payment')
    .action(async (payment: string, o: { reason: string; date?: string }) => {
      if (o.date) checkDate(o.date);
      await withCtx(async (ctx) => {
        const p = await withTx(ctx.pool, (tx) =>
          reversePayment(tx, payment, o.reason, CLI_ACTOR, o.date ?? todayMoscow()),
        );
        out(`${p.number}: сторнирован`);
      });
    });
  deal
    .command('charge')
    .argument('<number>')
    .requiredOption('--kind <kind>', 'duty (госпошлина, court costs) or other (fees under the contract)')
    .requiredOption('--amount <roubles>')
    .requiredOption('--reason <text>')
    .option('--key <key>', 'idempotency key: a repeat with it changes nothing')
    .option('--date <date>', 'charge date (default today)')
    .description('charge duty or another fee on an issued loan')
    .action(
      async (
        number: string,
        o: { kind: string; amount: string; reason: string; key?: string; date?: string },
      ) => {
        if (o.date) checkDate(o.date);
        if (o.kind !== 'duty' && o.kind !== 'other') throw new Error('--kind: duty или other');
        const kind = o.kind;
        await onDeal(number, async (ctx, id) => {
          const r = await withTx(ctx.pool, (tx) =>
            chargeDeal(
              tx,
              {
                deal: id,
                kind,
                amount: parseRoubles(o.amount, { allowZero: false }),
                reason: o.reason,
                ...(o.key ? { key: o.key } : {}),
                ...(o.date ? { date: o.date } : {}),
              },
              CLI_ACTOR,
            ),
          );
          out(
            `${number}: ${kind === 'duty' ? 'пошлина' : 'прочее'} ${m(r.charge.amount)} ₽${r.replayed ? ' (повтор)' : ''}`,
          );
        });
      },
    );
  deal
    .command('refund')
    .argument('<number>')
    .requiredOption('--reason <text>')
    .option('--card <token>', 'refund to a card through the card payout service')
    .option('--payout-url <url>', 'card payout service (default: a simulator on loopback for this command)')
    .option('--bank', 'by bank transfer: queue for the registry (with --bik and --account)')
    .option('--bik <bik>')
    .option('--account <account>')
    .description('refund what is left on the client account of a paid-off loan')
    .action(
      async (
        number: string,
        o: {
          reason: string;
          card?: string;
          payoutUrl?: string;
          bank?: boolean;
          bik?: string;
          account?: string;
        },
      ) => {
        await onDeal(number, async (ctx, id) => {
          let r: Refund;
          if (o.card) {
            const simulator = o.payoutUrl ? undefined : await startCardPayoutSimulator();
            try {
              const gateway = createHttpCardPayoutGateway({ baseUrl: o.payoutUrl ?? simulator!.url });
              r = await refundToCard(ctx.pool, id, o.card, gateway, o.reason, CLI_ACTOR);
            } finally {
              await simulator?.close();
            }
          } else if (o.bank) {
            const details = { bik: o.bik ?? '', account: o.account ?? '' };
            r = await withTx(ctx.pool, (tx) => startRefund(tx, id, 'bank', details, o.reason, CLI_ACTOR));
          } else throw new Error('укажите способ возврата: --card или --bank');
          out(`${number}: возврат ${r.id} на ${m(r.amount)} ₽, ${r.status}${r.error ? ` (${r.error})` : ''}`);
        });
      },
    );
  deal
    .command('refund-confirm')
    .argument('<refund>', 'refund id')
    .requiredOption('--ref <ref>', 'payment order reference')
    .description('the bank paid a refund out')
    .action(async (refund: string, o: { ref: string }) => {
      await withCtx(async (ctx) => {
        const r = await withTx(ctx.pool, (tx) => completeRefund(tx, parseId(refund), o.ref, CLI_ACTOR));
        out(`возврат ${r.id}: ${r.status}`);
      });
    });
  deal
    .command('refund-fail')
    .argument('<refund>', 'refund id')
    .requiredOption('--error <text>')
    .description('a refund failed: the money is back on the client account')
    .action(async (refund: string, o: { error: string }) => {
      await withCtx(async (ctx) => {
        const r = await withTx(ctx.pool, (tx) => failRefund(tx, parseId(refund), o.error, CLI_ACTOR));
        out(`возврат ${r.id}: ${r.status}`);
      });
    });
  deal
    .command('schedules')
    .argument('<number>')
    .description('every schedule the deal has had (versions) with its ПСК')
    .action(async (number: string) => {
      await onDeal(number, async (ctx, id) => {
        const versions = await listScheduleVersions(ctx.pool, id);
        if (versions.length === 0) out('график не менялся');
        for (const v of versions) {
          out(`версия ${v.version} от ${v.date} (${v.reason}): ПСК ${v.pskPercent}%, ${m(v.pskAmount)} ₽`);
          for (const l of v.lines)
            out(
              `  ${l.n}. ${l.dueDate}: ОД ${m(l.principal)}, проценты ${m(l.interest)}, всего ${m(l.total)}`,
            );
        }
      });
    });
  deal
    .command('debt')
    .argument('<number>')
    .option('--date <date>', 'as of this business date')
    .description('debt summary (the figures of PS/deal)')
    .action(async (number: string, o: { date?: string }) => {
      if (o.date) checkDate(o.date);
      await withCtx(async (ctx) => printDebt(await debtSummary(ctx.pool, number, o.date ?? todayMoscow())));
    });
}

function printDebt(s: Awaited<ReturnType<typeof debtSummary>>): void {
  out(`задолженность на ${s.asOf}: ${m(s.totalDebt)} ₽`);
  out(
    `  ОД ${m(s.principalLeft)}, проценты ${m(s.interest)}, неустойка ${m(s.penalties)}, пошлина ${m(s.duty)}, прочее ${m(s.other)}, на счёте ${m(s.accountBalance)}`,
  );
  out(`  текущий платёж ${m(s.currentDue)} (ОД ${m(s.currentPrincipal)}, проценты ${m(s.currentInterest)})`);
  out(
    `  просрочено ${m(s.overdueDue)} (ОД ${m(s.overduePrincipal)}, проценты ${m(s.overdueInterest)}), дней ${s.daysPastDue}`,
  );
  for (const l of s.schedule)
    out(
      `  ${l.n}. ${l.dueDate}: ${m(l.total)} (ОД ${m(l.principal)}, проценты ${m(l.interest)}), остаток ${m(l.principalAfter)}`,
    );
  for (const p of s.payments) out(`  оплата ${p.number} ${p.date}: ${m(p.amount)}`);
}

function m(k: Kopecks): string {
  return formatRoubles(k);
}

function describeClient(c: Client): string {
  return [
    `клиент ${c.id}: ${c.fullName}, ${c.birthDate}, тел. ${c.phone}`,
    `  паспорт ${c.passport}${c.inn ? `, ИНН ${c.inn}` : ''}`,
    `  доход ${c.monthlyIncome === null ? '—' : formatRoubles(c.monthlyIncome)}, чёрный список: ${c.blacklisted ? 'да' : 'нет'}, запрет до: ${c.bannedUntil ?? '—'}`,
  ].join('\n');
}

function checkDate(date: string): void {
  if (!isBusinessDate(date)) throw new Error(`дата должна быть в формате ГГГГ-ММ-ДД: ${date}`);
}

function yesterday(): string {
  const d = new Date(`${todayMoscow()}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
}

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function withCtx(work: (ctx: AppContext) => Promise<void>): Promise<void> {
  const runtime = await openRuntime(commandConfig());
  try {
    await work(runtime.ctx);
  } finally {
    await runtime.close();
  }
}

async function onDeal(number: string, work: (ctx: AppContext, id: bigint) => Promise<void>): Promise<void> {
  await withCtx(async (ctx) => work(ctx, (await getDeal(ctx.pool, number)).id));
}
