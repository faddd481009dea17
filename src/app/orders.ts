/**
 * Orders: the queries (list with keyset paging, one order with its fills and event log) and the two
 * manual actions on a failed order, retry and drop. Whether an order may be retried or dropped is
 * the engine's decision (the domain's transition table, through RetryScheduler); a refusal is
 * ORDER_NOT_FAILED, described here with the order's status as it is.
 */
import { decideOrderCommand } from '../domain/order/order-commands.ts';
import type { Order } from '../domain/order/order.ts';
import { OrderNotFailedError } from '../engine/orders/retries.ts';
import type { Page, PageOptions } from '../storage/repositories/codec.ts';
import { type EventLogEntry, listEvents } from '../storage/repositories/events.ts';
import { type FillRecord, listFills } from '../storage/repositories/fills.ts';
import type { OrderStatus } from '../domain/order/order-status.ts';
import { countOrdersByStatus, getOrder, getOrderByClientOrderId, listOrders as listStoredOrders, type OrderFilter } from '../storage/repositories/orders.ts';
import { LedgerError } from './ledger-error.ts';
import { type Ledger, venueOf } from './open-ledger.ts';
import { type OwnerOption, ownedBy } from './ownership.ts';

/** Rows of a list when no limit is given. */
export const DEFAULT_LIST_LIMIT = 50;

/**
 * Finds an order by botledger id or client order id; ORDER_NOT_FOUND names what was looked for.
 *
 * @example
 * const order = await findOrder(ledger, 'bl-scalp1-1');
 */
export async function findOrder(ledger: Pick<Ledger, 'database'>, ref: string, options: OwnerOption = {}): Promise<Order> {
  const db = ledger.database.db;
  const found = (await getOrder(db, ref)) ?? (await getOrderByClientOrderId(db, ref));
  // With an owner, another user's order is exactly a missing one (same code and message), so ids do not leak.
  const order = found && ownedBy(found, options.owner) ? found : undefined;
  if (!order) throw new LedgerError('ORDER_NOT_FOUND', `order ${ref} does not exist (give its id or client order id; see \`botledger orders list\`)`, { order: ref });
  return order;
}

/**
/** Which orders {@link listOrders} returns: the storage filter, and with `owner` only that user's. */
export interface OrderQuery extends OrderFilter {
  readonly owner?: string;
}

/**
 * A page of orders, newest first (of the owner, with one: on orders (user_id, status, created_at,
 * id)). CURSOR_INVALID when the cursor is not one a page gave.
 *
 * @example
 * const { items, nextCursor } = await listOrders(ledger, { status: 'failed', owner: 'u1' }, { limit: 50 });
 */
export async function listOrders(ledger: Pick<Ledger, 'database'>, query: OrderQuery, page: PageOptions): Promise<Page<Order>> {
  const { owner, ...filter } = query;
  if (owner !== undefined && filter.userId !== undefined && filter.userId !== owner) return { items: [], nextCursor: null };
  try {
    return await listStoredOrders(ledger.database.db, owner === undefined ? filter : { ...filter, userId: owner }, {
      limit: page.limit ?? DEFAULT_LIST_LIMIT,
      cursor: page.cursor,
    });
  } catch (error) {
    // The repository refuses a cursor it did not make with a TypeError naming it.
    if (page.cursor && error instanceof TypeError) throw new LedgerError('CURSOR_INVALID', `--cursor: ${error.message}`, { flag: '--cursor' });
    throw error;
  }
}

/**
 * How many orders match the filter, per status (all five present, zeros included): the tabs of
 * the dashboard's Orders page. With an owner only that user's orders are counted.
 *
 * @example
 * const counts = await countOrders(ledger, { botId: 'scalp1', owner: 'u1' }); // { pending: 1, ongoing: 0, ... }
 */
export async function countOrders(ledger: Pick<Ledger, 'database'>, query: Omit<OrderQuery, 'status'>): Promise<Record<OrderStatus, number>> {
  const { owner, ...filter } = query;
  if (owner !== undefined && filter.userId !== undefined && filter.userId !== owner) return { pending: 0, ongoing: 0, closed: 0, failed: 0, cancelled: 0 };
  return countOrdersByStatus(ledger.database.db, owner === undefined ? filter : { ...filter, userId: owner });
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
 * const { order, fills, events } = await showOrder(ledger, 'bl-scalp1-1', { owner: 'u1' });
 */
export async function showOrder(ledger: Pick<Ledger, 'database'>, ref: string, options: OwnerOption = {}): Promise<OrderDetail> {
  const order = await findOrder(ledger, ref, options);
  const fills = await listFills(ledger.database.db, order.id);
  const { items: events } = await listEvents(ledger.database.db, { orderId: order.id }, { limit: 1000, direction: 'asc' });
  return { order, fills: fills.map(({ raw: _raw, ...fill }) => fill), events };
}

/** Who did it, for the event log: `cli:<user>`. */
const cliActor = () => `cli:${process.env.USER ?? 'unknown'}`;

/** ORDER_NOT_FAILED, with the order's status as stored (and its cancellation reason). */
function notFailed(order: Order, action: 'retry' | 'drop'): LedgerError {
  return new LedgerError(
    'ORDER_NOT_FAILED',
    `order ${order.clientOrderId} is ${order.status}${order.cancellationReason ? ` (${order.cancellationReason})` : ''}; only a failed order can be ${action === 'retry' ? 'retried' : 'dropped'}`,
    { orderId: order.id, status: order.status },
  );
}

/**
 * Refuses (ORDER_NOT_FAILED) a retry or drop that the transition table would refuse for the order
 * as stored, without the venue: the refusal works while another process (`botledger run`) holds
 * the venue. The engine decides again, under its lock, when it carries the command out.
 *
 * @example
 * await assertFailedOrderAction(ledger, 'bl-scalp1-3', 'retry'); // throws unless the order is failed
 */
export async function assertFailedOrderAction(
  ledger: Pick<Ledger, 'database' | 'clock'>,
  ref: string,
  action: 'retry' | 'drop',
  options: OwnerOption = {},
): Promise<void> {
  const order = await findOrder(ledger, ref, options);
  const command = { type: action === 'retry' ? 'RetryOrder' : 'DropOrder', orderId: order.id, actor: 'check' } as const;
  const { result } = decideOrderCommand(order, command, new Date(ledger.clock.now()));
  // A retry of a pending order is a no-op in the table ("already pending"): not a retry either.
  if (result.outcome !== 'applied' || order.status !== 'failed') throw notFailed(order, action);
}

async function failedOrderAction(ledger: Ledger, ref: string, action: 'retry' | 'drop', actor: string, owner: string | undefined): Promise<Order> {
  // Another user's order is refused as missing before the venue is even looked at.
  const order = await findOrder(ledger, ref, { owner });
  const retries = venueOf(ledger).runtime.retries;
  try {
    const after = action === 'retry' ? await retries.retryOrder(order.id, actor, 'cli') : await retries.dropOrder(order.id, actor, 'cli');
    return await findOrder(ledger, after.id);
  } catch (error) {
    if (!(error instanceof OrderNotFailedError)) throw error;
    throw notFailed(await findOrder(ledger, order.id), action);
  }
}

/**
 * Places a failed order again (retry_count + 1); needs the venue. ORDER_NOT_FAILED otherwise.
 *
 * @example
 * const order = await retryOrder(ledger, 'bl-scalp1-3', 'api:alice', { owner: 'u1' });
 */
export function retryOrder(ledger: Ledger, ref: string, actor: string = cliActor(), options: OwnerOption = {}): Promise<Order> {
  return failedOrderAction(ledger, ref, 'retry', actor, options.owner);
}

/**
 * Gives a failed order up (cancelled, DROPPED); needs the venue. ORDER_NOT_FAILED otherwise.
 *
 * @example
 * const order = await dropOrder(ledger, 'bl-scalp1-3', 'api:alice', { owner: 'u1' });
 */
export function dropOrder(ledger: Ledger, ref: string, actor: string = cliActor(), options: OwnerOption = {}): Promise<Order> {
  return failedOrderAction(ledger, ref, 'drop', actor, options.owner);
}

/**
 * Cancels a pending order through the engine, as a person using botledger asks (not a cancel at the
 * venue): the request is recorded with cancellation reason REPLACED and the actor in the event log,
 * committed before the venue is called, so the venue's cancel event never reads as an outside
 * cancel and the bot is not stopped. A bot's plugin then decides, as after any replaced order,
 * whether to place it again (stop the bot to end its orders). Runs in the bot's command queue, so
 * the plugin's reaction comes after the cancel. ORDER_NOT_CANCELLABLE unless pending.
 *
 * @example
 * const order = await cancelOrder(ledger, 'bl-scalp1-3', { actor: 'api:alice', owner: 'u1' });
 */
export async function cancelOrder(ledger: Ledger, ref: string, options: { actor: string } & OwnerOption): Promise<Order> {
  // Another user's order is refused as missing before the venue is looked at.
  const order = await findOrder(ledger, ref, { owner: options.owner });
  const refuse = (current: Order) =>
    new LedgerError(
      'ORDER_NOT_CANCELLABLE',
      `order ${current.clientOrderId} is ${current.status}${current.cancellationReason ? ` (${current.cancellationReason})` : ''}; only a pending order can be cancelled${current.status === 'ongoing' ? ' (it executed: close its position instead)' : current.status === 'failed' ? ' (drop a failed order instead)' : ''}`,
      { orderId: current.id, status: current.status },
    );
  if (order.status !== 'pending') throw refuse(order);
  const { runtime } = venueOf(ledger);
  const cancel = () => runtime.execution.cancelOrder(order.id, 'REPLACED', 'api', options.actor);
  await (order.botId ? runtime.bots.serialize(order.botId, cancel) : cancel());
  await ledger.settle();
  const after = await findOrder(ledger, order.id);
  // Still pending without our reason: the engine refused (it was filled or cancelled meanwhile).
  if (after.status === 'pending' && after.cancellationReason === null) throw refuse(after);
  return after;
}
