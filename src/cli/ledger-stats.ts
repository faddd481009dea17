/**
 * `botledger trades` and `botledger stats`: flags in, one app function (src/app/stats.ts), a table
 * or JSON out. Both only read, so they work while `botledger run` holds the venue.
 */
import { type Command, Option } from 'commander';
import { getAllPluginStatistics, getPluginStatistics, getTradesByPlugin, type PluginStats } from '../app/stats.ts';
import { Decimal } from '../domain/money.ts';
import type { Trade } from '../domain/position/trade.ts';
import { type LedgerFlags, withLedger } from './ledger-context.ts';
import { printJson, shortTime, table, wholeNumber } from './ledger-output.ts';

interface TradesFlags extends LedgerFlags {
  plugin?: string;
  days?: number;
  limit?: number;
  cursor?: string;
}

const dash = (value: string | null): string => value ?? '-';

/** A fraction ("0.532467532467532468") as a percentage with two places ("53.25%"). */
const percent = (fraction: string | null): string =>
  fraction === null ? '-' : `${new Decimal(fraction).times(100).toDecimalPlaces(2, Decimal.ROUND_HALF_EVEN).toFixed(2)}%`;

export function formatTrades(trades: readonly Trade[]): string {
  return table(
    ['closed', 'plugin', 'symbol', 'side', 'amount', 'entry', 'exit', 'pnl', 'fees', 'exit reason'],
    trades.map((t) => [
      shortTime(t.closedAt),
      t.pluginId,
      t.symbol,
      t.side,
      t.amount,
      t.entryPrice,
      t.exitPrice,
      t.pnl,
      t.fees,
      dash(t.exitReason),
    ]),
  );
}

export function formatStats(stats: readonly PluginStats[]): string {
  return table(
    ['plugin', 'trades', 'wins', 'losses', 'even', 'win rate', 'total pnl', 'avg pnl', 'best', 'worst', 'profit factor', 'max drawdown'],
    stats.map((s) => [
      s.pluginId,
      String(s.total),
      String(s.wins),
      String(s.losses),
      String(s.breakeven),
      percent(s.winRate),
      s.totalPnl,
      dash(s.avgPnl),
      dash(s.bestPnl),
      dash(s.worstPnl),
      // No loss: the factor is unbounded; say so rather than print a number.
      s.profitFactor ?? (s.wins > 0 ? 'no loss' : '-'),
      s.maxDrawdown,
    ]),
  );
}

async function trades(flags: TradesFlags): Promise<void> {
  await withLedger(flags, {}, async (ledger) => {
    const page = await getTradesByPlugin(ledger, { pluginId: flags.plugin, days: flags.days, limit: flags.limit, cursor: flags.cursor });
    if (flags.json) {
      printJson({ trades: page.items, nextCursor: page.nextCursor });
      return;
    }
    if (page.items.length === 0) {
      process.stdout.write('no trades match\n');
      return;
    }
    process.stdout.write(`${formatTrades(page.items)}\n`);
    if (page.nextCursor) process.stdout.write(`more: --cursor ${page.nextCursor}\n`);
  });
}

async function stats(flags: LedgerFlags & { plugin?: string }): Promise<void> {
  await withLedger(flags, {}, async (ledger) => {
    if (flags.plugin !== undefined) {
      const one = await getPluginStatistics(ledger, flags.plugin);
      if (flags.json) printJson({ statistics: one });
      else process.stdout.write(`${formatStats([one])}\n`);
      return;
    }
    const all = await getAllPluginStatistics(ledger);
    if (flags.json) printJson({ statistics: all });
    else process.stdout.write(all.length === 0 ? 'no trades yet\n' : `${formatStats(all)}\n`);
  });
}

const common = (command: Command): Command =>
  command
    .addOption(
      new Option('--db <url>', 'database URL: sqlite:<file> or postgres://... (default: $BOTLEDGER_DB, else sqlite:data/botledger.db)'),
    )
    .addOption(new Option('--migrate', 'apply pending core migrations first (with a backup)'))
    .addOption(new Option('--json', 'print one JSON document on stdout'));

/**
 * Adds `trades` and `stats`.
 *
 * @example
 * registerStatsCommands(program);
 * await program.parseAsync(['node', 'botledger', 'stats', '--plugin', 'scalper']);
 */
export function registerStatsCommands(program: Command): Command {
  common(
    program
      .command('trades')
      .description('closed trades (round trips), newest first')
      .option('--plugin <id>', 'only this plugin (newest close first)')
      .addOption(new Option('--days <n>', 'only trades closed in the last N days').argParser(wholeNumber('--days', 1)))
      .addOption(new Option('--limit <n>', 'rows to show (default 50, at most 1000)').argParser(wholeNumber('--limit', 1, 1000)))
      .option('--cursor <cursor>', 'the next page, as printed by the previous one'),
  ).action(trades);
  return common(
    program
      .command('stats')
      .description('per-plugin statistics: trades, wins, losses, win rate, pnl, profit factor, max drawdown')
      .option('--plugin <id>', 'only this plugin'),
  ).action(stats);
}
