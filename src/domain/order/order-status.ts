/**
 * The five order statuses and the ONE table that decides every status change (docs/architecture.md,
 * decision 2). `applyOrderEvent` in order.ts reads this table and nothing else decides a status.
 * The table is keyed by events (order-events.ts): a command (order-commands.ts) reaches it as the
 * event that records its outcome (`eventForCommand`: CancelOrder -> OrderCancelRequested, ...).
 *
 * - pending:   the intent is recorded, or the order is live at the venue and not fully executed
 * - ongoing:   an entry executed, and the exposure it opened is still open
 * - closed:    nothing left to do (an exit filled, or the position the entry opened is closed)
 * - failed:    rejected or could not be placed; retried until it expires
 * - cancelled: with a cancellation_reason
 */
import { ORDER_EVENT_TYPES, type OrderEventType } from './order-events.ts';

export const ORDER_STATUSES = ['pending', 'ongoing', 'closed', 'failed', 'cancelled'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** What an order is for; decides where a complete fill leads. */
export const ORDER_INTENTS = ['entry', 'exit', 'stop_loss'] as const;
export type OrderIntent = (typeof ORDER_INTENTS)[number];

/**
 * One cell of the table.
 * - `applied` with a status: the event is applied and the order moves (or stays) there.
 * - `applied` with `by-fill`: the fill is recorded; if it completes the order the status becomes
 *   {@link filledStatusFor} its intent, otherwise `partial`.
 * - `no-op`: a repeat or a harmless late event; nothing changes (it is still logged).
 * - `rejected`: the event contradicts what is recorded; logged with `why`, never applied.
 */
export type TransitionRule =
  | { readonly outcome: 'applied'; readonly to: OrderStatus }
  | { readonly outcome: 'applied'; readonly to: 'by-fill'; readonly partial: OrderStatus }
  | { readonly outcome: 'no-op'; readonly why: string }
  | { readonly outcome: 'rejected'; readonly why: string };

const to = (status: OrderStatus): TransitionRule => ({ outcome: 'applied', to: status });
const byFill = (partial: OrderStatus): TransitionRule => ({ outcome: 'applied', to: 'by-fill', partial });
const noop = (why: string): TransitionRule => ({ outcome: 'no-op', why });
const reject = (why: string): TransitionRule => ({ outcome: 'rejected', why });

const REPEATED_SUBMIT = noop('the intent is already recorded; a second submit is a repeat');
const ONLY_FAILED_RETRY = reject('only a failed order can be retried');
const ONLY_FAILED_DROP = reject('only a failed order can be dropped; cancel a pending order instead');
const EXECUTED_NO_CANCEL = reject('the order already executed, so there is nothing to cancel; close the position instead');
const EXECUTED_NO_FAIL = reject('the order already executed; a rejection or failure report cannot undo a fill');
const COMPLETE_NO_FILL = reject('the order is already completely filled; another fill would exceed its amount');

/**
 * The transition table: status x event -> rule. Every cell is written out so that a reader (and
 * the test that walks every cell) sees all 60 decisions.
 */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, Readonly<Record<OrderEventType, TransitionRule>>>> = {
  pending: {
    OrderSubmitted: REPEATED_SUBMIT,
    // The venue's ack stays pending: "pending" covers live-and-unfilled. It records exchange_order_id.
    OrderAccepted: to('pending'),
    OrderPartiallyFilled: byFill('pending'),
    OrderFilled: byFill('pending'),
    OrderRejected: to('failed'),
    OrderPlacementFailed: to('failed'),
    // Recorded (and committed) BEFORE the venue is called, so the venue's cancel event, which may
    // arrive on another connection before the cancel call returns, finds the reason (seed 001).
    // The order stays pending: it is live until the venue confirms.
    OrderCancelRequested: to('pending'),
    // Without a recorded cancellation_reason this becomes OUTSIDE, which stops the bot. With one
    // (UPDATE, STOP, ...) it keeps that reason, UNLESS the venue says the cancel was not
    // botledger's (`outside`: a person cancelled it, or before botledger's request was recorded;
    // issue 6, defect 4): then it is OUTSIDE too, over the recorded reason, and the bot stops.
    OrderCanceled: to('cancelled'),
    // The venue expired a live order (time in force): a system cancel (EXPIRED), not an outside one.
    OrderExpired: to('cancelled'),
    // A retry moves failed -> pending; seeing it again on pending means it already happened.
    OrderRetried: noop('the order is already pending; the retry has already happened'),
    OrderDropped: ONLY_FAILED_DROP,
    PositionClosed: reject('the order has not executed, so it opened no position to close'),
  },
  ongoing: {
    OrderSubmitted: REPEATED_SUBMIT,
    // An ack reordered after the fill: the fill already proved the venue had the order.
    OrderAccepted: noop('a late acknowledgement; the order already executed'),
    OrderPartiallyFilled: COMPLETE_NO_FILL,
    OrderFilled: COMPLETE_NO_FILL,
    OrderRejected: EXECUTED_NO_FAIL,
    OrderPlacementFailed: EXECUTED_NO_FAIL,
    OrderCancelRequested: EXECUTED_NO_CANCEL,
    OrderCanceled: reject('the venue reported a cancel for an order that is completely filled; reconciliation must check it'),
    OrderExpired: reject('an executed order cannot expire'),
    OrderRetried: ONLY_FAILED_RETRY,
    OrderDropped: ONLY_FAILED_DROP,
    PositionClosed: to('closed'),
  },
  closed: {
    OrderSubmitted: REPEATED_SUBMIT,
    OrderAccepted: noop('a late acknowledgement; the order is already closed'),
    OrderPartiallyFilled: COMPLETE_NO_FILL,
    OrderFilled: COMPLETE_NO_FILL,
    OrderRejected: EXECUTED_NO_FAIL,
    OrderPlacementFailed: EXECUTED_NO_FAIL,
    OrderCancelRequested: EXECUTED_NO_CANCEL,
    OrderCanceled: reject('the venue reported a cancel for an order that is closed; reconciliation must check it'),
    OrderExpired: reject('a closed order cannot expire'),
    OrderRetried: ONLY_FAILED_RETRY,
    OrderDropped: ONLY_FAILED_DROP,
    PositionClosed: noop('the order is already closed'),
  },
  failed: {
    OrderSubmitted: REPEATED_SUBMIT,
    // A rejection is definite (the adapter raises OrderRejectedError only when the order does not
    // exist), so an ack contradicts it: logged for reconciliation, not applied.
    OrderAccepted: reject(
      'the order failed (the venue said it does not exist), yet an acknowledgement arrived; reconciliation must check it',
    ),
    // A fill is money that moved: it proves the order reached the venue, so it overrules the
    // failure. An incomplete fill means the order is live at the venue again: pending.
    OrderPartiallyFilled: byFill('pending'),
    OrderFilled: byFill('pending'),
    OrderRejected: noop('the order has already failed'),
    OrderPlacementFailed: noop('the order has already failed'),
    // Nothing is live at the venue, so a cancel completes at once, keeping its reason (STOP, ...).
    OrderCancelRequested: to('cancelled'),
    OrderCanceled: reject('the order failed, so nothing was live at the venue to cancel'),
    // expires_at passed: cancelled with cancellation_reason EXPIRED.
    OrderExpired: to('cancelled'),
    // retry_count + 1, back to pending; the engine places it again.
    OrderRetried: to('pending'),
    // Given up by hand: cancelled with cancellation_reason DROPPED.
    OrderDropped: to('cancelled'),
    PositionClosed: reject('the order failed, so it opened no position to close'),
  },
  cancelled: {
    OrderSubmitted: REPEATED_SUBMIT,
    OrderAccepted: noop('a late acknowledgement; the cancel stands'),
    // A late fill after a cancel is real (the venue filled it while the cancel was in flight).
    // It is always recorded. A fill that completes the order wins over the cancel, as in
    // nautilus_trader (CANCELED -> FILLED): the order moves to its filled status. A partial one
    // leaves it cancelled, since the rest will not execute.
    OrderPartiallyFilled: byFill('cancelled'),
    OrderFilled: byFill('cancelled'),
    OrderRejected: noop('the order is already cancelled; the rejection confirms nothing is live'),
    OrderPlacementFailed: noop('the order is already cancelled'),
    OrderCancelRequested: noop('the order is already cancelled'),
    OrderCanceled: noop('the order is already cancelled'),
    OrderExpired: noop('the order is already cancelled'),
    OrderRetried: reject('a cancelled order is final; place a new order instead'),
    OrderDropped: noop('the order is already cancelled'),
    // A cancelled entry may have had a partial fill; its exposure is closed by the position, the order stays cancelled.
    PositionClosed: noop('the order is cancelled; the position tracks any partial fill'),
  },
};

/**
 * The rule for an event on an order in `status`.
 *
 * @example
 * transitionFor('failed', 'OrderRetried'); // { outcome: 'applied', to: 'pending' }
 */
export function transitionFor(status: OrderStatus, eventType: OrderEventType): TransitionRule {
  return ORDER_TRANSITIONS[status][eventType];
}

/**
 * Where a completely filled order goes: an entry opened exposure (ongoing); an exit or a
 * stop-loss closed some (closed).
 *
 * @example
 * filledStatusFor('entry'); // 'ongoing'
 */
export function filledStatusFor(intent: OrderIntent): OrderStatus {
  return intent === 'entry' ? 'ongoing' : 'closed';
}

/**
 * Every status change the table allows from `from` (including staying put), for any intent.
 * Used by checks that no order ever reaches a status the table forbids.
 *
 * @example
 * allowedNextStatuses('closed'); // ['closed']
 */
export function allowedNextStatuses(from: OrderStatus): OrderStatus[] {
  const next = new Set<OrderStatus>([from]);
  for (const eventType of ORDER_EVENT_TYPES) {
    const rule = ORDER_TRANSITIONS[from][eventType];
    if (rule.outcome !== 'applied') continue;
    if (rule.to === 'by-fill') {
      next.add(rule.partial);
      next.add('ongoing');
      next.add('closed');
    } else {
      next.add(rule.to);
    }
  }
  return ORDER_STATUSES.filter((status) => next.has(status));
}

/** True for one of the five statuses. */
export function isOrderStatus(value: unknown): value is OrderStatus {
  return typeof value === 'string' && (ORDER_STATUSES as readonly string[]).includes(value);
}
