/**
 * `botledger run`: every active bot, driven by the BotRuntime on the paper exchange for N price
 * steps. A step moves the paper price feed one tick (through the venue's control surface, as the
 * market would), delivers what the venue pushed, then runs the runtime's round (plugin ticks,
 * retries, reconciliation) and waits until everything is committed. Ctrl-C stops after the current
 * step; the summary is printed either way.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type Command, Option } from 'commander';
import type { Order } from '../domain/order/order.ts';
import { mul, sub, sum } from '../domain/money.ts';
import type { BotRuntime } from '../engine/runtime.ts';
import type { PaperExchange } from '../exchange/paper/index.ts';
import type { BotledgerDatabase } from '../storage/database.ts';
import { listBots } from '../storage/repositories/bots.ts';
import { listEvents } from '../storage/repositories/events.ts';
import { countOrdersByStatus, listOrders } from '../storage/repositories/orders.ts';
import { dbArgument } from './database-access.ts';
import { type LedgerFlags, settleVenue, withLedger } from './ledger-context.ts';
import { formatEvents, printJson, table, wholeNumber } from './ledger-output.ts';

/** Price steps of `botledger run` when --ticks is not given. */
export const DEFAULT_RUN_TICKS = 200;
/** Events shown after a run. */
export const RUN_SUMMARY_EVENTS = 10;
/**
 * Pending orders are reconciled every this many steps, not every step: with the stream connected
 * the venue's events already say what happened, and each reconciliation of an unchanged order
 * appends a "changed nothing" entry to the event log (BotRuntime.step reconciles every step, which
 * would write one such entry per resting order per step). A reconnect still reconciles at once.
 */
export const RECONCILE_EVERY_STEPS = 50;
/** Orders changed more recently than this are not reconciled yet (their answer may be on its way). */
export const RECONCILE_MIN_AGE_MS = 2_000;

interface RunFlags extends LedgerFlags {
  ticks: number;
  seed?: number;
  tickMs: number;
}

/** What one bot did, as the summary shows it. */
export interface BotSummary {
  readonly id: string;
  readonly symbol: string;
  readonly status: string;
  readonly orders: Record<string, number>;
  readonly fills: number;
  /** Closed entry/exit pairs: positions opened and closed again. */
  readonly roundTrips: number;
  /** Quote currency, before fees: sells minus buys of the closed orders. */
  readonly realizedPnl: string;
}

async function allOrdersOf(database: BotledgerDatabase, botId: string): Promise<Order[]> {
  const orders: Order[] = [];
  let cursor: string | null | undefined;
  do {
    const page = await listOrders(database.db, { botId, status: 'closed' }, { limit: 1000, cursor });
    orders.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return orders;
}

/**
 * The per-bot summary: orders by status, fills, and round trips with their realized result.
 * A closed buy is an entry whose position was closed again; each closed sell closed one.
 *
 * @example
 * const summary = await summarizeBot(database, 'scalp1');
 */
export async function summarizeBot(database: BotledgerDatabase, botId: string): Promise<Omit<BotSummary, 'symbol' | 'status'>> {
  const orders = await countOrdersByStatus(database.db, { botId });
  const fillRow = await database.db
    .selectFrom('fills')
    .innerJoin('orders', 'orders.id', 'fills.order_id')
    .select(database.db.fn.countAll().as('count'))
    .where('orders.bot_id', '=', botId)
    .executeTakeFirst();
  const closed = (await allOrdersOf(database, botId)).filter((o) => o.averagePrice !== null);
  const value = (list: Order[]) => sum(list.map((o) => mul(o.filledAmount, o.averagePrice as string)));
  const buys = closed.filter((o) => o.side === 'buy');
  const sells = closed.filter((o) => o.side === 'sell');
  return {
    id: botId,
    orders,
    fills: Number(fillRow?.count ?? 0),
    roundTrips: Math.min(buys.length, sells.length),
    realizedPnl: sells.length === 0 && buys.length === 0 ? '0' : sub(value(sells), value(buys)),
  };
}

/**
 * One round, as BotRuntime.step but reconciling only every {@link RECONCILE_EVERY_STEPS} steps:
 * a fresh price for every active bot's symbol and its plugin's tick, then the retry loop.
 */
async function step(rt: BotRuntime, venue: PaperExchange, number: number): Promise<void> {
  const active = (await listBots(rt.execution.ledger.database.db, { status: 'active' }, { limit: 1000, direction: 'asc' })).items;
  for (const symbol of new Set(active.map((b) => b.symbol))) rt.bots.setTicker(await venue.fetchTicker(symbol));
  for (const bot of active) await rt.bots.tick(bot.id);
  await rt.retries.runDue();
  if (number % RECONCILE_EVERY_STEPS === 0) await rt.reconciler.reconcilePending({ minAgeMs: RECONCILE_MIN_AGE_MS });
  await rt.settle();
}

async function run(flags: RunFlags): Promise<void> {
  await withLedger(flags, { venue: { seed: flags.seed } }, async ({ database, runtime, paper }) => {
    const rt = runtime as BotRuntime;
    const venue = paper as PaperExchange;
    const active = (await listBots(database.db, { status: 'active' }, { limit: 1000, direction: 'asc' })).items;
    if (active.length === 0) {
      const hint = `create one with: botledger bots create --plugin scalper --symbol BTC/USDT --config '{"amount":"0.01","entryPrice":"59900","takeProfitPrice":"60100"}'${dbArgument(flags.db)}`;
      if (flags.json) printJson({ ticks: 0, bots: [], message: `no active bots; ${hint}` });
      else process.stdout.write(`no active bots: nothing to run.\n${hint}\n`);
      return;
    }
    let interrupted = false;
    const onSigint = () => {
      interrupted = true;
      process.stderr.write('stopping after the current step ...\n');
    };
    process.on('SIGINT', onSigint);
    const symbols = [...new Set(active.map((b) => b.symbol))];
    const progress = !flags.json && process.stderr.isTTY;
    let done = 0;
    try {
      if (!flags.json) process.stderr.write(`running ${active.length} bot(s) on ${symbols.join(', ')} for ${flags.ticks} steps (paper seed ${venue.seed}) ...\n`);
      if (flags.seed !== undefined && String(flags.seed) !== venue.seed)
        process.stderr.write(`note: --seed ${flags.seed} ignored: the paper exchange's file already exists and keeps its seed ${venue.seed}\n`);
      await settleVenue(rt, venue);
      while (done < flags.ticks && !interrupted) {
        for (const symbol of symbols) venue.control.tick(1, symbol);
        await settleVenue(rt, venue);
        await step(rt, venue, done + 1);
        await settleVenue(rt, venue);
        done += 1;
        if (progress && done % 25 === 0) process.stderr.write(`  step ${done}/${flags.ticks}\n`);
        if (flags.tickMs > 0 && done < flags.ticks && !interrupted) await sleep(flags.tickMs);
      }
    } finally {
      process.off('SIGINT', onSigint);
    }
    const bots: BotSummary[] = [];
    const after = (await listBots(database.db, {}, { limit: 1000, direction: 'asc' })).items;
    for (const bot of active) {
      const now = after.find((b) => b.id === bot.id);
      bots.push({ ...(await summarizeBot(database, bot.id)), symbol: bot.symbol, status: now?.status ?? bot.status } as BotSummary);
    }
    const prices = Object.fromEntries(symbols.map((s) => [s, venue.control.ticker(s).last]));
    const events = [...(await listEvents(database.db, { applied: true }, { limit: RUN_SUMMARY_EVENTS })).items].reverse();
    const errors = rt.errors.map((e) => (e as Error)?.message ?? String(e));
    // A plugin reaction that threw is a failure of the run, even though the runtime carried on.
    if (errors.length > 0) process.exitCode = 1;
    if (flags.json) {
      printJson({ ticks: done, requested: flags.ticks, interrupted, seed: venue.seed, prices, bots, events, errors });
      return;
    }
    const out = [
      `${interrupted ? 'interrupted after' : 'ran'} ${done} of ${flags.ticks} steps (paper seed ${venue.seed}); last prices: ${Object.entries(prices)
        .map(([s, p]) => `${s} ${p}`)
        .join(', ')}`,
      '',
      table(
        ['bot', 'symbol', 'status', 'pending', 'ongoing', 'closed', 'failed', 'cancelled', 'fills', 'round trips', 'realized pnl'],
        bots.map((b) => [
          b.id,
          b.symbol,
          b.status,
          ...['pending', 'ongoing', 'closed', 'failed', 'cancelled'].map((s) => String(b.orders[s] ?? 0)),
          String(b.fills),
          String(b.roundTrips),
          b.realizedPnl,
        ]),
      ),
      '',
      'last events (applied):',
      formatEvents(events),
    ];
    for (const error of errors) out.push(`ERROR in a plugin reaction: ${error}`);
    process.stdout.write(`${out.join('\n')}\n`);
  });
}

/**
 * Adds `run`.
 *
 * @example
 * registerRunCommand(program);
 * await program.parseAsync(['node', 'botledger', 'run', '--ticks', '300', '--seed', '7']);
 */
export function registerRunCommand(program: Command): Command {
  return program
    .command('run')
    .description('run every active bot on the paper exchange for N price steps, then summarize')
    .addOption(new Option('--db <url>', 'database URL: sqlite:<file> or postgres://... (default: $BOTLEDGER_DB, else sqlite:data/botledger.db)'))
    .addOption(new Option('--ticks <n>', 'price steps to run').default(DEFAULT_RUN_TICKS).argParser(wholeNumber('--ticks', 1)))
    .addOption(new Option('--seed <n>', 'paper price feed seed (only when the venue file is new)').argParser(wholeNumber('--seed', 0)))
    .addOption(new Option('--tick-ms <ms>', 'pause between steps (0: as fast as possible)').default(0).argParser(wholeNumber('--tick-ms', 0)))
    .addOption(new Option('--migrate', 'apply pending core migrations first (with a backup)'))
    .addOption(new Option('--json', 'print one JSON document on stdout'))
    .action(run);
}
