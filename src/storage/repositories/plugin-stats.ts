/**
 * Per-plugin statistics kept up to date (plugin_stats, migration 0003, per user since 0005): one
 * row per (user, plugin) with the running aggregate of that user's trades of the plugin
 * (domain/position/stats.ts), updated in the transaction that writes the trades, so every statistic
 * is one primary-key read at any number of trades. Trades without a user fold under NO_USER ('').
 *
 * The drawdown needs the trades in close order (closed_at, then id). A trade closed before the last
 * one folded in (an import of old trades, a fill found late by sync) makes the (user, plugin) row be
 * recomputed from its trades in that same transaction: exact whatever the arrival order, and
 * proportional to those trades only when that happens.
 *
 * Writes use the prepared-statement executor (the unit of work's flush, the hot path); reads use
 * the query builder.
 */
import type { Kysely } from 'kysely';
import {
  byCloseOrder,
  EMPTY_AGGREGATE,
  isAfterLastTrade,
  type PluginStats,
  StatsAccumulator,
  type StatsAggregate,
  statsFromAggregate,
} from '../../domain/position/stats.ts';
import type { Trade } from '../../domain/position/trade.ts';
import type { BotledgerDatabase } from '../database.ts';
import type { DialectCapabilities } from '../dialects/capabilities.ts';
import type { LedgerSchema } from '../schema.ts';
import { readExecutor, type SqlExecutor, writeTransaction } from '../sql/executor.ts';
import { intOut, moneyIn, moneyOut, moneyOutOrNull, type Page, type PageOptions, pageBy, timeIn, timeOutOrNull } from './codec.ts';
import { pluginStats, tradeFromRow } from './trades.ts';

const CURVE_COLUMNS = [
  'checkpoint_closed_at',
  'checkpoint_trade_id',
  'checkpoint_pnl',
  'checkpoint_peak',
  'checkpoint_drawdown',
  'candidate_closed_at',
  'candidate_trade_id',
  'candidate_pnl',
  'candidate_peak',
  'candidate_drawdown',
];
const COLUMNS = `user_id, plugin_id, total, wins, losses, breakeven, total_pnl, best_pnl, worst_pnl, gross_profit, gross_loss, pnl_peak, max_drawdown, last_closed_at, last_trade_id, ${CURVE_COLUMNS.join(', ')}`;
const SELECT_ROW = `select ${COLUMNS} from plugin_stats where user_id = ? and plugin_id = ?`;
const SELECT_ROW_LOCKED = `${SELECT_ROW} for update`;
const INSERT_EMPTY = `insert into plugin_stats (${COLUMNS}, updated_at) values (?, ?, 0, 0, 0, 0, '0', null, null, '0', '0', '0', '0', null, null, ${CURVE_COLUMNS.map(() => 'null').join(', ')}, ?) on conflict (user_id, plugin_id) do nothing`;
const UPDATE_ROW = `update plugin_stats set total = ?, wins = ?, losses = ?, breakeven = ?, total_pnl = ?, best_pnl = ?, worst_pnl = ?,
  gross_profit = ?, gross_loss = ?, pnl_peak = ?, max_drawdown = ?, last_closed_at = ?, last_trade_id = ?, ${CURVE_COLUMNS.map((c) => `${c} = ?`).join(', ')}, updated_at = ? where user_id = ? and plugin_id = ?`;
const DELETE_ROW = 'delete from plugin_stats where user_id = ? and plugin_id = ?';
// A user's trades of a plugin, on trades (user_id, plugin_id, closed_at, id) (migration 0005); the
// trades without a user are the statistics user '' (NO_USER).
const OWNED = (key: StatsKey) => (key.userId === NO_USER ? 'user_id is null and plugin_id = ?' : 'user_id = ? and plugin_id = ?');
const ownedParams = (key: StatsKey) => (key.userId === NO_USER ? [key.pluginId] : [key.userId, key.pluginId]);
const FIRST_TRADES = (key: StatsKey) => `select id, pnl, closed_at from trades where ${OWNED(key)} order by closed_at, id limit ?`;
// `closed_at >= ?` repeats what the OR implies so that PostgreSQL starts its index range at the
// cursor (with the OR alone it read the plugin's trades from the first: 0.3 s to refold 1,000 of a million).
const NEXT_TRADES = (key: StatsKey) =>
  `select id, pnl, closed_at from trades where ${OWNED(key)} and closed_at >= ? and (closed_at > ? or id > ?) order by closed_at, id limit ?`;

/** The user whose statistics hold the trades that have no user (user_id null): a key column cannot be null. */
export const NO_USER = '';

/** One row of plugin_stats: a user's (or NO_USER's) trades of one plugin. */
export interface StatsKey {
  readonly userId: string;
  readonly pluginId: string;
}

const keyOf = (trade: Pick<Trade, 'userId' | 'pluginId'>): StatsKey => ({ userId: trade.userId ?? NO_USER, pluginId: trade.pluginId });

/** Trades read per round trip by a recompute. */
const RECOMPUTE_BATCH = 10_000;

/**
 * How far (in close time) the checkpoint trails the last trade: a trade closed up to this long
 * before the last one (lanes committing in another order, a fill found by sync) is folded from the
 * checkpoint, reading only the trades since; an older one recomputes the plugin from its first trade.
 */
export const CHECKPOINT_LAG_MS = 15 * 60_000;

type Row = Record<string, unknown>;

/** The cumulative pnl curve as it stood right after one trade. */
interface CurvePoint {
  readonly closedAt: string;
  readonly tradeId: string;
  readonly pnl: string;
  readonly peak: string;
  readonly drawdown: string;
}

interface StoredStats {
  readonly aggregate: StatsAggregate;
  readonly checkpoint: CurvePoint | null;
  readonly candidate: CurvePoint | null;
}

function aggregateFromRow(row: Row): StatsAggregate {
  return {
    total: intOut(row.total),
    wins: intOut(row.wins),
    losses: intOut(row.losses),
    breakeven: intOut(row.breakeven),
    totalPnl: moneyOut(row.total_pnl),
    bestPnl: moneyOutOrNull(row.best_pnl),
    worstPnl: moneyOutOrNull(row.worst_pnl),
    grossProfit: moneyOut(row.gross_profit),
    grossLoss: moneyOut(row.gross_loss),
    pnlPeak: moneyOut(row.pnl_peak),
    maxDrawdown: moneyOut(row.max_drawdown),
    lastClosedAt: timeOutOrNull(row.last_closed_at),
    lastTradeId: (row.last_trade_id as string | null) ?? null,
  };
}

function curvePointFromRow(row: Row, prefix: 'checkpoint' | 'candidate'): CurvePoint | null {
  if (row[`${prefix}_closed_at`] == null) return null;
  return {
    closedAt: timeOutOrNull(row[`${prefix}_closed_at`]) as string,
    tradeId: String(row[`${prefix}_trade_id`]),
    pnl: moneyOut(row[`${prefix}_pnl`]),
    peak: moneyOut(row[`${prefix}_peak`]),
    drawdown: moneyOut(row[`${prefix}_drawdown`]),
  };
}

/** The curve after the aggregate's last trade; null without trades. */
function curvePointOf(aggregate: StatsAggregate): CurvePoint | null {
  if (aggregate.lastClosedAt === null || aggregate.lastTradeId === null) return null;
  return {
    closedAt: aggregate.lastClosedAt,
    tradeId: aggregate.lastTradeId,
    pnl: aggregate.totalPnl,
    peak: aggregate.pnlPeak,
    drawdown: aggregate.maxDrawdown,
  };
}

function statsFromRow(row: Row): PluginStats {
  return { pluginId: String(row.plugin_id), ...statsFromAggregate(aggregateFromRow(row)) };
}

/** The plugin's row, locked until the transaction ends where the dialect has row locks; made empty first when missing. */
async function lockRow(q: SqlExecutor, caps: DialectCapabilities, key: StatsKey, now: string): Promise<StoredStats> {
  const select = caps.rowLocks ? SELECT_ROW_LOCKED : SELECT_ROW;
  let row = await q.get<Row>(select, [key.userId, key.pluginId]);
  if (!row) {
    // Two transactions may make a plugin's first row at once: the second waits here, then locks the first's.
    await q.run(INSERT_EMPTY, [key.userId, key.pluginId, now]);
    row = await q.get<Row>(select, [key.userId, key.pluginId]);
  }
  if (!row) return { aggregate: EMPTY_AGGREGATE, checkpoint: null, candidate: null };
  return {
    aggregate: aggregateFromRow(row),
    checkpoint: curvePointFromRow(row, 'checkpoint'),
    candidate: curvePointFromRow(row, 'candidate'),
  };
}

async function writeRow(
  q: SqlExecutor,
  key: StatsKey,
  aggregate: StatsAggregate,
  curve: { checkpoint: CurvePoint | null; candidate: CurvePoint | null },
  now: string,
): Promise<void> {
  const money = (value: string, column: string) => moneyIn(value, `plugin_stats.${column}`);
  const point = (p: CurvePoint | null, prefix: string) =>
    p === null
      ? [null, null, null, null, null]
      : [
          timeIn(p.closedAt, `${prefix}ClosedAt`),
          p.tradeId,
          money(p.pnl, `${prefix}_pnl`),
          money(p.peak, `${prefix}_peak`),
          money(p.drawdown, `${prefix}_drawdown`),
        ];
  await q.run(UPDATE_ROW, [
    aggregate.total,
    aggregate.wins,
    aggregate.losses,
    aggregate.breakeven,
    money(aggregate.totalPnl, 'total_pnl'),
    aggregate.bestPnl === null ? null : money(aggregate.bestPnl, 'best_pnl'),
    aggregate.worstPnl === null ? null : money(aggregate.worstPnl, 'worst_pnl'),
    money(aggregate.grossProfit, 'gross_profit'),
    money(aggregate.grossLoss, 'gross_loss'),
    money(aggregate.pnlPeak, 'pnl_peak'),
    money(aggregate.maxDrawdown, 'max_drawdown'),
    aggregate.lastClosedAt === null ? null : timeIn(aggregate.lastClosedAt, 'lastClosedAt'),
    aggregate.lastTradeId,
    ...point(curve.checkpoint, 'checkpoint'),
    ...point(curve.candidate, 'candidate'),
    now,
    key.userId,
    key.pluginId,
  ]);
}

/**
 * Folds the stored trades of a plugin in close order, in pages: all of them, or (`from`) those
 * after a curve point, continuing its cumulative pnl, peak and drawdown (counts then start at 0).
 */
async function foldStoredTrades(q: SqlExecutor, key: StatsKey, from?: CurvePoint): Promise<StatsAccumulator> {
  const fold = new StatsAccumulator(
    from
      ? {
          ...EMPTY_AGGREGATE,
          totalPnl: from.pnl,
          pnlPeak: from.peak,
          maxDrawdown: from.drawdown,
          lastClosedAt: from.closedAt,
          lastTradeId: from.tradeId,
        }
      : EMPTY_AGGREGATE,
  );
  let rows = from
    ? await q.all<Row>(NEXT_TRADES(key), [...ownedParams(key), from.closedAt, from.closedAt, from.tradeId, RECOMPUTE_BATCH])
    : await q.all<Row>(FIRST_TRADES(key), [...ownedParams(key), RECOMPUTE_BATCH]);
  for (;;) {
    let last: { closedAt: unknown; id: string } | undefined;
    for (const row of rows) {
      const closedAt = timeOutOrNull(row.closed_at) as string;
      fold.add(moneyOut(row.pnl), closedAt, String(row.id));
      last = { closedAt: row.closed_at, id: String(row.id) };
    }
    if (rows.length < RECOMPUTE_BATCH || !last) break;
    rows = await q.all<Row>(NEXT_TRADES(key), [...ownedParams(key), last.closedAt, last.closedAt, last.id, RECOMPUTE_BATCH]);
  }
  return fold;
}

const isBefore = (point: CurvePoint, trade: { closedAt: string; id: string }) =>
  byCloseOrder({ closedAt: point.closedAt, id: point.tradeId }, trade) < 0;

/**
 * The plugin's row with `trades` (sorted, already in the trades table) folded in:
 * - all after its last trade (the usual case): added to the aggregate; the candidate checkpoint
 *   becomes the checkpoint once it trails the newest trade by {@link CHECKPOINT_LAG_MS}, and the
 *   curve before these trades becomes the next candidate;
 * - some before its last trade but after the checkpoint: counts and sums are added (their order
 *   does not matter), the curve is folded again from the checkpoint over the trades since;
 * - some before the checkpoint (or none yet): the plugin is recomputed from its first trade.
 */
async function foldIntoRow(q: SqlExecutor, key: StatsKey, stored: StoredStats, trades: readonly Trade[], at: string): Promise<void> {
  const first = trades[0] as Trade;
  const newest = trades[trades.length - 1] as Trade;
  const sums = new StatsAccumulator(stored.aggregate);
  for (const trade of trades) sums.add(trade.pnl, trade.closedAt, trade.id);
  if (isAfterLastTrade(stored.aggregate, first)) {
    const before = curvePointOf(stored.aggregate);
    let { checkpoint, candidate } = stored;
    if (candidate === null) candidate = before;
    else if (Date.parse(candidate.closedAt) <= Date.parse(newest.closedAt) - CHECKPOINT_LAG_MS)
      [checkpoint, candidate] = [candidate, before];
    await writeRow(q, key, sums.aggregate(), { checkpoint, candidate }, at);
    return;
  }
  if (stored.checkpoint && isBefore(stored.checkpoint, first)) {
    const curve = await foldStoredTrades(q, key, stored.checkpoint);
    // The checkpoint's cumulative pnl plus every trade since must be the total: else the row does not match the trades.
    if (curve.sum.eq(sums.sum)) {
      const aggregate = { ...sums.aggregate(), pnlPeak: curve.aggregate().pnlPeak, maxDrawdown: curve.aggregate().maxDrawdown };
      const last = curve.aggregate();
      const candidate = stored.candidate && isBefore(stored.candidate, first) ? stored.candidate : null;
      await writeRow(
        q,
        key,
        { ...aggregate, lastClosedAt: last.lastClosedAt, lastTradeId: last.lastTradeId },
        { checkpoint: stored.checkpoint, candidate },
        at,
      );
      return;
    }
  }
  const all = (await foldStoredTrades(q, key)).aggregate();
  await writeRow(q, key, all, { checkpoint: null, candidate: curvePointOf(all) }, at);
}

/** Keys in a fixed order (user, then plugin), so two transactions lock their rows in the same order. */
const byKey = (a: StatsKey, b: StatsKey) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : a.pluginId < b.pluginId ? -1 : a.pluginId > b.pluginId ? 1 : 0);

/**
 * Folds newly written trades into their (user, plugin) rows, in the transaction that wrote them
 * (call it after the trades rows are inserted: a trade out of close order is folded again from the
 * trades table, which must then hold it). Locks each row (PostgreSQL) so concurrent writers take
 * turns per user and plugin. A trade without a user folds under {@link NO_USER}.
 *
 * @example
 * const written = await insertTrades(q, trades);
 * await applyTradesToPluginStats(q, database.capabilities, written);
 */
export async function applyTradesToPluginStats(
  q: SqlExecutor,
  caps: DialectCapabilities,
  trades: readonly Trade[],
  now = new Date(),
): Promise<void> {
  if (trades.length === 0) return;
  const at = now.toISOString();
  const byRow = new Map<string, { key: StatsKey; trades: Trade[] }>();
  for (const trade of trades) {
    const key = keyOf(trade);
    const id = JSON.stringify([key.userId, key.pluginId]);
    const entry = byRow.get(id);
    if (entry) entry.trades.push(trade);
    else byRow.set(id, { key, trades: [trade] });
  }
  for (const { key, trades: list } of [...byRow.values()].sort((a, b) => byKey(a.key, b.key))) {
    await foldIntoRow(q, key, await lockRow(q, caps, key, at), list.sort(byCloseOrder), at);
  }
}

/**
 * Recomputes one (user, plugin) row from all its stored trades (after trades were imported out of
 * close order, or to repair); removes the row when there are no such trades. In the caller's
 * transaction.
 *
 * @example
 * await writeTransaction(database, (q) => recomputePluginStats(q, database.capabilities, { userId: 'u1', pluginId: 'scalper' }));
 */
export async function recomputePluginStats(q: SqlExecutor, caps: DialectCapabilities, key: StatsKey, now = new Date()): Promise<PluginStats> {
  const at = now.toISOString();
  await lockRow(q, caps, key, at);
  const aggregate = (await foldStoredTrades(q, key)).aggregate();
  if (aggregate.total === 0) await q.run(DELETE_ROW, [key.userId, key.pluginId]);
  else await writeRow(q, key, aggregate, { checkpoint: null, candidate: curvePointOf(aggregate) }, at);
  return { pluginId: key.pluginId, ...statsFromAggregate(aggregate) };
}

/**
 * Recomputes every (user, plugin) row of the given plugins (default: every plugin with trades or a
 * row), each in its own write transaction. Returns the statistics of the rows that have trades,
 * sorted by user then plugin.
 *
 * @example
 * await recomputeAllPluginStats(database, ['legacy', 'scalper']); // after `import trades`
 */
export async function recomputeAllPluginStats(database: BotledgerDatabase, pluginIds?: readonly string[]): Promise<PluginStats[]> {
  const db = database.db;
  if (pluginIds && pluginIds.length === 0) return [];
  let trades = db.selectFrom('trades').select(['user_id', 'plugin_id']).distinct();
  let rows = db.selectFrom('plugin_stats').select(['user_id', 'plugin_id']);
  if (pluginIds) {
    trades = trades.where('plugin_id', 'in', [...pluginIds]);
    rows = rows.where('plugin_id', 'in', [...pluginIds]);
  }
  const keys = new Map<string, StatsKey>();
  const fromTrades = await trades.execute();
  const fromRows = await rows.execute();
  for (const row of [...fromTrades, ...fromRows]) {
    const key = { userId: row.user_id ?? NO_USER, pluginId: row.plugin_id };
    keys.set(JSON.stringify([key.userId, key.pluginId]), key);
  }
  const results: PluginStats[] = [];
  for (const key of [...keys.values()].sort(byKey))
    results.push(await writeTransaction(database, (q) => recomputePluginStats(q, database.capabilities, key)));
  return results.filter((stats) => stats.total > 0);
}

/**
 * One user's statistics of one plugin over all their trades (zeros without trades): one row read,
 * by a prepared statement. `userId` {@link NO_USER} reads the trades that have no user.
 *
 * @example
 * const { total, winRate, profitFactor, maxDrawdown } = await pluginStatistics(database, 'scalper', 'u1');
 */
export async function pluginStatistics(database: BotledgerDatabase, pluginId: string, userId: string): Promise<PluginStats> {
  const row = await readExecutor(database).get<Row>(SELECT_ROW, [userId, pluginId]);
  return row ? statsFromRow(row) : { pluginId, ...statsFromAggregate(EMPTY_AGGREGATE) };
}

const SELECT_OF_USER = `select ${COLUMNS} from plugin_stats where user_id = ? and total > 0 order by plugin_id`;
const SELECT_OF_PLUGIN = `select ${COLUMNS} from plugin_stats where plugin_id = ? and total > 0`;
const SELECT_ALL = `select ${COLUMNS} from plugin_stats where total > 0 order by plugin_id, user_id`;

/**
 * Statistics of every plugin a user has trades of, sorted by plugin id: one read of plugin_stats.
 *
 * @example
 * (await userPluginStatistics(database, 'u1')).map((s) => s.pluginId); // ['grid', 'scalper']
 */
export async function userPluginStatistics(database: BotledgerDatabase, userId: string): Promise<PluginStats[]> {
  return (await readExecutor(database).all<Row>(SELECT_OF_USER, [userId])).map(statsFromRow);
}

/**
 * One plugin's statistics over the trades of every user. One row read when a single user traded it;
 * else computed from the plugin's trades (a maximum drawdown cannot be added up across users).
 *
 * @example
 * const { total } = await pluginStatisticsOfAllUsers(database, 'scalper');
 */
export async function pluginStatisticsOfAllUsers(database: BotledgerDatabase, pluginId: string): Promise<PluginStats> {
  const rows = await readExecutor(database).all<Row>(SELECT_OF_PLUGIN, [pluginId]);
  if (rows.length === 0) return { pluginId, ...statsFromAggregate(EMPTY_AGGREGATE) };
  if (rows.length === 1) return statsFromRow(rows[0] as Row);
  return (await pluginStats(database.db, { pluginId }))[0] ?? { pluginId, ...statsFromAggregate(EMPTY_AGGREGATE) };
}

/**
 * Every plugin with trades, over the trades of every user, sorted by plugin id (see
 * {@link pluginStatisticsOfAllUsers}: one read unless several users traded a plugin).
 *
 * @example
 * (await allPluginStatistics(database)).map((s) => s.pluginId); // ['grid', 'scalper']
 */
export async function allPluginStatistics(database: BotledgerDatabase): Promise<PluginStats[]> {
  const rows = await readExecutor(database).all<Row>(SELECT_ALL);
  const byPlugin = new Map<string, Row[]>();
  for (const row of rows) {
    const list = byPlugin.get(String(row.plugin_id));
    if (list) list.push(row);
    else byPlugin.set(String(row.plugin_id), [row]);
  }
  const results: PluginStats[] = [];
  for (const [pluginId, list] of byPlugin)
    results.push(list.length === 1 ? statsFromRow(list[0] as Row) : ((await pluginStats(database.db, { pluginId }))[0] as PluginStats));
  return results;
}

/**
 * A plugin's trades (of one user, with `userId`) closed in the last `days` days before `now`,
 * newest first (closed_at, id), keyset-paged, on the trades(plugin_id, closed_at, id) index (or
 * trades(user_id, plugin_id, closed_at, id)). Without `days`, all of them.
 *
 * @example
 * const { items, nextCursor } = await tradesByPlugin(db, 'scalper', 7, new Date(), { limit: 100 });
 */
export async function tradesByPlugin(
  db: Kysely<LedgerSchema>,
  pluginId: string,
  days: number | undefined,
  now: Date,
  page: PageOptions = {},
  userId?: string,
): Promise<Page<Trade>> {
  let query = db.selectFrom('trades').selectAll().where('plugin_id', '=', pluginId);
  if (userId !== undefined) query = query.where('user_id', '=', userId);
  if (days !== undefined) {
    const from = new Date(now.getTime() - days * 86_400_000).toISOString();
    query = query.where('closed_at', '>=', from);
  }
  return pageBy(query, { time: 'closed_at', id: 'id' }, page, tradeFromRow, (trade) => ({ at: trade.closedAt, id: trade.id }));
}
