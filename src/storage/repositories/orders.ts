/**
 * Orders: the one column map and row codec of `orders`, and the reads (by id, client order id,
 * exchange order id, a bot's orders, the retry loop's due orders, lists and counts). The writes
 * (insert, versioned update) and the locked loads of a unit of work are the batch forms in
 * orders-batch.ts, over the same map. Every function takes the ledger's typed Kysely (reads
 * outside a write transaction see the latest committed state).
 */
import type { Kysely } from 'kysely';
import type { Order } from '../../domain/order/order.ts';
import type { OrderStatus } from '../../domain/order/order-status.ts';
import type { CancellationReason } from '../../domain/order/reasons.ts';
import type { LedgerSchema, OrdersTable } from '../schema.ts';
import { intOut, moneyIn, moneyInOrNull, moneyOut, moneyOutOrNull, type Page, type PageOptions, pageBy, textOut, timeIn, timeInOrNull, timeOut, timeOutOrNull } from './codec.ts';

type Db = Kysely<LedgerSchema>;

/** Domain field -> column of `orders`: the one map every statement on orders is made from. */
export const ORDER_COLUMNS = {
  id: 'id',
  userId: 'user_id',
  botId: 'bot_id',
  pluginId: 'plugin_id',
  clientOrderId: 'client_order_id',
  exchangeOrderId: 'exchange_order_id',
  symbol: 'symbol',
  side: 'side',
  type: 'type',
  intent: 'intent',
  price: 'price',
  stopPrice: 'stop_price',
  amount: 'amount',
  filledAmount: 'filled_amount',
  averagePrice: 'average_price',
  status: 'status',
  reason: 'reason',
  cancellationReason: 'cancellation_reason',
  retryCount: 'retry_count',
  firstFailedAt: 'first_failed_at',
  nextRetryAt: 'next_retry_at',
  expiresAt: 'expires_at',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
  version: 'version',
} as const satisfies Record<keyof Order, keyof OrdersTable>;

export type OrderField = keyof typeof ORDER_COLUMNS;
export const ORDER_FIELDS = Object.keys(ORDER_COLUMNS) as OrderField[];

/**
 * Fields an update may change. The others (identity, owner, what was ordered, creation) are fixed
 * when the order is recorded: an update that changes one is refused, whoever asks (command or
 * venue event, one order or a batch).
 */
export const MUTABLE_ORDER_FIELDS = [
  'exchangeOrderId',
  'price',
  'stopPrice',
  'filledAmount',
  'averagePrice',
  'status',
  'reason',
  'cancellationReason',
  'retryCount',
  'firstFailedAt',
  'nextRetryAt',
  'expiresAt',
  'updatedAt',
] as const satisfies readonly OrderField[];

export const FIXED_ORDER_FIELDS = ORDER_FIELDS.filter((field) => field !== 'version' && !(MUTABLE_ORDER_FIELDS as readonly string[]).includes(field));

export const MONEY_ORDER_FIELDS = new Set<OrderField>(['price', 'stopPrice', 'amount', 'filledAmount', 'averagePrice']);
export const TIME_ORDER_FIELDS = new Set<OrderField>(['firstFailedAt', 'nextRetryAt', 'expiresAt', 'createdAt', 'updatedAt']);

/** Per field, how its value becomes a column value (made once: this runs for every field of every row of a batch). */
const ENCODERS = Object.fromEntries(
  ORDER_FIELDS.map((field) => {
    const column = `orders.${ORDER_COLUMNS[field]}`;
    const required = field === 'amount' || field === 'filledAmount' || field === 'createdAt' || field === 'updatedAt';
    const encode = MONEY_ORDER_FIELDS.has(field)
      ? required
        ? (value: unknown) => moneyIn(value as string, column, field)
        : (value: unknown) => moneyInOrNull(value as string | null, column, field)
      : TIME_ORDER_FIELDS.has(field)
        ? required
          ? (value: unknown) => timeIn(value as string, field)
          : (value: unknown) => timeInOrNull(value as string | null, field)
        : (value: unknown) => value;
    return [field, encode];
  }),
) as Record<OrderField, (value: unknown) => unknown>;

/** One field of an order as its column value (money checked against NUMERIC(38,18), naming the column; instants ISO). */
export function orderColumnValue(order: Order, field: OrderField): unknown {
  return ENCODERS[field](order[field]);
}

/** A row of `orders` as a domain Order (money canonical, instants ISO-8601). */
export function orderFromRow(row: Record<string, unknown>): Order {
  return {
    id: String(row.id),
    userId: textOut(row.user_id),
    botId: textOut(row.bot_id),
    pluginId: textOut(row.plugin_id),
    clientOrderId: String(row.client_order_id),
    exchangeOrderId: textOut(row.exchange_order_id),
    symbol: String(row.symbol),
    side: row.side as Order['side'],
    type: row.type as Order['type'],
    intent: row.intent as Order['intent'],
    price: moneyOutOrNull(row.price),
    stopPrice: moneyOutOrNull(row.stop_price),
    amount: moneyOut(row.amount),
    filledAmount: moneyOut(row.filled_amount),
    averagePrice: moneyOutOrNull(row.average_price),
    status: row.status as OrderStatus,
    reason: String(row.reason),
    cancellationReason: (row.cancellation_reason as CancellationReason | null) ?? null,
    retryCount: intOut(row.retry_count ?? 0),
    firstFailedAt: timeOutOrNull(row.first_failed_at),
    nextRetryAt: timeOutOrNull(row.next_retry_at),
    expiresAt: timeOutOrNull(row.expires_at),
    createdAt: timeOut(row.created_at),
    updatedAt: timeOut(row.updated_at),
    version: intOut(row.version ?? 0),
  };
}

/** @example const order = await getOrder(db, 'o1'); */
export async function getOrder(db: Db, id: string): Promise<Order | undefined> {
  const row = await db.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? orderFromRow(row) : undefined;
}

/** @example const order = await getOrderByClientOrderId(db, 'bl-scalper1-1z'); */
export async function getOrderByClientOrderId(db: Db, clientOrderId: string): Promise<Order | undefined> {
  const row = await db.selectFrom('orders').selectAll().where('client_order_id', '=', clientOrderId).executeTakeFirst();
  return row ? orderFromRow(row) : undefined;
}

/** @example const order = await getOrderByExchangeOrderId(db, '1827364'); */
export async function getOrderByExchangeOrderId(db: Db, exchangeOrderId: string): Promise<Order | undefined> {
  const row = await db.selectFrom('orders').selectAll().where('exchange_order_id', '=', exchangeOrderId).orderBy('created_at').executeTakeFirst();
  return row ? orderFromRow(row) : undefined;
}

/**
 * The order a venue report names, by client order id or exchange order id, whichever is known
 * (a venue event may carry either first).
 *
 * @example
 * await findOrderByRef(db, { clientOrderId: report.clientOrderId, exchangeOrderId: report.exchangeOrderId });
 */
export async function findOrderByRef(db: Db, ref: { clientOrderId?: string | null; exchangeOrderId?: string | null }): Promise<Order | undefined> {
  if (ref.clientOrderId) {
    const order = await getOrderByClientOrderId(db, ref.clientOrderId);
    if (order) return order;
  }
  return ref.exchangeOrderId ? getOrderByExchangeOrderId(db, ref.exchangeOrderId) : undefined;
}

export interface OrderFilter {
  readonly status?: OrderStatus | readonly OrderStatus[];
  readonly botId?: string;
  readonly pluginId?: string;
  readonly userId?: string;
  readonly symbol?: string;
  readonly side?: Order['side'];
  /** Created at or after this instant (ISO-8601). */
  readonly from?: string;
  /** Created before this instant (ISO-8601). */
  readonly to?: string;
}

/**
 * Orders matching the filter, newest first by default, keyset-paged by (created_at, id).
 *
 * @example
 * const page = await listOrders(db, { status: 'failed', pluginId: 'scalper' }, { limit: 20 });
 * const next = await listOrders(db, { status: 'failed', pluginId: 'scalper' }, { limit: 20, cursor: page.nextCursor });
 */
export async function listOrders(db: Db, filter: OrderFilter = {}, page: PageOptions = {}): Promise<Page<Order>> {
  let query = db.selectFrom('orders').selectAll();
  if (filter.status !== undefined) {
    const statuses = typeof filter.status === 'string' ? [filter.status as OrderStatus] : [...(filter.status as readonly OrderStatus[])];
    query = query.where('status', 'in', statuses);
  }
  if (filter.botId !== undefined) query = query.where('bot_id', '=', filter.botId);
  if (filter.pluginId !== undefined) query = query.where('plugin_id', '=', filter.pluginId);
  if (filter.userId !== undefined) query = query.where('user_id', '=', filter.userId);
  if (filter.symbol !== undefined) query = query.where('symbol', '=', filter.symbol);
  if (filter.side !== undefined) query = query.where('side', '=', filter.side);
  // A time range bounds created_at, the column the keyset pages by: a range of (created_at, id) and of the per-user (user_id, status, created_at, id) index.
  if (filter.from !== undefined) query = query.where('created_at', '>=', timeIn(filter.from, 'from'));
  if (filter.to !== undefined) query = query.where('created_at', '<', timeIn(filter.to, 'to'));
  return pageBy(query, { time: 'created_at', id: 'id' }, page, orderFromRow, (order) => ({ at: order.createdAt, id: order.id }));
}

/** Most orders one pass of the retry loop takes. */
export const DUE_ORDERS_LIMIT = 100;

/**
 * Failed orders the retry loop must handle at `now`, earliest due first, at most `limit`: due for
 * a retry (next_retry_at reached, or none set) or expired. The domain never sets next_retry_at
 * later than expires_at (retry-policy.ts: it is capped there), so an expired failed order is
 * always due by next_retry_at too, and the whole condition is a range of the index
 * orders_status_idx (status, next_retry_at): failed orders not yet due are never read.
 *
 * @example
 * for (const order of await listFailedOrdersDue(db, now)) isExpired(order, now) ? expire(order) : retry(order);
 */
export async function listFailedOrdersDue(db: Db, now: Date, limit = DUE_ORDERS_LIMIT): Promise<Order[]> {
  const at = now.toISOString();
  const rows = await db
    .selectFrom('orders')
    .selectAll()
    .where('status', '=', 'failed')
    // Stop-loss orders are the stop-loss manager's to retry (engine/positions/stop-losses.ts), on their own backoff.
    .where('intent', '<>', 'stop_loss')
    .where((eb) => eb.or([eb('next_retry_at', 'is', null), eb('next_retry_at', '<=', at)]))
    .orderBy('next_retry_at')
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map(orderFromRow);
}

/**
 * Number of orders per status (all five present), for a filter: one GROUP BY status. With a user
 * it is a walk of orders_user_status_created_idx (user_id, status, created_at, id), already in
 * status order and bounded on created_at by from/to; with a bot, of orders_bot_id_status_idx.
 *
 * @example
 * await countOrdersByStatus(db, { botId: 'b1' }); // { pending: 1, ongoing: 0, closed: 3, failed: 0, cancelled: 2 }
 */
export async function countOrdersByStatus(db: Db, filter: Omit<OrderFilter, 'status'> = {}): Promise<Record<OrderStatus, number>> {
  let query = db
    .selectFrom('orders')
    .select(['status', db.fn.countAll().as('count')])
    .groupBy('status');
  if (filter.botId !== undefined) query = query.where('bot_id', '=', filter.botId);
  if (filter.pluginId !== undefined) query = query.where('plugin_id', '=', filter.pluginId);
  if (filter.userId !== undefined) query = query.where('user_id', '=', filter.userId);
  if (filter.symbol !== undefined) query = query.where('symbol', '=', filter.symbol);
  if (filter.side !== undefined) query = query.where('side', '=', filter.side);
  if (filter.from !== undefined) query = query.where('created_at', '>=', timeIn(filter.from, 'from'));
  if (filter.to !== undefined) query = query.where('created_at', '<', timeIn(filter.to, 'to'));
  const counts: Record<OrderStatus, number> = { pending: 0, ongoing: 0, closed: 0, failed: 0, cancelled: 0 };
  for (const row of await query.execute()) counts[row.status as OrderStatus] = Number(row.count);
  return counts;
}

/**
 * A bot's orders, oldest first, optionally only those in `statuses`.
 *
 * @example
 * await ordersOfBot(db, 'scalp1', ['pending', 'ongoing']);
 */
export async function ordersOfBot(db: Db, botId: string, statuses?: readonly OrderStatus[]): Promise<Order[]> {
  let query = db.selectFrom('orders').selectAll().where('bot_id', '=', botId);
  if (statuses?.length) query = query.where('status', 'in', [...statuses]);
  return (await query.orderBy('created_at').orderBy('id').execute()).map(orderFromRow);
}

/** Orders with a status, oldest first (reconciliation's pending orders). */
export async function ordersWithStatus(db: Db, status: OrderStatus): Promise<Order[]> {
  return (await db.selectFrom('orders').selectAll().where('status', '=', status).orderBy('created_at').orderBy('id').execute()).map(orderFromRow);
}

/** How many of the bot's orders have this status and intent. */
export async function countOrdersOfBot(db: Db, botId: string, status: OrderStatus, intent: Order['intent']): Promise<number> {
  const row = await db
    .selectFrom('orders')
    .select(db.fn.countAll().as('n'))
    .where('bot_id', '=', botId)
    .where('status', '=', status)
    .where('intent', '=', intent)
    .executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** The bot's most recent exit or stop-loss that filled. */
export async function lastClosedExit(db: Db, botId: string): Promise<Order | undefined> {
  const row = await db
    .selectFrom('orders')
    .selectAll()
    .where('bot_id', '=', botId)
    .where('status', '=', 'closed')
    .where('intent', '<>', 'entry')
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return row ? orderFromRow(row) : undefined;
}

/** How many orders the bot made at or after `since` (ISO-8601): the orders-per-minute protection. */
export async function countOrdersOfBotSince(db: Db, botId: string, since: string): Promise<number> {
  const row = await db.selectFrom('orders').select(db.fn.countAll().as('n')).where('bot_id', '=', botId).where('created_at', '>=', since).executeTakeFirst();
  return Number(row?.n ?? 0);
}

/** The newest order the venue acknowledged (it has an exchange order id): the venue must know it. */
export async function newestAcknowledgedOrder(db: Db): Promise<Order | undefined> {
  const row = await db.selectFrom('orders').selectAll().where('exchange_order_id', 'is not', null).orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
  return row ? orderFromRow(row) : undefined;
}

/** Client order ids of the orders created at or after `since` (ISO-8601), for a batch "do we know it?" check. */
export async function clientOrderIdsSince(db: Db, since: string): Promise<Set<string>> {
  const rows = await db.selectFrom('orders').select('client_order_id').where('created_at', '>=', since).execute();
  return new Set(rows.map((row) => String(row.client_order_id)));
}

/** The newest order's creation time, or undefined for a ledger with no order. */
export async function newestOrderCreatedAt(db: Db): Promise<string | undefined> {
  const row = await db.selectFrom('orders').select('created_at').orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
  return row ? timeOut(row.created_at) : undefined;
}

/**
 * Live exits and stop-losses (pending or failed, not being cancelled) of a bot that holds no open
 * position on their symbol: what a closed position left at the venue when the process died
 * between the close's COMMIT and the cancels that follow it. Oldest first, at most `limit`.
 *
 * @example
 * const strays = await leftoverExitsOfClosedPositions(db, 100);
 */
export async function leftoverExitsOfClosedPositions(db: Db, limit = 100): Promise<Order[]> {
  const rows = await db
    .selectFrom('orders as o')
    .selectAll('o')
    .where('o.status', 'in', ['pending', 'failed'])
    .where('o.intent', 'in', ['exit', 'stop_loss'])
    .where('o.cancellation_reason', 'is', null)
    .where('o.bot_id', 'is not', null)
    .where(({ not, exists, selectFrom }) =>
      not(exists(selectFrom('positions as p').select('p.id').whereRef('p.bot_id', '=', 'o.bot_id').whereRef('p.symbol', '=', 'o.symbol').where('p.status', '=', 'open'))),
    )
    .orderBy('o.created_at')
    .orderBy('o.id')
    .limit(limit)
    .execute();
  return rows.map(orderFromRow);
}
