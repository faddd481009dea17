/**
 * Positions, read side: get, find the open one of a bot on a symbol, list with filters and keyset
 * paging by (opened_at, id). The writes (insert, versioned update) and the locked loads of a unit
 * of work are the batch forms in positions-batch.ts, over the one column map.
 */
import type { Kysely } from 'kysely';
import type { LedgerSchema } from '../schema.ts';
import type { Position, PositionStatus } from '../../domain/position/position.ts';
import { type Page, type PageOptions, pageBy } from './codec.ts';
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
