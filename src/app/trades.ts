/**
 * Trades as a filtered, keyset-paged list (the API's GET /trades): by plugin, bot, symbol and a
 * range of close times, newest recorded first. `getTradesByPlugin` (stats.ts) keeps seed 003's
 * "trades of a plugin over the last N days"; this is the general form.
 */
import type { Trade } from '../domain/position/trade.ts';
import type { Page } from '../storage/repositories/codec.ts';
import { listTrades } from '../storage/repositories/trades.ts';
import { LedgerError } from './ledger-error.ts';
import type { Ledger } from './open-ledger.ts';
import { DEFAULT_LIST_LIMIT } from './orders.ts';

/** Which trades {@link listTradePage} returns. */
export interface TradeListQuery {
  readonly pluginId?: string;
  readonly botId?: string;
  readonly symbol?: string;
  /** closed_at >= from (ISO-8601). */
  readonly from?: string;
  /** closed_at < to (ISO-8601). */
  readonly to?: string;
  readonly limit?: number;
  readonly cursor?: string | null;
  /** Only this user's trades. */
  readonly owner?: string;
}

/**
 * One page of the trades matching the query, newest recorded first; pass `nextCursor` back as
 * `cursor` for the next (no trade is repeated or skipped while trades are added). CURSOR_INVALID
 * for a cursor no page gave.
 *
 * @example
 * const { items, nextCursor } = await listTradePage(ledger, { pluginId: 'scalper', limit: 100 });
 */
export async function listTradePage(ledger: Pick<Ledger, 'database'>, query: TradeListQuery = {}): Promise<Page<Trade>> {
  const { limit, cursor, owner, ...filter } = query;
  try {
    return await listTrades(ledger.database.db, { ...filter, userId: owner }, { limit: limit ?? DEFAULT_LIST_LIMIT, cursor });
  } catch (error) {
    // The repository refuses a cursor it did not make with a TypeError naming it.
    if (cursor && error instanceof TypeError) throw new LedgerError('CURSOR_INVALID', error.message, { field: 'cursor' });
    throw error;
  }
}
