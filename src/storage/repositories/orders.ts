/**
 * Orders: insert the intent, find by id / client order id / exchange order id, update with an
 * optimistic `version` check, list with filters and keyset paging. Every function takes a
 * `Kysely<any>` or a transaction, so the engine composes one short transaction of several calls.
 */
import type { Kysely } from 'kysely';
import type { Order } from '../../domain/order/order.ts';
import type { OrderStatus } from '../../domain/order/order-status.ts';
import type { CancellationReason } from '../../domain/order/reasons.ts';
import {
  intOut,
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

/** Columns an update may change (everything but identity, creation and version). */
function mutableColumns(order: Order) {
  return {
    exchange_order_id: order.exchangeOrderId,
    price: moneyInOrNull(order.price, 'price'),
    stop_price: moneyInOrNull(order.stopPrice, 'stopPrice'),
    filled_amount: moneyIn(order.filledAmount, 'filledAmount'),
    average_price: moneyInOrNull(order.averagePrice, 'averagePrice'),
    status: order.status,
    reason: order.reason,
    cancellation_reason: order.cancellationReason,
    retry_count: order.retryCount,
    first_failed_at: timeInOrNull(order.firstFailedAt, 'firstFailedAt'),
    next_retry_at: timeInOrNull(order.nextRetryAt, 'nextRetryAt'),
    expires_at: timeInOrNull(order.expiresAt, 'expiresAt'),
    updated_at: timeIn(order.updatedAt, 'updatedAt'),
  };
}

/** A row of `orders` as a domain Order. */
export function orderFromRow(row: Record<string, unknown>): Order {
  return {
    id: String(row.id),
    userId: (row.user_id as string | null) ?? null,
    botId: (row.bot_id as string | null) ?? null,
    pluginId: (row.plugin_id as string | null) ?? null,
    clientOrderId: String(row.client_order_id),
    exchangeOrderId: (row.exchange_order_id as string | null) ?? null,
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
    retryCount: intOut(row.retry_count),
    firstFailedAt: timeOutOrNull(row.first_failed_at),
    nextRetryAt: timeOutOrNull(row.next_retry_at),
    expiresAt: timeOutOrNull(row.expires_at),
    createdAt: timeOut(row.created_at),
    updatedAt: timeOut(row.updated_at),
    version: intOut(row.version),
  };
}

/**
 * Records a new order (the intent), with the version it carries (1 from createOrder). Throws on a
 * duplicate id or client order id (unique), or a money value that does not fit NUMERIC(38,18).
 *
 * @example
 * await db.transaction().execute((trx) => insertOrder(trx, createOrder(input, now)));
 */
export async function insertOrder(db: Kysely<any>, order: Order): Promise<void> {
  await db
    .insertInto('orders')
    .values({
      id: order.id,
      user_id: order.userId,
      bot_id: order.botId,
      plugin_id: order.pluginId,
      client_order_id: order.clientOrderId,
      symbol: order.symbol,
      side: order.side,
      type: order.type,
      intent: order.intent,
      amount: moneyIn(order.amount, 'amount'),
      created_at: timeIn(order.createdAt, 'createdAt'),
      version: order.version,
      ...mutableColumns(order),
    })
    .execute();
}

/** @example const order = await getOrder(db, 'o1'); */
export async function getOrder(db: Kysely<any>, id: string): Promise<Order | undefined> {
  const row = await db.selectFrom('orders').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? orderFromRow(row) : undefined;
}

/** @example const order = await getOrderByClientOrderId(db, 'bl-scalper1-1z'); */
export async function getOrderByClientOrderId(db: Kysely<any>, clientOrderId: string): Promise<Order | undefined> {
  const row = await db.selectFrom('orders').selectAll().where('client_order_id', '=', clientOrderId).executeTakeFirst();
  return row ? orderFromRow(row) : undefined;
}

/** @example const order = await getOrderByExchangeOrderId(db, '1827364'); */
export async function getOrderByExchangeOrderId(db: Kysely<any>, exchangeOrderId: string): Promise<Order | undefined> {
  const row = await db
    .selectFrom('orders')
    .selectAll()
    .where('exchange_order_id', '=', exchangeOrderId)
    .orderBy('created_at')
    .executeTakeFirst();
  return row ? orderFromRow(row) : undefined;
}

/**
 * The order a venue report names, by client order id or exchange order id, whichever is known
 * (a venue event may carry either first).
 *
 * @example
 * await findOrderByRef(db, { clientOrderId: report.clientOrderId, exchangeOrderId: report.exchangeOrderId });
 */
export async function findOrderByRef(
  db: Kysely<any>,
  ref: { clientOrderId?: string | null; exchangeOrderId?: string | null },
): Promise<Order | undefined> {
  if (ref.clientOrderId) {
    const order = await getOrderByClientOrderId(db, ref.clientOrderId);
    if (order) return order;
  }
  return ref.exchangeOrderId ? getOrderByExchangeOrderId(db, ref.exchangeOrderId) : undefined;
}

/**
 * Writes `order` only if the stored row still has `order.version` (the version it was read with);
 * the stored version becomes `order.version + 1`. Returns false, changing nothing, when someone
 * else updated the order in between: re-read, re-apply the event, try again.
 *
 * @example
 * const { order: next, outcome } = applyOrderEvent(current, event, now);
 * if (outcome === 'applied' && !(await updateOrder(trx, next))) { ... conflict: retry ... }
 */
export async function updateOrder(db: Kysely<any>, order: Order): Promise<boolean> {
  const result = await db
    .updateTable('orders')
    .set({ ...mutableColumns(order), version: order.version + 1 })
    .where('id', '=', order.id)
    .where('version', '=', order.version)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export interface OrderFilter {
  readonly status?: OrderStatus | readonly OrderStatus[];
  readonly botId?: string;
  readonly pluginId?: string;
  readonly userId?: string;
  readonly symbol?: string;
}

/**
 * Orders matching the filter, newest first by default, keyset-paged by (created_at, id).
 *
 * @example
 * const page = await listOrders(db, { status: 'failed', pluginId: 'scalper' }, { limit: 20 });
 * const next = await listOrders(db, { status: 'failed', pluginId: 'scalper' }, { limit: 20, cursor: page.nextCursor });
 */
export async function listOrders(db: Kysely<any>, filter: OrderFilter = {}, page: PageOptions = {}): Promise<Page<Order>> {
  let query = db.selectFrom('orders').selectAll();
  if (filter.status !== undefined) {
    const statuses = typeof filter.status === 'string' ? [filter.status] : [...filter.status];
    query = query.where('status', 'in', statuses);
  }
  if (filter.botId !== undefined) query = query.where('bot_id', '=', filter.botId);
  if (filter.pluginId !== undefined) query = query.where('plugin_id', '=', filter.pluginId);
  if (filter.userId !== undefined) query = query.where('user_id', '=', filter.userId);
  if (filter.symbol !== undefined) query = query.where('symbol', '=', filter.symbol);
  return pageBy(query, { time: 'created_at', id: 'id' }, page, orderFromRow, (order) => ({ at: order.createdAt, id: order.id }));
}

/**
 * Failed orders the retry loop must handle at `now`: due for a retry (next_retry_at reached) or
 * expired (expires_at reached), earliest first.
 *
 * @example
 * for (const order of await listFailedOrdersDue(db, now)) isExpired(order, now) ? expire(order) : retry(order);
 */
export async function listFailedOrdersDue(db: Kysely<any>, now: Date, limit = 100): Promise<Order[]> {
  const at = now.toISOString();
  const rows = await db
    .selectFrom('orders')
    .selectAll()
    .where('status', '=', 'failed')
    .where((eb) => eb.or([eb('next_retry_at', '<=', at), eb('expires_at', '<=', at)]))
    .orderBy('next_retry_at')
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map(orderFromRow);
}

/**
 * Number of orders per status (all five present), for a filter.
 *
 * @example
 * await countOrdersByStatus(db, { botId: 'b1' }); // { pending: 1, ongoing: 0, closed: 3, failed: 0, cancelled: 2 }
 */
export async function countOrdersByStatus(db: Kysely<any>, filter: Omit<OrderFilter, 'status'> = {}): Promise<Record<OrderStatus, number>> {
  let query = db
    .selectFrom('orders')
    .select(['status', db.fn.countAll().as('count')])
    .groupBy('status');
  if (filter.botId !== undefined) query = query.where('bot_id', '=', filter.botId);
  if (filter.pluginId !== undefined) query = query.where('plugin_id', '=', filter.pluginId);
  if (filter.userId !== undefined) query = query.where('user_id', '=', filter.userId);
  if (filter.symbol !== undefined) query = query.where('symbol', '=', filter.symbol);
  const counts: Record<OrderStatus, number> = { pending: 0, ongoing: 0, closed: 0, failed: 0, cancelled: 0 };
  for (const row of await query.execute()) counts[row.status as OrderStatus] = Number(row.count);
  return counts;
}
