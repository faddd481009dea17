/**
 * Orders: the queries (list with keyset paging, one order with its fills and event log) and the two
 * manual actions on a failed order, retry and drop. Whether an order may be retried or dropped is
 * the engine's decision (the domain's transition table, through RetryScheduler); a refusal is
 * ORDER_NOT_FAILED, described here with the order's status as it is.
 */
import type { Order } from '../domain/order/order.ts';
import { OrderNotFailedError } from '../engine/orders/retries.ts';
import type { Page, PageOptions } from '../storage/repositories/codec.ts';
import { type EventLogEntry, listEvents } from '../storage/repositories/events.ts';
import { type FillRecord, listFills } from '../storage/repositories/fills.ts';
import { getOrder, getOrderByClientOrderId, listOrders as listStoredOrders, type OrderFilter } from '../storage/repositories/orders.ts';
import { LedgerError } from './ledger-error.ts';
import { type Ledger, venueOf } from './open-ledger.ts';

/** Rows of a list when no limit is given. */
export const DEFAULT_LIST_LIMIT = 50;

/**
 * Finds an order by botledger id or client order id; ORDER_NOT_FOUND names what was looked for.
 *
 * @example
 * const order = await findOrder(ledger, 'bl-scalp1-1');
 */
export async function findOrder(ledger: Pick<Ledger, 'database'>, ref: string): Promise<Order> {
  const db = ledger.database.db;
  const order = (await getOrder(db, ref)) ?? (await getOrderByClientOrderId(db, ref));
  if (!order) throw new LedgerError('ORDER_NOT_FOUND', `order ${ref} does not exist (give its id or client order id; see \`botledger orders list\`)`, { order: ref });
  return order;
}

/**
 * A page of orders, newest first. CURSOR_INVALID when the cursor is not one a page gave.
 *
 * @example
 * const { items, nextCursor } = await listOrders(ledger, { status: 'failed' }, { limit: 50 });
 */
export async function listOrders(ledger: Pick<Ledger, 'database'>, filter: OrderFilter, page: PageOptions): Promise<Page<Order>> {
  try {
    return await listStoredOrders(ledger.database.db, filter, { limit: page.limit ?? DEFAULT_LIST_LIMIT, cursor: page.cursor });
  } catch (error) {
    // The repository refuses a cursor it did not make with a TypeError naming it.
    if (page.cursor && error instanceof TypeError) throw new LedgerError('CURSOR_INVALID', `--cursor: ${error.message}`, { flag: '--cursor' });
    throw error;
  }
}

/** An order with its fills (without the venue's raw payloads) and its event log, oldest first. */
export interface OrderDetail {
  readonly order: Order;
  readonly fills: Omit<FillRecord, 'raw'>[];
  readonly events: EventLogEntry[];
}

/**
 * One order (by id or client order id) with its fills and event log.
 *
 * @example
 * const { order, fills, events } = await showOrder(ledger, 'bl-scalp1-1');
 */
export async function showOrder(ledger: Pick<Ledger, 'database'>, ref: string): Promise<OrderDetail> {
  const order = await findOrder(ledger, ref);
  const fills = await listFills(ledger.database.db, order.id);
  const { items: events } = await listEvents(ledger.database.db, { orderId: order.id }, { limit: 1000, direction: 'asc' });
  return { order, fills: fills.map(({ raw: _raw, ...fill }) => fill), events };
}

/** Who did it, for the event log: `cli:<user>`. */
const cliActor = () => `cli:${process.env.USER ?? 'unknown'}`;

async function failedOrderAction(ledger: Ledger, ref: string, action: 'retry' | 'drop', actor: string): Promise<Order> {
  const order = await findOrder(ledger, ref);
  const retries = venueOf(ledger).runtime.retries;
  try {
    const after = action === 'retry' ? await retries.retryOrder(order.id, actor, 'cli') : await retries.dropOrder(order.id, actor, 'cli');
    return await findOrder(ledger, after.id);
  } catch (error) {
    if (!(error instanceof OrderNotFailedError)) throw error;
    // The engine refused; say so with the order's status as stored (and its cancellation reason).
    const now = await findOrder(ledger, order.id);
    throw new LedgerError(
      'ORDER_NOT_FAILED',
      `order ${now.clientOrderId} is ${now.status}${now.cancellationReason ? ` (${now.cancellationReason})` : ''}; only a failed order can be ${action === 'retry' ? 'retried' : 'dropped'}`,
      { orderId: now.id, status: now.status },
    );
  }
}

/**
 * Places a failed order again (retry_count + 1); needs the venue. ORDER_NOT_FAILED otherwise.
 *
 * @example
 * const order = await retryOrder(ledger, 'bl-scalp1-3');
 */
export function retryOrder(ledger: Ledger, ref: string, actor: string = cliActor()): Promise<Order> {
  return failedOrderAction(ledger, ref, 'retry', actor);
}

/**
 * Gives a failed order up (cancelled, DROPPED); needs the venue. ORDER_NOT_FAILED otherwise.
 *
 * @example
 * const order = await dropOrder(ledger, 'bl-scalp1-3');
 */
export function dropOrder(ledger: Ledger, ref: string, actor: string = cliActor()): Promise<Order> {
  return failedOrderAction(ledger, ref, 'drop', actor);
}
