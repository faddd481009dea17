/**
 * The batch forms of the orders repository, for a unit of work: load (and lock) the orders a
 * batch names, insert many, update many with the version check. Fixed SQL text over the column
 * map of orders.ts, so each statement is prepared once (sql/executor.ts), never compiled per row.
 */
import type { Order } from '../../domain/order/order.ts';
import type { DialectCapabilities } from '../dialects/capabilities.ts';
import { insertMany, placeholders, type UpdateColumn, updateManyVersioned } from '../sql/batch.ts';
import type { SqlExecutor } from '../sql/executor.ts';
import { MONEY_ORDER_FIELDS, MUTABLE_ORDER_FIELDS, ORDER_COLUMNS, ORDER_FIELDS, orderColumnValue, orderFromRow, TIME_ORDER_FIELDS } from './orders.ts';

/** What a unit of work locks orders by. Each list is sorted before it is sent: two transactions lock rows in the same order. */
export interface OrderRefs {
  readonly ids?: Iterable<string>;
  readonly clientOrderIds?: Iterable<string>;
  readonly exchangeOrderIds?: Iterable<string>;
}

/** ` for update` where the dialect has row locks (SQLite's BEGIN IMMEDIATE already keeps other writers out). */
export function lockClause(caps: DialectCapabilities): string {
  return caps.rowLocks ? ' for update' : '';
}

/**
 * The orders named by any of `refs`, locked for the rest of the transaction, in id order.
 *
 * @example
 * const orders = await findOrdersByRefs(q, caps, { clientOrderIds: ['bl-b1-1'], exchangeOrderIds: ['x9'] });
 */
export async function findOrdersByRefs(q: SqlExecutor, caps: DialectCapabilities, refs: OrderRefs): Promise<Order[]> {
  const found = new Map<string, Order>();
  for (const [column, values] of [
    ['id', refs.ids],
    ['client_order_id', refs.clientOrderIds],
    ['exchange_order_id', refs.exchangeOrderIds],
  ] as const) {
    const list = [...new Set(values ?? [])].sort();
    if (list.length === 0) continue;
    const rows = await q.all(`select * from orders where ${column} in (${placeholders(list.length)}) order by id${lockClause(caps)}`, list);
    for (const row of rows) {
      const order = orderFromRow(row);
      if (!found.has(order.id)) found.set(order.id, order);
    }
  }
  return [...found.values()];
}

/**
 * A bot's orders in `statuses`, oldest first, locked.
 *
 * @example
 * const live = await lockOrdersOfBot(q, caps, 'b1', ['pending', 'failed']);
 */
export async function lockOrdersOfBot(q: SqlExecutor, caps: DialectCapabilities, botId: string, statuses: readonly string[]): Promise<Order[]> {
  const rows = await q.all(`select * from orders where bot_id = ? and status in (${placeholders(statuses.length)}) order by created_at, id${lockClause(caps)}`, [botId, ...statuses]);
  return rows.map(orderFromRow);
}

/**
 * Records new orders (intents) in one statement. Throws on a duplicate id or client order id, or
 * a money value that does not fit NUMERIC(38,18) (naming the column).
 */
export async function insertOrders(q: SqlExecutor, orders: readonly Order[]): Promise<void> {
  if (orders.length === 0) return;
  const columns = ORDER_FIELDS.map((field) => ORDER_COLUMNS[field]);
  await insertMany(q, 'orders', columns, orders, (order, out) => {
    for (const field of ORDER_FIELDS) out.push(orderColumnValue(order, field));
  });
}

type MutableField = (typeof MUTABLE_ORDER_FIELDS)[number];

const UPDATE_COLUMNS = new Map<MutableField, UpdateColumn>(
  MUTABLE_ORDER_FIELDS.map((field) => [
    field,
    {
      name: ORDER_COLUMNS[field],
      type: (caps: DialectCapabilities) => (MONEY_ORDER_FIELDS.has(field) ? caps.moneyType : TIME_ORDER_FIELDS.has(field) ? caps.timestampType : field === 'retryCount' ? 'integer' : 'text'),
    },
  ]),
);

/**
 * Writes `fields` (default: every mutable column) of each order, only where the stored row is
 * still at `expectedVersion`; the stored version becomes `order.version`. Throws StaleRowError
 * naming the orders that had moved. A unit of work passes the fields its batch changed, so a batch
 * of fills binds only what fills change.
 *
 * @example
 * await updateOrders(q, caps, [{ order: { ...next, version: 4 }, expectedVersion: 3 }], ['status', 'reason', 'updatedAt']);
 */
export async function updateOrders(
  q: SqlExecutor,
  caps: DialectCapabilities,
  updates: readonly { order: Order; expectedVersion: number }[],
  fields: readonly MutableField[] = MUTABLE_ORDER_FIELDS,
): Promise<void> {
  if (updates.length === 0) return;
  // In the map's order, so that one set of changed fields always makes the same statement text.
  const written = MUTABLE_ORDER_FIELDS.filter((field) => fields.includes(field));
  const names = new Map(updates.map(({ order }) => [order.id, order.clientOrderId]));
  await updateManyVersioned(
    q,
    caps,
    'orders',
    'id',
    written.map((field) => UPDATE_COLUMNS.get(field) as UpdateColumn),
    updates.map(({ order, expectedVersion }) => ({
      key: order.id,
      expectedVersion,
      newVersion: order.version,
      values: written.map((field) => orderColumnValue(order, field)),
    })),
    (id) => `order ${names.get(id) ?? id}`,
  );
}
