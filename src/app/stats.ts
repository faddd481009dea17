/**
 * Trades and statistics (seed 003's get_trades_by_plugin, get_plugin_statistics,
 * get_all_plugin_statistics) and the realized pnl per day, read through the ledger's database.
 * Statistics come from the plugin_stats aggregates that every trade's transaction keeps up to date
 * per (user, plugin), so with an owner each is one row read at any number of trades
 * (storage/repositories/plugin-stats.ts). Without an owner (the CLI, admin tools), a plugin's
 * statistics cover every user's trades, as `botledger stats` always showed them.
 */
import type { PluginStats } from '../domain/position/stats.ts';
import type { Trade } from '../domain/position/trade.ts';
import type { Page } from '../storage/repositories/codec.ts';
import {
  allPluginStatistics,
  pluginStatistics,
  pluginStatisticsOfAllUsers,
  tradesByPlugin,
  userPluginStatistics,
} from '../storage/repositories/plugin-stats.ts';
import { type DailyPnl, dailyPnl, listTrades } from '../storage/repositories/trades.ts';
import { LedgerError } from './ledger-error.ts';
import type { Ledger } from './open-ledger.ts';
import { DEFAULT_LIST_LIMIT } from './orders.ts';

export type { DailyPnl, PluginStats };

export interface TradesQuery {
  /** Only this plugin's trades (newest close first); without it, every plugin's (newest recorded first). */
  readonly pluginId?: string;
  /** Only trades closed in the last `days` days. */
  readonly days?: number;
  readonly limit?: number;
  readonly cursor?: string | null;
  /** The end of the period; default now. */
  readonly now?: Date;
  /** Only this user's trades. */
  readonly owner?: string;
}

/**
 * Trades of a plugin (or of every plugin) over the last N days, keyset-paged. CURSOR_INVALID when
 * the cursor is not one a page gave.
 *
 * @example
 * const { items, nextCursor } = await getTradesByPlugin(ledger, { pluginId: 'scalper', days: 7, owner: 'u1' });
 */
export async function getTradesByPlugin(ledger: Pick<Ledger, 'database'>, query: TradesQuery = {}): Promise<Page<Trade>> {
  const db = ledger.database.db;
  const now = query.now ?? new Date();
  const page = { limit: query.limit ?? DEFAULT_LIST_LIMIT, cursor: query.cursor };
  try {
    if (query.pluginId !== undefined) return await tradesByPlugin(db, query.pluginId, query.days, now, page, query.owner);
    const from = query.days === undefined ? undefined : new Date(now.getTime() - query.days * 86_400_000).toISOString();
    return await listTrades(db, { from, userId: query.owner }, page);
  } catch (error) {
    // The repository refuses a cursor it did not make with a TypeError naming it.
    if (query.cursor && error instanceof TypeError)
      throw new LedgerError('CURSOR_INVALID', `--cursor: ${error.message}`, { flag: '--cursor' });
    throw error;
  }
}

/** Whose statistics: an owner's, or (without one) every user's together. */
export interface StatsOptions {
  readonly owner?: string;
}

/**
 * One plugin's statistics over all its trades (of the owner, with one): counts, total/average/
 * best/worst pnl, win rate, profit factor and maximum drawdown (zeros for a plugin without trades).
 *
 * @example
 * const { winRate, profitFactor, maxDrawdown } = await getPluginStatistics(ledger, 'scalper', { owner: 'u1' });
 */
export async function getPluginStatistics(
  ledger: Pick<Ledger, 'database'>,
  pluginId: string,
  options: StatsOptions = {},
): Promise<PluginStats> {
  if (options.owner !== undefined) return pluginStatistics(ledger.database, pluginId, options.owner);
  return pluginStatisticsOfAllUsers(ledger.database, pluginId);
}

/**
 * Statistics of every plugin with trades (of the owner, with one), sorted by plugin id.
 *
 * @example
 * (await getAllPluginStatistics(ledger, { owner: 'u1' })).map((s) => s.pluginId); // ['grid', 'scalper']
 */
export async function getAllPluginStatistics(ledger: Pick<Ledger, 'database'>, options: StatsOptions = {}): Promise<PluginStats[]> {
  if (options.owner !== undefined) return userPluginStatistics(ledger.database, options.owner);
  return allPluginStatistics(ledger.database);
}

/** Which trades {@link getDailyPnl} sums. */
export interface DailyPnlQuery {
  readonly owner?: string;
  readonly pluginId?: string;
  /** closed_at >= from (ISO-8601). */
  readonly from?: string;
  /** closed_at < to (ISO-8601). */
  readonly to?: string;
}

function checkInstant(value: string | undefined, field: 'from' | 'to'): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value) || Number.isNaN(Date.parse(value)))
    throw new LedgerError('INVALID_FIELD', `${field} must be an ISO-8601 date or instant, such as 2026-01-31 or 2026-01-31T00:00:00Z`, {
      field,
    });
}

/**
 * Realized pnl per UTC day of the trades' close, oldest day first: the exact sum of the trades'
 * pnl (net of fees) as a decimal string, and how many trades closed that day. Days without trades
 * are left out. INVALID_FIELD for a `from`/`to` that is not an ISO-8601 date or instant.
 *
 * @example
 * await getDailyPnl(ledger, { owner: 'u1', pluginId: 'scalper', from: '2026-01-01' });
 * // [{ day: '2026-01-01', pnl: '12.5', trades: 3 }, ...]
 */
export async function getDailyPnl(ledger: Pick<Ledger, 'database'>, query: DailyPnlQuery = {}): Promise<DailyPnl[]> {
  checkInstant(query.from, 'from');
  checkInstant(query.to, 'to');
  const iso = (value: string | undefined) => (value === undefined ? undefined : new Date(value).toISOString());
  return dailyPnl(ledger.database.db, { userId: query.owner, pluginId: query.pluginId, from: iso(query.from), to: iso(query.to) });
}
