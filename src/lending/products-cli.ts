import { readFileSync } from 'node:fs';
import { type Command, Option } from 'commander';
import { commandConfig } from '../cli/config.ts';
import { CLI_ACTOR } from '../platform/audit.ts';
import type { Pool } from '../platform/db/pool.ts';
import { withTx } from '../platform/db/tx.ts';
import { formatRoublesRu, type Kopecks, MoneyError, parseRoubles } from '../platform/money.ts';
import { openRuntime } from '../platform/runtime.ts';
import { capsOn, checkDealTerms } from './caps.ts';
import { isIsoDate, todayMoscow } from './dates.ts';
import { listAveragePsk, listCapRules, loadAveragePsk, parseAveragesCsv } from './products/averages.ts';
import {
  createProduct,
  getProduct,
  listProducts,
  type ProductInput,
  updateProduct,
} from './products/repository.ts';
import { buildSchedule } from './schedule.ts';
import type { InstalmentPeriod, Product, ScheduleKind } from './types.ts';

/** `kopek product …` and `kopek caps …`: credit products and the legal caps (docs/lending-math.md). */
export function registerLendingProductCommands(program: Command): void {
  const product = program.command('product').description('credit products of the lending engine');
  productOptions(
    product
      .command('create')
      .description('create a credit product (refused if it breaks the caps in force today)'),
    true,
  ).action(async (o: ProductOptions) => {
    const input = toInput(o, true) as ProductInput;
    await withRuntime(async (pool) => {
      const p = await withTx(pool, (tx) => createProduct(tx, input, CLI_ACTOR));
      out(`продукт создан\n${describeProduct(p)}`);
    });
  });
  productOptions(
    product.command('update').argument('<code>', 'product code').description('change a credit product'),
    false,
  )
    .addOption(new Option('--active', 'offer the product again'))
    .action(async (code: string, o: ProductOptions) => {
      const patch = toInput(o, false);
      await withRuntime(async (pool) => {
        const p = await withTx(pool, (tx) => updateProduct(tx, code, patch, CLI_ACTOR));
        out(`продукт изменён\n${describeProduct(p)}`);
      });
    });
  product
    .command('list')
    .description('list credit products')
    .option('--active', 'only products on offer')
    .option('--json', 'print as JSON')
    .action(async (o: { active?: boolean; json?: boolean }) => {
      await withRuntime(async (pool) => {
        const products = await listProducts(pool, { activeOnly: o.active === true });
        if (o.json)
          return out(
            JSON.stringify(products, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v), 2),
          );
        if (products.length === 0) return out('продуктов нет');
        for (const p of products)
          out(
            `${p.code.padEnd(10)} ${p.active ? 'выдаётся ' : 'отключён '} ${p.kind.padEnd(7)} ${formatRoublesRu(p.minAmount)} – ${formatRoublesRu(p.maxAmount)}, ${p.minTermDays}–${p.maxTermDays} дн., ${p.dailyRate}% в день  ${p.name}`,
          );
      });
    });
  product
    .command('show')
    .argument('<code>', 'product code')
    .description('show a product and an example schedule with its ПСК')
    .option('--amount <roubles>', 'example amount (default: the largest)')
    .option('--term <days>', 'example term (default: the longest)')
    .option('--date <YYYY-MM-DD>', 'example issue date (default: today, Moscow)')
    .action(async (code: string, o: { amount?: string; term?: string; date?: string }) => {
      await withRuntime(async (pool) => {
        const p = await getProduct(pool, code);
        const amount = o.amount === undefined ? p.maxAmount : roubles('--amount', o.amount);
        const termDays = o.term === undefined ? p.maxTermDays : days('--term', o.term);
        const startDate = date(o.date);
        const schedule = buildSchedule({
          kind: p.kind,
          period: p.period,
          amount,
          termDays,
          dailyRate: p.dailyRate,
          startDate,
        });
        out(describeProduct(p));
        out(`\nпример: ${formatRoublesRu(amount)} на ${termDays} дн. с ${startDate}`);
        for (const l of schedule)
          out(
            `  ${String(l.n).padStart(2)}  ${l.dueDate}  долг ${formatRoublesRu(l.principal)}  проценты ${formatRoublesRu(l.interest)}  всего ${formatRoublesRu(l.total)}`,
          );
        try {
          const cost = await checkDealTerms(pool, { product: p, amount, termDays, startDate, schedule });
          out(`  ПСК ${cost.percent}% годовых, ${formatRoublesRu(cost.amount)}; ограничения соблюдены`);
        } catch (error) {
          out(`  ограничения нарушены: ${(error as Error).message}`);
          process.exitCode = 1;
        }
      });
    });

  const caps = program
    .command('caps')
    .description('legal caps on loans (353-FZ) and the Bank of Russia average ПСК');
  caps
    .command('list')
    .description('the caps in force on a date, every rule with its effective date, and the averages loaded')
    .option('--date <YYYY-MM-DD>', 'date of signing (default: today, Moscow)')
    .action(async (o: { date?: string }) => {
      await withRuntime(async (pool) => {
        const on = date(o.date);
        const c = await capsOn(pool, on);
        out(`ограничения для договоров, заключённых ${on} (правила с ${c.effectiveFrom}):`);
        out(`  ставка не более ${c.maxDailyRate}% в день`);
        out(`  ПСК не более ${c.maxPskPercent}% годовых и не более среднерыночной ПСК категории + 1/3`);
        out(`  проценты, неустойка и платежи — не более ${c.overpaymentCapPercent}% суммы займа`);
        out(
          `  неустойка: ${c.penaltyMaxYearPercent}% годовых, пока начисляются проценты; ${c.penaltyAfterDailyPercent}% в день после`,
        );
        out(
          c.maxHighPskLoans === null
            ? '  ограничения числа займов с высокой ПСК нет'
            : `  не более ${c.maxHighPskLoans} непогашенных займов с ПСК выше ${c.highPskThreshold}% годовых`,
        );
        if (c.highPskCoolingDays)
          out(
            `  новый займ с ПСК выше ${c.highPskThreshold}% — не ранее ${c.highPskCoolingDays} дней после погашения прежнего`,
          );
        out('\nправила:');
        for (const r of await listCapRules(pool))
          out(`  ${r.effectiveFrom}  ${r.rule.padEnd(21)} ${r.value.padStart(5)}  ${r.law}`);
        const averages = await listAveragePsk(pool);
        out(
          averages.length === 0 ? '\nсреднерыночные ПСК не загружены' : '\nсреднерыночные ПСК Банка России:',
        );
        for (const a of averages) out(`  ${a.quarterStart}  ${a.category.padEnd(32)} ${a.averagePercent}%`);
      });
    });
  caps
    .command('load-averages')
    .argument('<file.csv>', 'CSV: category,quarter,average_psk (quarter as 2026-Q4)')
    .description("load the Bank of Russia's quarterly average ПСК per category")
    .action(async (file: string) => {
      const rows = parseAveragesCsv(readFileSync(file, 'utf8'));
      await withRuntime(async (pool) => {
        const n = await withTx(pool, (tx) => loadAveragePsk(tx, rows, CLI_ACTOR));
        out(`загружено значений: ${n}`);
      });
    });
}

interface ProductOptions {
  code?: string;
  name?: string;
  kind?: string;
  period?: string;
  minAmount?: string;
  maxAmount?: string;
  minTerm?: string;
  maxTerm?: string;
  dailyRate?: string;
  penaltyRate?: string;
  maxNew?: string;
  maxRepeat?: string;
  pskCategory?: string;
  inactive?: boolean;
  active?: boolean;
  interestAfterTerm?: string;
}

function productOptions(command: Command, create: boolean): Command {
  const opt = (flags: string, description: string) => {
    const o = new Option(flags, description);
    return create && !flags.startsWith('--period') ? o.makeOptionMandatory() : o;
  };
  if (create) command.addOption(opt('--code <code>', 'product code: A-Z, 0-9, _'));
  return command
    .addOption(opt('--name <name>', 'name shown to clients'))
    .addOption(
      opt('--kind <kind>', 'schedule: single, annuity or bnpl3').choices(['single', 'annuity', 'bnpl3']),
    )
    .addOption(
      opt('--period <period>', 'annuity instalments: week, fortnight or month').choices([
        'week',
        'fortnight',
        'month',
      ]),
    )
    .addOption(opt('--min-amount <roubles>', 'smallest amount, roubles'))
    .addOption(opt('--max-amount <roubles>', 'largest amount, roubles'))
    .addOption(opt('--min-term <days>', 'shortest term, days'))
    .addOption(opt('--max-term <days>', 'longest term, days'))
    .addOption(opt('--daily-rate <percent>', 'interest, percent a day (0.8)'))
    .addOption(opt('--penalty-rate <percent>', 'penalty while interest accrues, percent a year (20)'))
    .addOption(opt('--max-new <roubles>', 'largest first loan, roubles'))
    .addOption(opt('--max-repeat <roubles>', 'largest loan to a repeat client, roubles'))
    .addOption(opt('--psk-category <category>', 'Bank of Russia category of the average ПСК'))
    .addOption(
      new Option(
        '--interest-after-term <yes|no>',
        'whether interest accrues after the last due date (no: 0.1 % a day penalty then; default yes)',
      ).choices(['yes', 'no']),
    )
    .addOption(new Option('--inactive', 'not offered'));
}

function toInput(o: ProductOptions, create: boolean): Partial<ProductInput> {
  const input: Partial<ProductInput> = {};
  if (o.code !== undefined) input.code = o.code;
  if (o.name !== undefined) input.name = o.name;
  if (o.kind !== undefined) input.kind = o.kind as ScheduleKind;
  if (o.period !== undefined) input.period = o.period as InstalmentPeriod;
  else if (create || (o.kind !== undefined && o.kind !== 'annuity')) input.period = null;
  if (o.minAmount !== undefined) input.minAmount = roubles('--min-amount', o.minAmount);
  if (o.maxAmount !== undefined) input.maxAmount = roubles('--max-amount', o.maxAmount);
  if (o.minTerm !== undefined) input.minTermDays = days('--min-term', o.minTerm);
  if (o.maxTerm !== undefined) input.maxTermDays = days('--max-term', o.maxTerm);
  if (o.dailyRate !== undefined) input.dailyRate = o.dailyRate;
  if (o.penaltyRate !== undefined) input.penaltyRateYear = o.penaltyRate;
  if (o.maxNew !== undefined) input.maxAmountNew = roubles('--max-new', o.maxNew);
  if (o.maxRepeat !== undefined) input.maxAmountRepeat = roubles('--max-repeat', o.maxRepeat);
  if (o.pskCategory !== undefined) input.pskCategory = o.pskCategory;
  if (o.interestAfterTerm !== undefined) input.interestAfterTerm = o.interestAfterTerm === 'yes';
  if (o.inactive && o.active) throw new Error('--active и --inactive вместе не задаются');
  if (o.inactive) input.active = false;
  else if (o.active || create) input.active = true;
  return input;
}

function roubles(option: string, text: string): Kopecks {
  try {
    return parseRoubles(text, { allowZero: false });
  } catch (error) {
    if (error instanceof MoneyError) throw new Error(`${option}: ${error.message}`);
    throw error;
  }
}

function days(option: string, text: string): number {
  if (!/^\d{1,4}$/.test(text)) throw new Error(`${option}: целое число дней, получено «${text}»`);
  return Number(text);
}

function date(text: string | undefined): string {
  if (text === undefined) return todayMoscow();
  if (!isIsoDate(text)) throw new Error(`--date: дата вида 2026-11-23, получено «${text}»`);
  return text;
}

export function describeProduct(p: Product): string {
  const schedule =
    p.kind === 'single'
      ? 'одним платежом в конце срока'
      : p.kind === 'bnpl3'
        ? 'три платежа по формуле Moneywall'
        : `равными платежами (${{ week: 'еженедельно', fortnight: 'раз в две недели', month: 'ежемесячно' }[p.period ?? 'month']})`;
  return [
    `${p.code} — ${p.name} (${p.active ? 'выдаётся' : 'отключён'})`,
    `  график: ${schedule}`,
    `  сумма: ${formatRoublesRu(p.minAmount)} – ${formatRoublesRu(p.maxAmount)}; новому клиенту до ${formatRoublesRu(p.maxAmountNew)}, повторному до ${formatRoublesRu(p.maxAmountRepeat)}`,
    `  срок: ${p.minTermDays}–${p.maxTermDays} дн.`,
    `  ставка: ${p.dailyRate}% в день; неустойка ${p.penaltyRateYear}% годовых${p.interestAfterTerm === false ? '; после срока проценты не начисляются (неустойка 0,1% в день)' : ''}`,
    `  категория ПСК: ${p.pskCategory}`,
  ].join('\n');
}

async function withRuntime(work: (pool: Pool) => Promise<void>): Promise<void> {
  const runtime = await openRuntime(commandConfig());
  try {
    await work(runtime.ctx.pool);
  } finally {
    await runtime.close();
  }
}

function out(text: string): void {
  process.stdout.write(`${text}\n`);
}
