/**
 * What someone asks botledger to do with an order, imperative (nautilus_trader's naming:
 * `SubmitOrder`, `CancelOrder`; here `PlaceOrder`, `CancelOrder`, ...). A command is a request,
 * not a fact: it may be refused. The events in order-events.ts record what happened.
 *
 * A command on an existing order is decided by {@link eventForCommand} into the one event that
 * records its outcome (CancelOrder -> OrderCancelRequested, RetryOrder -> OrderRetried, ...), and
 * that event goes through the one transition table (order-status.ts) like any venue event, so the
 * table still decides every status change. `PlaceOrder` makes a new order (`createOrder`, the
 * OrderSubmitted event) and needs no table.
 */
import type { OrderEvent, OrderEventType } from './order-events.ts';
import { type ApplyOptions, applyOrderEvent, type Order, type OrderEventResult, type OrderSide, type OrderType } from './order.ts';
import type { OrderIntent } from './order-status.ts';
import type { CancellationReason } from './reasons.ts';

/** A system cancellation reason: OUTSIDE is what botledger infers from the venue, never asked for. */
export type SystemCancellationReason = Exclude<CancellationReason, 'OUTSIDE'>;

/** Place a new order for a bot. Amounts and prices are decimal strings. */
export interface PlaceOrder {
  readonly type: 'PlaceOrder';
  readonly botId: string;
  /** Default: the bot's symbol. */
  readonly symbol?: string;
  readonly side: OrderSide;
  /** limit or market (`type` names the command). */
  readonly orderType: OrderType;
  readonly intent: OrderIntent;
  readonly amount: string;
  /** Required for a limit order. */
  readonly price?: string;
  /** A stop-loss trigger price; refused on a venue without stop orders. */
  readonly stopPrice?: string;
  /** Default: the bot's order TTL from now. */
  readonly expiresAt?: string;
}

/** Cancel an order for a system reason. A live order keeps its reason until the venue confirms; a failed one is cancelled at once. */
export interface CancelOrder {
  readonly type: 'CancelOrder';
  readonly orderId: string;
  readonly cancellationReason: SystemCancellationReason;
  /** Who asked ("api:alice", "engine"). */
  readonly actor?: string;
}

/** Place a failed order again (by the retry loop or by hand): retry_count + 1. */
export interface RetryOrder {
  readonly type: 'RetryOrder';
  readonly orderId: string;
  readonly actor: string;
}

/** Give a failed order up by hand: cancelled with DROPPED. */
export interface DropOrder {
  readonly type: 'DropOrder';
  readonly orderId: string;
  readonly actor: string;
}

/** A failed order ran past expires_at: cancelled with EXPIRED. */
export interface ExpireOrder {
  readonly type: 'ExpireOrder';
  readonly orderId: string;
}

/** Close the exposure an executed entry opened (its exit filled). */
export interface ClosePosition {
  readonly type: 'ClosePosition';
  readonly orderId: string;
  readonly detail?: string;
}

/** A command on an order botledger already has. */
export type ExistingOrderCommand = CancelOrder | RetryOrder | DropOrder | ExpireOrder | ClosePosition;
export type OrderCommand = PlaceOrder | ExistingOrderCommand;
export type OrderCommandType = OrderCommand['type'];

/**
 * The event that records each command's outcome: its `type` is what the event log says.
 * `ExpireOrder` shares OrderExpired with the venue's expiry of a live order.
 */
export const COMMAND_EVENT_TYPES = {
  CancelOrder: 'OrderCancelRequested',
  RetryOrder: 'OrderRetried',
  DropOrder: 'OrderDropped',
  ExpireOrder: 'OrderExpired',
  ClosePosition: 'PositionClosed',
} as const satisfies Record<ExistingOrderCommand['type'], OrderEventType>;

/**
 * The event a command on an existing order records, for the transition table to decide.
 *
 * @example
 * eventForCommand({ type: 'CancelOrder', orderId: 'o1', cancellationReason: 'STOP', actor: 'cli' });
 * // { type: 'OrderCancelRequested', cancellationReason: 'STOP', actor: 'cli' }
 */
export function eventForCommand(command: ExistingOrderCommand): OrderEvent {
  switch (command.type) {
    case 'CancelOrder':
      return { type: 'OrderCancelRequested', cancellationReason: command.cancellationReason, ...(command.actor !== undefined ? { actor: command.actor } : {}) };
    case 'RetryOrder':
      return { type: 'OrderRetried', actor: command.actor };
    case 'DropOrder':
      return { type: 'OrderDropped', actor: command.actor };
    case 'ExpireOrder':
      return { type: 'OrderExpired' };
    case 'ClosePosition':
      return { type: 'PositionClosed', ...(command.detail !== undefined ? { detail: command.detail } : {}) };
  }
}

/**
 * Decides a command against the order as stored: the command becomes its event, and the
 * transition table decides what that event does (applied, no-op, or rejected with a sentence).
 * Pure; the caller saves the order when applied and logs `event` either way.
 *
 * @example
 * const { result, event } = decideOrderCommand(order, { type: 'DropOrder', orderId: order.id, actor: 'alice' }, now);
 * // event.type 'OrderDropped'; result.outcome 'applied' for a failed order, 'rejected' otherwise
 */
export function decideOrderCommand(
  order: Order,
  command: ExistingOrderCommand,
  now: Date,
  options: ApplyOptions = {},
): { readonly event: OrderEvent; readonly result: OrderEventResult } {
  const event = eventForCommand(command);
  return { event, result: applyOrderEvent(order, event, now, options) };
}
