/**
 * Trades and per-plugin statistics (seed 003's get_trades_by_plugin, get_plugin_statistics,
 * get_all_plugin_statistics), read through the ledger's database. Statistics come from the
 * plugin_stats aggregates that every trade's transaction keeps up to date, so each is one row read
 * at any number of trades (storage/repositories/plugin-stats.ts).
 */
import type { PluginStats } from '../domain/position/stats.ts';
import type { Trade } from '../domain/position/trade.ts';
import type { Page } from '../storage/repositories/codec.ts';
import { allPluginStatistics, pluginStatistics, tradesByPlugin } from '../storage/repositories/plugin-stats.ts';
import { listTrades } from '../storage/repositories/trades.ts';
import { LedgerError } from './ledger-error.ts';
import type { Ledger } from './open-ledger.ts';
import { DEFAULT_LIST_LIMIT } from './orders.ts';

export type { PluginStats };

export interface TradesQuery {
  /** Only this plugin's trades (newest close first); without it, every plugin's (newest recorded first). */
  readonly pluginId?: string;
  /** Only trades closed in the last `days` days. */
  readonly days?: number;
  readonly limit?: number;
  readonly cursor?: string | null;
  /** The end of the period; default now. */
  readonly now?: Date;
}

/**
 * Trades of a plugin (or of every plugin) over the last N days, keyset-paged. CURSOR_INVALID when
 * the cursor is not one a page gave.
 *
 * @example
 * const { items, nextCursor } = await getTradesByPlugin(ledger, { pluginId: 'scalper', days: 7 });
 */
export async function getTradesByPlugin(ledger: Pick<Ledger, 'database'>, query: TradesQuery = {}): Promise<Page<Trade>> {
  const db = ledger.database.db;
  const now = query.now ?? new Date();
  const page = { limit: query.limit ?? DEFAULT_LIST_LIMIT, cursor: query.cursor };
  try {
    if (query.pluginId !== undefined) return await tradesByPlugin(db, query.pluginId, query.days, now, page);
    const from = query.days === undefined ? undefined : new Date(now.getTime() - query.days * 86_400_000).toISOString();
    return await listTrades(db, { from }, page);
  } catch (error) {
    // The repository refuses a cursor it did not make with a TypeError naming it.
    if (query.cursor && error instanceof TypeError)
      throw new LedgerError('CURSOR_INVALID', `--cursor: ${error.message}`, { flag: '--cursor' });
    throw error;
  }
}

/**
 * One plugin's statistics over all its trades: counts, total/average/best/worst pnl, win rate,
 * profit factor and maximum drawdown (zeros for a plugin without trades).
 *
 * @example
 * const { winRate, profitFactor, maxDrawdown } = await getPluginStatistics(ledger, 'scalper');
 */
export async function getPluginStatistics(ledger: Pick<Ledger, 'database'>, pluginId: string): Promise<PluginStats> {
  return pluginStatistics(ledger.database, pluginId);
}

/**
 * Statistics of every plugin with trades, sorted by plugin id.
 *
 * @example
 * (await getAllPluginStatistics(ledger)).map((s) => s.pluginId); // ['grid', 'scalper']
 */
export async function getAllPluginStatistics(ledger: Pick<Ledger, 'database'>): Promise<PluginStats[]> {
  return allPluginStatistics(ledger.database);
}
