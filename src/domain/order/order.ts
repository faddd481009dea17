/**
 * The order: a plain value, and the one function that changes it, `applyOrderEvent`, which asks
 * the transition table (order-status.ts) what an event does. Pure: `now` comes in as an argument.
 */
import { DomainError } from '../errors.ts';
import { add, assertFitsMoneyColumn, compare, Decimal, formatDecimal, MONEY_SCALE, normalizeDecimal, parseDecimal } from '../money.ts';
import type { FillDetails, OrderEvent } from './order-events.ts';
import { filledStatusFor, ORDER_INTENTS, type OrderIntent, type OrderStatus, transitionFor } from './order-status.ts';
import {
  type CancellationReason,
  cancelledReason,
  droppedReason,
  executedReason,
  expiredReason,
  lateFillReason,
  outsideCancelReason,
  partiallyFilledReason,
  placedReason,
  placementFailedReason,
  positionClosedReason,
  rejectedReason,
  retriedReason,
  venueExpiredReason,
} from './reasons.ts';
import { DEFAULT_ORDER_TTL_MS, DEFAULT_RETRY_POLICY, expiresAtFor, nextRetryAt, type RetryPolicy } from './retry-policy.ts';

export type OrderSide = 'buy' | 'sell';
export type OrderType = 'limit' | 'market';

/** An order as botledger records it. Money is decimal strings; instants are ISO-8601 UTC strings. */
export interface Order {
  readonly id: string;
  readonly userId: string | null;
  readonly botId: string | null;
  readonly pluginId: string | null;
  readonly clientOrderId: string;
  readonly exchangeOrderId: string | null;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly intent: OrderIntent;
  readonly price: string | null;
  readonly stopPrice: string | null;
  readonly amount: string;
  /** Sum of the order's fills. */
  readonly filledAmount: string;
  /** Amount-weighted price of the fills; null before the first. */
  readonly averagePrice: string | null;
  readonly status: OrderStatus;
  /** One whole sentence: why the order is where it is. */
  readonly reason: string;
  readonly cancellationReason: CancellationReason | null;
  readonly retryCount: number;
  readonly firstFailedAt: string | null;
  readonly nextRetryAt: string | null;
  readonly expiresAt: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Optimistic concurrency: storage bumps it on every update. The domain never changes it. */
  readonly version: number;
}

export interface NewOrderInput {
  readonly id: string;
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly intent: OrderIntent;
  readonly amount: string;
  /** Required for limit orders. */
  readonly price?: string | null;
  readonly stopPrice?: string | null;
  readonly userId?: string | null;
  readonly botId?: string | null;
  readonly pluginId?: string | null;
  /** Default: `now` + `ttlMs`. */
  readonly expiresAt?: string;
  /** Default {@link DEFAULT_ORDER_TTL_MS}; usually the bot's order TTL. */
  readonly ttlMs?: number;
}

function requireText(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '')
    throw new DomainError('INVALID_FIELD', `${field} must be a non-empty string`, { field });
  return value;
}

function money(value: unknown, field: string): string {
  const normalized = normalizeDecimal(value, field, { positive: true });
  assertFitsMoneyColumn(normalized, field);
  return normalized;
}

/**
 * Records the intent (the OrderSubmitted event): a pending order with reason "Order placed -
 * waiting for fill". Throws a DomainError naming the first bad field.
 *
 * @example
 * const order = createOrder({ id: 'o1', clientOrderId: 'bl-b1-1', symbol: 'BTC/USDT', side: 'buy', type: 'limit',
 *   intent: 'entry', amount: '1', price: '100' }, new Date());
 * order.status; // 'pending'
 */
export function createOrder(input: NewOrderInput, now: Date): Order {
  const at = now.toISOString();
  if (input.side !== 'buy' && input.side !== 'sell')
    throw new DomainError('INVALID_FIELD', `side must be "buy" or "sell", got "${input.side}"`, { field: 'side' });
  if (input.type !== 'limit' && input.type !== 'market') {
    throw new DomainError('INVALID_FIELD', `type must be "limit" or "market", got "${input.type}"`, { field: 'type' });
  }
  if (!(ORDER_INTENTS as readonly string[]).includes(input.intent)) {
    throw new DomainError('INVALID_FIELD', `intent must be one of ${ORDER_INTENTS.join(', ')}, got "${input.intent}"`, { field: 'intent' });
  }
  if (input.type === 'limit' && (input.price === undefined || input.price === null)) {
    throw new DomainError('INVALID_FIELD', 'price is required for a limit order', { field: 'price' });
  }
  return {
    id: requireText(input.id, 'id'),
    userId: input.userId ?? null,
    botId: input.botId ?? null,
    pluginId: input.pluginId ?? null,
    clientOrderId: requireText(input.clientOrderId, 'clientOrderId'),
    exchangeOrderId: null,
    symbol: requireText(input.symbol, 'symbol'),
    side: input.side,
    type: input.type,
    intent: input.intent,
    price: input.price == null ? null : money(input.price, 'price'),
    stopPrice: input.stopPrice == null ? null : money(input.stopPrice, 'stopPrice'),
    amount: money(input.amount, 'amount'),
    filledAmount: '0',
    averagePrice: null,
    status: 'pending',
    reason: placedReason(),
    cancellationReason: null,
    retryCount: 0,
    firstFailedAt: null,
    nextRetryAt: null,
    expiresAt: input.expiresAt ? new Date(input.expiresAt).toISOString() : expiresAtFor(now, input.ttlMs ?? DEFAULT_ORDER_TTL_MS),
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
}

/** What {@link applyOrderEvent} decided. */
export interface OrderEventResult {
  /** The new order when applied; the same object otherwise. */
  readonly order: Order;
  readonly outcome: 'applied' | 'no-op' | 'rejected';
  /** A whole sentence for the event log (the new reason when applied). */
  readonly explanation: string;
}

export interface ApplyOptions {
  /** Sets `nextRetryAt` when an order fails. Default {@link DEFAULT_RETRY_POLICY}. */
  readonly retryPolicy?: RetryPolicy;
}

/**
 * Amount and average price of a set of fills, exactly (the average is rounded to 18 places, the
 * column's scale, only at the end).
 *
 * @example
 * summarizeFills([{ price: '100', amount: '0.5' }, { price: '101', amount: '0.5' }]);
 * // { filledAmount: '1', averagePrice: '100.5' }
 */
export function summarizeFills(fills: readonly { readonly price: string; readonly amount: string }[]): {
  filledAmount: string;
  averagePrice: string | null;
} {
  let amount = new Decimal(0);
  let notional = new Decimal(0);
  for (const fill of fills) {
    const size = parseDecimal(fill.amount, 'fill.amount');
    amount = amount.plus(size);
    notional = notional.plus(size.times(parseDecimal(fill.price, 'fill.price')));
  }
  if (amount.isZero()) return { filledAmount: '0', averagePrice: null };
  return {
    filledAmount: formatDecimal(amount),
    averagePrice: formatDecimal(notional.div(amount).toDecimalPlaces(MONEY_SCALE, Decimal.ROUND_HALF_EVEN)),
  };
}

/**
 * The event a new fill makes: OrderFilled when it completes the order, else OrderPartiallyFilled.
 *
 * @example
 * fillEventFor(order, { tradeId: 't1', price: '101.25', amount: '1' }).type; // 'OrderFilled' for a 1-unit order
 */
export function fillEventFor(order: Order, fill: FillDetails, exchangeOrderId?: string): OrderEvent {
  const complete = compare(add(order.filledAmount, fill.amount), order.amount) >= 0;
  return { type: complete ? 'OrderFilled' : 'OrderPartiallyFilled', fill, exchangeOrderId };
}

function applied(order: Order, changes: Partial<Order>, now: Date, explanation?: string): OrderEventResult {
  const next = { ...order, ...changes, updatedAt: now.toISOString() };
  return { order: next, outcome: 'applied', explanation: explanation ?? next.reason };
}

function rejected(order: Order, eventType: string, why: string): OrderEventResult {
  return {
    order,
    outcome: 'rejected',
    explanation: `${eventType} was not applied to order ${order.clientOrderId} (${order.status}): ${why}`,
  };
}

function noop(order: Order, eventType: string, why: string): OrderEventResult {
  return { order, outcome: 'no-op', explanation: `${eventType} changed nothing on order ${order.clientOrderId} (${order.status}): ${why}` };
}

function applyFill(
  order: Order,
  event: OrderEvent & { fill: FillDetails; exchangeOrderId?: string },
  partialStatus: OrderStatus,
  now: Date,
) {
  let size: Decimal;
  let price: Decimal;
  try {
    size = parseDecimal(event.fill.amount, 'fill.amount');
    price = parseDecimal(event.fill.price, 'fill.price');
    if (event.fill.fee !== undefined) parseDecimal(event.fill.fee, 'fill.fee');
  } catch (error) {
    return rejected(order, event.type, (error as Error).message);
  }
  if (!size.gt(0)) return rejected(order, event.type, `fill.amount must be greater than 0, got "${event.fill.amount}"`);
  if (!price.gt(0)) return rejected(order, event.type, `fill.price must be greater than 0, got "${event.fill.price}"`);
  if (order.exchangeOrderId && event.exchangeOrderId && event.exchangeOrderId !== order.exchangeOrderId) {
    return rejected(
      order,
      event.type,
      `the fill names exchange order ${event.exchangeOrderId}, but this order is ${order.exchangeOrderId}`,
    );
  }
  const before = parseDecimal(order.filledAmount, 'filledAmount');
  const filled = before.plus(size);
  const total = parseDecimal(order.amount, 'amount');
  if (filled.gt(total)) {
    return rejected(
      order,
      event.type,
      `the fill of ${formatDecimal(size)} would make the filled amount ${formatDecimal(filled)}, more than the order's ${order.amount}`,
    );
  }
  // Incremental form of summarizeFills: previous notional (avg * filled) plus this fill's.
  const notional = before.times(order.averagePrice ? parseDecimal(order.averagePrice, 'averagePrice') : 0).plus(size.times(price));
  const averagePrice = formatDecimal(notional.div(filled).toDecimalPlaces(MONEY_SCALE, Decimal.ROUND_HALF_EVEN));
  const filledAmount = formatDecimal(filled);
  const complete = filled.eq(total);
  const status = complete ? filledStatusFor(order.intent) : partialStatus;
  const reason = complete
    ? executedReason(averagePrice)
    : status === 'cancelled'
      ? lateFillReason(filledAmount, order.amount, averagePrice)
      : partiallyFilledReason(filledAmount, order.amount, averagePrice);
  const changes: Partial<Order> = {
    filledAmount,
    averagePrice,
    status,
    reason,
    exchangeOrderId: order.exchangeOrderId ?? event.exchangeOrderId ?? null,
  };
  if (order.status === 'failed') Object.assign(changes, { nextRetryAt: null });
  return applied(order, changes, now);
}

function cancelReasonText(order: Order, reason: CancellationReason, actor?: string): string {
  switch (reason) {
    case 'EXPIRED':
      return expiredReason(order.retryCount, order.firstFailedAt);
    case 'DROPPED':
      return droppedReason(actor ?? 'unknown');
    case 'OUTSIDE':
      return outsideCancelReason(order.clientOrderId, order.botId !== null);
    default:
      return cancelledReason(reason);
  }
}

/**
 * Applies one event through the transition table. Never throws for a bad event: an event that
 * does not fit (or carries malformed amounts) comes back `rejected` with a sentence saying why,
 * for the caller to write to the event log without saving the order.
 *
 * Fills must be de-duplicated by the caller before this (insert the fill first; a fill whose
 * (order, tradeId) already exists is a repeat and must not be applied again).
 *
 * @example
 * const { order: next, outcome } = applyOrderEvent(order, { type: 'OrderCancelRequested', cancellationReason: 'UPDATE' }, now);
 * // outcome 'applied', next.cancellationReason 'UPDATE', next.status 'pending'
 */
export function applyOrderEvent(order: Order, event: OrderEvent, now: Date, options: ApplyOptions = {}): OrderEventResult {
  const rule = transitionFor(order.status, event.type);
  if (rule.outcome === 'no-op') return noop(order, event.type, rule.why);
  if (rule.outcome === 'rejected') return rejected(order, event.type, rule.why);
  const at = now.toISOString();
  switch (event.type) {
    case 'OrderPartiallyFilled':
    case 'OrderFilled':
      return applyFill(order, event, rule.to === 'by-fill' ? rule.partial : rule.to, now);
    case 'OrderAccepted':
      if (!event.exchangeOrderId) return rejected(order, event.type, 'the acknowledgement carries no exchange order id');
      if (order.exchangeOrderId === event.exchangeOrderId) return noop(order, event.type, 'the acknowledgement was already recorded');
      if (order.exchangeOrderId)
        return rejected(
          order,
          event.type,
          `the order was already acknowledged as exchange order ${order.exchangeOrderId}, not ${event.exchangeOrderId}`,
        );
      return applied(
        order,
        { exchangeOrderId: event.exchangeOrderId },
        now,
        `Order ${order.clientOrderId} acknowledged by the venue as ${event.exchangeOrderId}`,
      );
    case 'OrderRejected':
    case 'OrderPlacementFailed': {
      const reason = event.type === 'OrderRejected' ? rejectedReason(event.venue, event.venueMessage) : placementFailedReason(event.error);
      const failed = { ...order, firstFailedAt: order.firstFailedAt ?? at };
      return applied(
        order,
        {
          status: 'failed',
          reason,
          firstFailedAt: failed.firstFailedAt,
          nextRetryAt: nextRetryAt(failed, now, options.retryPolicy ?? DEFAULT_RETRY_POLICY),
        },
        now,
      );
    }
    case 'OrderCancelRequested':
      if (order.status === 'pending') {
        if (order.cancellationReason === event.cancellationReason)
          return noop(order, event.type, `the cancel for ${event.cancellationReason} was already recorded`);
        return applied(
          order,
          { cancellationReason: event.cancellationReason },
          now,
          `Cancel requested for order ${order.clientOrderId} (${event.cancellationReason})`,
        );
      }
      // failed: nothing is live, so the cancel completes now.
      return applied(
        order,
        {
          status: 'cancelled',
          cancellationReason: event.cancellationReason,
          nextRetryAt: null,
          reason: cancelReasonText(order, event.cancellationReason, event.actor),
        },
        now,
      );
    case 'OrderCanceled': {
      // A cancel the venue attributes to someone else is OUTSIDE even over a recorded UPDATE/STOP/...:
      // botledger's request found the order already gone, so it was not what cancelled it.
      const reason: CancellationReason = event.outside ? 'OUTSIDE' : (order.cancellationReason ?? 'OUTSIDE');
      return applied(order, { status: 'cancelled', cancellationReason: reason, reason: cancelReasonText(order, reason) }, now);
    }
    case 'OrderExpired': {
      const reason =
        order.status === 'failed' ? expiredReason(order.retryCount, order.firstFailedAt) : venueExpiredReason(event.venueMessage);
      return applied(order, { status: 'cancelled', cancellationReason: 'EXPIRED', nextRetryAt: null, reason }, now);
    }
    case 'OrderRetried': {
      const retryCount = order.retryCount + 1;
      return applied(order, { status: 'pending', retryCount, nextRetryAt: null, reason: retriedReason(retryCount) }, now);
    }
    case 'OrderDropped':
      return applied(
        order,
        { status: 'cancelled', cancellationReason: 'DROPPED', nextRetryAt: null, reason: droppedReason(event.actor) },
        now,
      );
    case 'PositionClosed':
      return applied(order, { status: 'closed', reason: positionClosedReason(event.detail) }, now);
    case 'OrderSubmitted':
      return noop(order, event.type, 'the intent is already recorded');
  }
}
