/**
 * The batch forms of positions and trades for a unit of work: load (and lock) a bot's open
 * positions or positions by id, insert many, update many with the version check, insert trades.
 * Fixed SQL text over one column map, so each statement is prepared once (sql/executor.ts).
 */
import type { JsonValue } from '../../domain/bot/bot.ts';
import type { Position, PositionStatus } from '../../domain/position/position.ts';
import type { Trade } from '../../domain/position/trade.ts';
import type { DialectCapabilities } from '../dialects/capabilities.ts';
import { insertMany, placeholders, type UpdateColumn, updateManyVersioned } from '../sql/batch.ts';
import type { SqlExecutor } from '../sql/executor.ts';
import { intOut, jsonIn, jsonOut, moneyIn, moneyInOrNull, moneyOut, moneyOutOrNull, textOut, timeIn, timeInOrNull, timeOut, timeOutOrNull } from './codec.ts';
import { lockClause } from './orders-batch.ts';

type Kind = 'text' | 'money' | 'money?' | 'time' | 'time?' | 'json' | 'int';

/** Domain field -> [column, kind]: the one map every statement on positions is made from. */
const POSITION_MAP = {
  id: ['id', 'text'],
  userId: ['user_id', 'text'],
  botId: ['bot_id', 'text'],
  pluginId: ['plugin_id', 'text'],
  exchangeAccountId: ['exchange_account_id', 'text'],
  symbol: ['symbol', 'text'],
  side: ['side', 'text'],
  amount: ['amount', 'money'],
  entryCost: ['entry_cost', 'money'],
  closedAmount: ['closed_amount', 'money'],
  entryPrice: ['entry_price', 'money'],
  exitPrice: ['exit_price', 'money?'],
  realizedPnl: ['realized_pnl', 'money'],
  fees: ['fees', 'money'],
  stopLossPrice: ['stop_loss_price', 'money?'],
  status: ['status', 'text'],
  exitReason: ['exit_reason', 'text'],
  errorDetails: ['error_details', 'json'],
  retryCount: ['retry_count', 'int'],
  lastErrorAt: ['last_error_at', 'time?'],
  lastSyncAt: ['last_sync_at', 'time?'],
  syncStatus: ['sync_status', 'text'],
  exchangeOrderId: ['exchange_order_id', 'text'],
  slOrderId: ['sl_order_id', 'text'],
  openedAt: ['opened_at', 'time'],
  closedAt: ['closed_at', 'time?'],
  updatedAt: ['updated_at', 'time'],
  version: ['version', 'int'],
} as const satisfies Record<keyof Position, readonly [string, Kind]>;

type PositionField = keyof typeof POSITION_MAP;
const POSITION_FIELDS = Object.keys(POSITION_MAP) as PositionField[];

/** Fields an update may change: identity, owner, symbol and side are fixed when a position opens. */
export const MUTABLE_POSITION_FIELDS: readonly PositionField[] = POSITION_FIELDS.filter(
  (field) => !['id', 'userId', 'botId', 'pluginId', 'exchangeAccountId', 'symbol', 'side', 'openedAt', 'version'].includes(field),
);

function encode(position: Position, field: PositionField): unknown {
  const [column, kind] = POSITION_MAP[field];
  const value = position[field];
  switch (kind) {
    case 'money':
      return moneyIn(value as string, `positions.${column}`, field);
    case 'money?':
      return moneyInOrNull(value as string | null, `positions.${column}`, field);
    case 'time':
      return timeIn(value as string, field);
    case 'time?':
      return timeInOrNull(value as string | null, field);
    case 'json':
      return jsonIn(value);
    default:
      return value ?? null;
  }
}

/** A row of `positions` as a domain Position. */
export function positionFromRow(row: Record<string, unknown>): Position {
  return {
    id: String(row.id),
    userId: textOut(row.user_id),
    botId: textOut(row.bot_id),
    pluginId: String(row.plugin_id),
    exchangeAccountId: textOut(row.exchange_account_id),
    symbol: String(row.symbol),
    side: row.side as Position['side'],
    amount: moneyOut(row.amount),
    entryCost: moneyOut(row.entry_cost ?? '0'),
    closedAmount: moneyOut(row.closed_amount),
    entryPrice: moneyOut(row.entry_price),
    exitPrice: moneyOutOrNull(row.exit_price),
    realizedPnl: moneyOut(row.realized_pnl),
    fees: moneyOut(row.fees),
    stopLossPrice: moneyOutOrNull(row.stop_loss_price),
    status: row.status as PositionStatus,
    exitReason: textOut(row.exit_reason),
    errorDetails: jsonOut<JsonValue>(row.error_details),
    retryCount: intOut(row.retry_count ?? 0),
    lastErrorAt: timeOutOrNull(row.last_error_at),
    lastSyncAt: timeOutOrNull(row.last_sync_at),
    syncStatus: textOut(row.sync_status),
    exchangeOrderId: textOut(row.exchange_order_id),
    slOrderId: textOut(row.sl_order_id),
    openedAt: timeOut(row.opened_at),
    closedAt: timeOutOrNull(row.closed_at),
    updatedAt: timeOut(row.updated_at),
    version: intOut(row.version ?? 0),
  };
}

/**
 * The open positions of these bots, locked, in id order.
 *
 * @example
 * const open = await lockOpenPositionsOfBots(q, caps, ['b1']);
 */
export async function lockOpenPositionsOfBots(q: SqlExecutor, caps: DialectCapabilities, botIds: readonly string[]): Promise<Position[]> {
  const list = [...new Set(botIds)].sort();
  if (list.length === 0) return [];
  const rows = await q.all(`select * from positions where status = 'open' and bot_id in (${placeholders(list.length)}) order by id${lockClause(caps)}`, list);
  return rows.map(positionFromRow);
}

/** The positions with these ids, locked, in id order. */
export async function lockPositionsByIds(q: SqlExecutor, caps: DialectCapabilities, ids: readonly string[]): Promise<Position[]> {
  const list = [...new Set(ids)].sort();
  if (list.length === 0) return [];
  const rows = await q.all(`select * from positions where id in (${placeholders(list.length)}) order by id${lockClause(caps)}`, list);
  return rows.map(positionFromRow);
}

/** Records new positions in one statement (money checked, naming the column). */
export async function insertPositions(q: SqlExecutor, positions: readonly Position[]): Promise<void> {
  if (positions.length === 0) return;
  const columns = POSITION_FIELDS.map((field) => POSITION_MAP[field][0]);
  await insertMany(q, 'positions', columns, positions, (position, out) => {
    for (const field of POSITION_FIELDS) out.push(encode(position, field));
  });
}

const sqlType = (kind: Kind, caps: DialectCapabilities): string =>
  kind.startsWith('money') ? caps.moneyType : kind.startsWith('time') ? caps.timestampType : kind === 'json' ? caps.jsonType : kind === 'int' ? 'integer' : 'text';

const UPDATE_COLUMNS: readonly UpdateColumn[] = MUTABLE_POSITION_FIELDS.map((field) => {
  const [name, kind] = POSITION_MAP[field];
  return { name, type: (caps: DialectCapabilities) => sqlType(kind, caps) };
});

/**
 * Writes every mutable column of each position where the stored row is still at
 * `expectedVersion` (the one optimistic-update contract); StaleRowError names the ones that moved.
 */
export async function updatePositions(q: SqlExecutor, caps: DialectCapabilities, updates: readonly { position: Position; expectedVersion: number }[]): Promise<void> {
  if (updates.length === 0) return;
  await updateManyVersioned(
    q,
    caps,
    'positions',
    'id',
    UPDATE_COLUMNS,
    updates.map(({ position, expectedVersion }) => ({
      key: position.id,
      expectedVersion,
      newVersion: position.version,
      values: MUTABLE_POSITION_FIELDS.map((field) => encode(position, field)),
    })),
    (id) => `position ${id}`,
  );
}

const TRADE_COLUMNS = ['id', 'position_id', 'user_id', 'bot_id', 'plugin_id', 'symbol', 'side', 'amount', 'entry_price', 'exit_price', 'pnl', 'fees', 'exit_reason', 'opened_at', 'closed_at', 'created_at'] as const;

/** Pushes a trade's column values in TRADE_COLUMNS order. */
export function tradeValues(trade: Trade, out: unknown[]): void {
  out.push(
    trade.id,
    trade.positionId,
    trade.userId,
    trade.botId,
    trade.pluginId,
    trade.symbol,
    trade.side,
    moneyIn(trade.amount, 'trades.amount', 'amount'),
    moneyIn(trade.entryPrice, 'trades.entry_price', 'entryPrice'),
    moneyIn(trade.exitPrice, 'trades.exit_price', 'exitPrice'),
    moneyIn(trade.pnl, 'trades.pnl', 'pnl'),
    moneyIn(trade.fees, 'trades.fees', 'fees'),
    trade.exitReason,
    timeIn(trade.openedAt, 'openedAt'),
    timeIn(trade.closedAt, 'closedAt'),
    timeIn(trade.createdAt, 'createdAt'),
  );
}

/**
 * Records trades in one statement. A trade id already stored is skipped (`insertedOnly` returns
 * the ones written), so importing or closing the same round trip twice never counts it twice.
 */
export async function insertTrades(q: SqlExecutor, trades: readonly Trade[]): Promise<Trade[]> {
  if (trades.length === 0) return [];
  const rows = await insertMany(q, 'trades', TRADE_COLUMNS, trades, tradeValues, 'on conflict (id) do nothing returning id');
  const written = new Set(rows.map((row) => String(row.id)));
  return trades.filter((trade) => written.has(trade.id));
}
