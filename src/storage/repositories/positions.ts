/**
 * Positions, read side: get, find the open one of a bot on a symbol, list with filters and keyset
 * paging by (opened_at, id). The writes (insert, versioned update) and the locked loads of a unit
 * of work are the batch forms in positions-batch.ts, over the one column map.
 */
import type { Kysely } from 'kysely';
import type { LedgerSchema } from '../schema.ts';
import type { Position, PositionStatus } from '../../domain/position/position.ts';
import { type Page, type PageOptions, pageBy, timeIn } from './codec.ts';
import { positionFromRow } from './positions-batch.ts';

const selectPositions = (db: Kysely<LedgerSchema>) => db.selectFrom('positions').selectAll();

/** @example const position = await getPosition(db, 'p1'); */
export async function getPosition(db: Kysely<LedgerSchema>, id: string): Promise<Position | undefined> {
  const row = await selectPositions(db).where('id', '=', id).executeTakeFirst();
  return row ? positionFromRow(row) : undefined;
}

/**
 * The open position of a bot on a symbol, if any (the newest, should there be several).
 *
 * @example
 * const open = await findOpenPosition(db, { botId: 'scalper1', symbol: 'BTC/USDT' });
 */
export async function findOpenPosition(db: Kysely<LedgerSchema>, where: { botId: string; symbol: string }): Promise<Position | undefined> {
  const row = await selectPositions(db)
    .where('bot_id', '=', where.botId)
    .where('symbol', '=', where.symbol)
    .where('status', '=', 'open')
    .orderBy('opened_at', 'desc')
    .executeTakeFirst();
  return row ? positionFromRow(row) : undefined;
}

export interface PositionFilter {
  readonly status?: PositionStatus;
  readonly pluginId?: string;
  readonly botId?: string;
  readonly symbol?: string;
  readonly exchangeAccountId?: string;
  /** Only this user's positions (positions (user_id, status, opened_at, id), migration 0005). */
  readonly userId?: string;
}

/**
 * Positions matching the filter, newest first by default, keyset-paged by (opened_at, id).
 *
 * @example
 * const { items } = await listPositions(db, { status: 'open', pluginId: 'scalper' });
 */
export async function listPositions(db: Kysely<LedgerSchema>, filter: PositionFilter = {}, page: PageOptions = {}): Promise<Page<Position>> {
  let query = selectPositions(db);
  if (filter.status !== undefined) query = query.where('status', '=', filter.status);
  if (filter.pluginId !== undefined) query = query.where('plugin_id', '=', filter.pluginId);
  if (filter.botId !== undefined) query = query.where('bot_id', '=', filter.botId);
  if (filter.symbol !== undefined) query = query.where('symbol', '=', filter.symbol);
  if (filter.exchangeAccountId !== undefined) query = query.where('exchange_account_id', '=', filter.exchangeAccountId);
  if (filter.userId !== undefined) query = query.where('user_id', '=', filter.userId);
  return pageBy(query, { time: 'opened_at', id: 'id' }, page, positionFromRow, (position) => ({ at: position.openedAt, id: position.id }));
}

/**
 * Open positions, oldest first (by opened_at, id), at most `limit`.
 *
 * @example
 * const open = await listOpenPositions(db, 1000);
 */
export async function listOpenPositions(db: Kysely<LedgerSchema>, limit = 10_000): Promise<Position[]> {
  const rows = await selectPositions(db).where('status', '=', 'open').orderBy('opened_at').orderBy('id').limit(limit).execute();
  return rows.map(positionFromRow);
}

/**
 * The open position a stop-loss order protects (positions.sl_order_id holds the order's id).
 *
 * @example
 * const position = await findPositionByStopLossOrder(db, order.id);
 */
export async function findPositionByStopLossOrder(db: Kysely<LedgerSchema>, orderId: string): Promise<Position | undefined> {
  const row = await selectPositions(db).where('sl_order_id', '=', orderId).orderBy('opened_at', 'desc').executeTakeFirst();
  return row ? positionFromRow(row) : undefined;
}

/** Where a scan of positions goes on from (keyset by opened_at, id). */
export interface PositionCursor {
  readonly openedAt: string;
  readonly id: string;
}

/**
 * Open positions that may need a stop-loss placed (the stop-loss manager's bounded scan, at most
 * `limit`, oldest first, after `after`): no exit under way (exit_reason is null) and no live stop
 * order of the position's amount (none recorded, or the one recorded is failed, cancelled or
 * filled, or rests for another amount). A position whose plugin gives no stop-loss price is listed
 * too; the manager skips it. The cursor lets successive scans go round all of them.
 *
 * @example
 * const batch = await listPositionsToProtect(db, { limit: 100 });
 */
export async function listPositionsToProtect(db: Kysely<LedgerSchema>, options: { readonly limit: number; readonly after?: PositionCursor }): Promise<Position[]> {
  let query = db
    .selectFrom('positions')
    .leftJoin('orders', 'orders.id', 'positions.sl_order_id')
    .select('positions.id')
    .where('positions.status', '=', 'open')
    .where('positions.exit_reason', 'is', null)
    .where((eb) =>
      eb.or([eb('positions.sl_order_id', 'is', null), eb('orders.status', 'is', null), eb('orders.status', '<>', 'pending'), eb('orders.amount', '<>', eb.ref('positions.amount'))]),
    );
  const after = options.after;
  if (after) {
    const at = timeIn(after.openedAt, 'openedAt');
    query = query.where((eb) => eb.or([eb('positions.opened_at', '>', at), eb.and([eb('positions.opened_at', '=', at), eb('positions.id', '>', after.id)])]));
  }
  const ids = (await query.orderBy('positions.opened_at').orderBy('positions.id').limit(options.limit).execute()).map((row) => row.id);
  if (ids.length === 0) return [];
  const rows = await selectPositions(db).where('id', 'in', ids).orderBy('opened_at').orderBy('id').execute();
  return rows.map(positionFromRow);
}
