/**
 * Positions: insert, get, update with an optimistic `version` check, find the open one of a bot on
 * a symbol, list with filters and keyset paging by (opened_at, id).
 */
import type { Kysely } from 'kysely';
import type { LedgerSchema } from '../schema.ts';
import { StaleRowError } from '../stale-row-error.ts';
import type { JsonValue } from '../../domain/bot/bot.ts';
import type { Position, PositionStatus } from '../../domain/position/position.ts';
import {
  intOut,
  jsonIn,
  jsonOut,
  jsonSelect,
  moneyIn,
  moneyInOrNull,
  moneyOut,
  moneyOutOrNull,
  type Page,
  type PageOptions,
  pageBy,
  timeIn,
  timeInOrNull,
  timeOut,
  timeOutOrNull,
} from './codec.ts';

const POSITION_COLUMNS = [
  'id',
  'user_id',
  'bot_id',
  'plugin_id',
  'exchange_account_id',
  'symbol',
  'side',
  'amount',
  'closed_amount',
  'entry_price',
  'exit_price',
  'realized_pnl',
  'fees',
  'stop_loss_price',
  'status',
  'exit_reason',
  'retry_count',
  'last_error_at',
  'last_sync_at',
  'sync_status',
  'exchange_order_id',
  'sl_order_id',
  'opened_at',
  'closed_at',
  'updated_at',
  'version',
] as const;

export function positionFromRow(row: Record<string, unknown>): Position {
  return {
    id: String(row.id),
    userId: (row.user_id as string | null) ?? null,
    botId: (row.bot_id as string | null) ?? null,
    pluginId: String(row.plugin_id),
    exchangeAccountId: (row.exchange_account_id as string | null) ?? null,
    symbol: String(row.symbol),
    side: row.side as Position['side'],
    amount: moneyOut(row.amount),
    closedAmount: moneyOut(row.closed_amount),
    entryPrice: moneyOut(row.entry_price),
    exitPrice: moneyOutOrNull(row.exit_price),
    realizedPnl: moneyOut(row.realized_pnl),
    fees: moneyOut(row.fees),
    stopLossPrice: moneyOutOrNull(row.stop_loss_price),
    status: row.status as PositionStatus,
    exitReason: (row.exit_reason as string | null) ?? null,
    errorDetails: jsonOut<JsonValue>(row.error_details),
    retryCount: intOut(row.retry_count),
    lastErrorAt: timeOutOrNull(row.last_error_at),
    lastSyncAt: timeOutOrNull(row.last_sync_at),
    syncStatus: (row.sync_status as string | null) ?? null,
    exchangeOrderId: (row.exchange_order_id as string | null) ?? null,
    slOrderId: (row.sl_order_id as string | null) ?? null,
    openedAt: timeOut(row.opened_at),
    closedAt: timeOutOrNull(row.closed_at),
    updatedAt: timeOut(row.updated_at),
    version: intOut(row.version),
  };
}

function mutableColumns(position: Position) {
  return {
    amount: moneyIn(position.amount, 'amount'),
    closed_amount: moneyIn(position.closedAmount, 'closedAmount'),
    entry_price: moneyIn(position.entryPrice, 'entryPrice'),
    exit_price: moneyInOrNull(position.exitPrice, 'exitPrice'),
    realized_pnl: moneyIn(position.realizedPnl, 'realizedPnl'),
    fees: moneyIn(position.fees, 'fees'),
    stop_loss_price: moneyInOrNull(position.stopLossPrice, 'stopLossPrice'),
    status: position.status,
    exit_reason: position.exitReason,
    error_details: jsonIn(position.errorDetails),
    retry_count: position.retryCount,
    last_error_at: timeInOrNull(position.lastErrorAt, 'lastErrorAt'),
    last_sync_at: timeInOrNull(position.lastSyncAt, 'lastSyncAt'),
    sync_status: position.syncStatus,
    exchange_order_id: position.exchangeOrderId,
    sl_order_id: position.slOrderId,
    closed_at: timeInOrNull(position.closedAt, 'closedAt'),
    updated_at: timeIn(position.updatedAt, 'updatedAt'),
  };
}

export const selectPositions = (db: Kysely<LedgerSchema>) =>
  db.selectFrom('positions').select([...POSITION_COLUMNS, jsonSelect('error_details').as('error_details')]);

/** @example await insertPosition(trx, openPosition(input, now)); */
export async function insertPosition(db: Kysely<LedgerSchema>, position: Position): Promise<void> {
  await db
    .insertInto('positions')
    .values({
      id: position.id,
      user_id: position.userId,
      bot_id: position.botId,
      plugin_id: position.pluginId,
      exchange_account_id: position.exchangeAccountId,
      symbol: position.symbol,
      side: position.side,
      opened_at: timeIn(position.openedAt, 'openedAt'),
      version: position.version,
      ...mutableColumns(position),
    })
    .execute();
}

/** @example const position = await getPosition(db, 'p1'); */
export async function getPosition(db: Kysely<LedgerSchema>, id: string): Promise<Position | undefined> {
  const row = await selectPositions(db).where('id', '=', id).executeTakeFirst();
  return row ? positionFromRow(row) : undefined;
}

/**
 * Writes `position` only if the stored row still has `position.version`; the stored version
 * becomes `position.version + 1`. Throws StaleRowError naming the position on a concurrent change
 * (the ledger's one optimistic-update contract, as for orders and bots).
 *
 * @example
 * const { position: next } = applyFill(position, fill, now);
 * await updatePosition(trx, next); // StaleRowError: re-read, re-apply, try again
 */
export async function updatePosition(db: Kysely<LedgerSchema>, position: Position): Promise<void> {
  const result = await db
    .updateTable('positions')
    .set({ ...mutableColumns(position), version: position.version + 1 })
    .where('id', '=', position.id)
    .where('version', '=', position.version)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) throw new StaleRowError(`position ${position.id} (read at version ${position.version}) changed while it was being updated`);
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
