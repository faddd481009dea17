/**
 * Trades (closed round trips) and per-plugin statistics. Statistics are summed exactly in JS with
 * decimal.js from the stored decimal strings, so SQLite (TEXT money) and PostgreSQL agree to the
 * last digit.
 */
import type { Kysely } from 'kysely';
import type { LedgerSchema } from '../schema.ts';
import type { BotledgerDatabase } from '../database.ts';
import { writeTransaction } from '../sql/executor.ts';
import { insertTrades } from './positions-batch.ts';
import { add } from '../../domain/money.ts';
import { computePluginStats, type PluginStats } from '../../domain/position/stats.ts';
import type { Trade } from '../../domain/position/trade.ts';
import { moneyOut, type Page, type PageOptions, pageBy, timeIn, timeOut } from './codec.ts';

/** A trades row as a domain Trade. */
export function tradeFromRow(row: Record<string, unknown>): Trade {
  return {
    id: String(row.id),
    positionId: (row.position_id as string | null) ?? null,
    userId: (row.user_id as string | null) ?? null,
    botId: (row.bot_id as string | null) ?? null,
    pluginId: String(row.plugin_id),
    symbol: String(row.symbol),
    side: row.side as Trade['side'],
    amount: moneyOut(row.amount),
    entryPrice: moneyOut(row.entry_price),
    exitPrice: moneyOut(row.exit_price),
    pnl: moneyOut(row.pnl),
    fees: moneyOut(row.fees),
    exitReason: (row.exit_reason as string | null) ?? null,
    openedAt: timeOut(row.opened_at),
    closedAt: timeOut(row.closed_at),
    createdAt: timeOut(row.created_at),
  };
}

/** @example const trade = await getTrade(db, 't1'); */
export async function getTrade(db: Kysely<LedgerSchema>, id: string): Promise<Trade | undefined> {
  const row = await db.selectFrom('trades').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? tradeFromRow(row) : undefined;
}

export interface TradeFilter {
  readonly pluginId?: string;
  readonly botId?: string;
  readonly symbol?: string;
  /** closed_at >= from (ISO). */
  readonly from?: string;
  /** closed_at < to (ISO). */
  readonly to?: string;
  /** Only this user's trades. */
  readonly userId?: string;
}

function filtered(db: Kysely<LedgerSchema>, filter: TradeFilter) {
  let query = db.selectFrom('trades');
  if (filter.pluginId !== undefined) query = query.where('plugin_id', '=', filter.pluginId);
  if (filter.botId !== undefined) query = query.where('bot_id', '=', filter.botId);
  if (filter.symbol !== undefined) query = query.where('symbol', '=', filter.symbol);
  if (filter.from !== undefined) query = query.where('closed_at', '>=', timeIn(filter.from, 'from'));
  if (filter.to !== undefined) query = query.where('closed_at', '<', timeIn(filter.to, 'to'));
  if (filter.userId !== undefined) query = query.where('user_id', '=', filter.userId);
  return query;
}

/**
 * Trades matching the filter, newest first by default, keyset-paged by (created_at, id).
 *
 * @example
 * const { items, nextCursor } = await listTrades(db, { pluginId: 'scalper' }, { limit: 100 });
 */
export async function listTrades(db: Kysely<LedgerSchema>, filter: TradeFilter = {}, page: PageOptions = {}): Promise<Page<Trade>> {
  return pageBy(filtered(db, filter).selectAll(), { time: 'created_at', id: 'id' }, page, tradeFromRow, (trade) => ({
    at: trade.createdAt,
    id: trade.id,
  }));
}

/**
 * Per-plugin statistics (total, wins, losses, total/avg/best/worst pnl, profit factor, drawdown),
 * exact, sorted by plugin, computed from every matching trade (a filtered period; the whole
 * history is kept up to date in plugin_stats: plugin-stats.ts).
 *
 * @example
 * await pluginStats(db, { from: '2026-01-01T00:00:00Z' });
 * // [{ pluginId: 'scalper', total: 2, wins: 1, losses: 1, totalPnl: '0.3', avgPnl: '0.15', ... }]
 */
export async function pluginStats(db: Kysely<LedgerSchema>, filter: TradeFilter = {}): Promise<PluginStats[]> {
  const rows = await filtered(db, filter).select(['plugin_id', 'pnl', 'closed_at', 'id']).execute();
  return computePluginStats(
    rows.map((row) => ({ pluginId: String(row.plugin_id), pnl: moneyOut(row.pnl), closedAt: timeOut(row.closed_at), id: String(row.id) })),
  );
}

/**
 * Inserts the trades whose id is not stored yet, in ONE transaction, and returns how many were
 * new (the batch form of positions-batch.ts: `insert ... on conflict (id) do nothing`). An import
 * re-run with the same deterministic ids therefore adds nothing. The per-plugin statistics are
 * the caller's to recompute (trades of the past arrive out of close order).
 *
 * @example
 * const inserted = await insertTradesIfAbsent(database, trades); // 1000 the first time, 0 the second
 */
export async function insertTradesIfAbsent(database: BotledgerDatabase, trades: readonly Trade[]): Promise<number> {
  if (trades.length === 0) return 0;
  return writeTransaction(database, async (q) => (await insertTrades(q, trades)).length);
}

/** Realized pnl of one UTC day (of closed_at): the exact sum of its trades' pnl, and how many. */
export interface DailyPnl {
  /** YYYY-MM-DD, UTC. */
  readonly day: string;
  readonly pnl: string;
  readonly trades: number;
}

/** Trades read per round trip by {@link dailyPnl}. */
const DAILY_BATCH = 10_000;

/**
 * Realized pnl per UTC day of closed_at for the trades matching the filter, oldest day first,
 * summed exactly (decimal strings: SQLite keeps money as text, so the sum is made here, not in
 * SQL). Reads the matching trades in (closed_at, id) pages (trades (user_id, plugin_id, closed_at,
 * id) for a user's plugin, trades (plugin_id, closed_at, id) for a plugin).
 *
 * @example
 * await dailyPnl(db, { userId: 'u1', from: '2026-01-01T00:00:00Z' });
 * // [{ day: '2026-01-01', pnl: '12.5', trades: 3 }, { day: '2026-01-02', pnl: '-1', trades: 1 }]
 */
export async function dailyPnl(db: Kysely<LedgerSchema>, filter: TradeFilter = {}): Promise<DailyPnl[]> {
  const days = new Map<string, { pnl: string; trades: number }>();
  let after: { closedAt: unknown; id: string } | undefined;
  for (;;) {
    let query = filtered(db, filter).select(['id', 'pnl', 'closed_at']);
    if (after) {
      const { closedAt, id } = after;
      query = query.where('closed_at', '>=', closedAt as string).where((eb) => eb.or([eb('closed_at', '>', closedAt as string), eb('id', '>', id)]));
    }
    const rows = await query.orderBy('closed_at').orderBy('id').limit(DAILY_BATCH).execute();
    for (const row of rows) {
      const day = timeOut(row.closed_at).slice(0, 10);
      const seen = days.get(day);
      days.set(day, { pnl: add(seen?.pnl ?? '0', moneyOut(row.pnl)), trades: (seen?.trades ?? 0) + 1 });
    }
    if (rows.length < DAILY_BATCH) break;
    const last = rows[rows.length - 1];
    after = { closedAt: last.closed_at, id: String(last.id) };
  }
  return [...days].map(([day, { pnl, trades }]) => ({ day, pnl, trades }));
}
