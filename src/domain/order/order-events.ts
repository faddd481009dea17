/**
 * What happened to an order, past tense (nautilus_trader's naming). Two kinds reach an order:
 * - what the venue reported, or botledger inferred from it (OrderAccepted, OrderFilled,
 *   OrderRejected, OrderPlacementFailed, OrderCanceled, OrderExpired);
 * - the recorded outcome of a command (order-commands.ts): CancelOrder -> OrderCancelRequested,
 *   RetryOrder -> OrderRetried, DropOrder -> OrderDropped, ExpireOrder -> OrderExpired,
 *   ClosePosition -> PositionClosed; PlaceOrder -> OrderSubmitted.
 * `applyOrderEvent` (order.ts) decides through the transition table what each one does. The
 * `type` is also the event log's `type`.
 */
import type { CancellationReason } from './reasons.ts';

/** Where an event came from; every event-log row names one. */
export const EVENT_SOURCES = ['api', 'cli', 'engine', 'exchange-ws', 'exchange-rest', 'reconciliation'] as const;
export type EventSource = (typeof EVENT_SOURCES)[number];

/** One execution, as the venue reported it. Amounts and prices are decimal strings. */
export interface FillDetails {
  /** The venue's trade id: fills are unique per (order, tradeId). */
  readonly tradeId: string;
  readonly price: string;
  readonly amount: string;
  readonly fee?: string;
  readonly feeCurrency?: string;
}

export const ORDER_EVENT_TYPES = [
  'OrderSubmitted',
  'OrderAccepted',
  'OrderPartiallyFilled',
  'OrderFilled',
  'OrderRejected',
  'OrderPlacementFailed',
  'OrderCancelRequested',
  'OrderCanceled',
  'OrderExpired',
  'OrderRetried',
  'OrderDropped',
  'PositionClosed',
] as const;
export type OrderEventType = (typeof ORDER_EVENT_TYPES)[number];

/** The intent was recorded (the order row itself is made by `createOrder`; a second one is a repeat). */
export interface OrderSubmitted {
  readonly type: 'OrderSubmitted';
}
/** The venue acknowledged the order and gave it its id. */
export interface OrderAccepted {
  readonly type: 'OrderAccepted';
  readonly exchangeOrderId: string;
}
/** A fill that leaves part of the order open (the amounts decide, not the label). */
export interface OrderPartiallyFilled {
  readonly type: 'OrderPartiallyFilled';
  readonly fill: FillDetails;
  readonly exchangeOrderId?: string;
}
/** A fill the venue says completes the order (the amounts decide, not the label). */
export interface OrderFilled {
  readonly type: 'OrderFilled';
  readonly fill: FillDetails;
  readonly exchangeOrderId?: string;
}
/** The venue refused the order; it definitely does not exist there. */
export interface OrderRejected {
  readonly type: 'OrderRejected';
  /** Display name of the venue ("Bybit"). */
  readonly venue: string;
  /** The venue's words, verbatim and whole. */
  readonly venueMessage: string;
}
/** botledger could not place it (rate limit, validation), definitely not acted on by the venue. */
export interface OrderPlacementFailed {
  readonly type: 'OrderPlacementFailed';
  readonly error: string;
}
/** botledger's cancel request (a CancelOrder command) was recorded, with why, before the venue is called. */
export interface OrderCancelRequested {
  readonly type: 'OrderCancelRequested';
  readonly cancellationReason: CancellationReason;
  /** Who asked, for DROPPED-like wording ("api:alice"). */
  readonly actor?: string;
}
/** The venue says the order is cancelled. Without a recorded reason it is an outside cancel. */
export interface OrderCanceled {
  readonly type: 'OrderCanceled';
  readonly venueMessage?: string;
  /**
   * The venue says the cancel was not botledger's (a person or the venue itself cancelled it, or
   * it did so before botledger's own request was recorded): OUTSIDE, even when botledger had
   * recorded a cancel request of its own in the meantime.
   */
  readonly outside?: boolean;
}
/** A failed order ran out of time (ExpireOrder, at expires_at), or the venue expired a live one. */
export interface OrderExpired {
  readonly type: 'OrderExpired';
  readonly venueMessage?: string;
}
/** A failed order was placed again (RetryOrder, by the retry loop or by hand). */
export interface OrderRetried {
  readonly type: 'OrderRetried';
  readonly actor: string;
}
/** A failed order was given up by hand (DropOrder). */
export interface OrderDropped {
  readonly type: 'OrderDropped';
  readonly actor: string;
}
/** The exposure an executed entry opened was closed (ClosePosition). */
export interface PositionClosed {
  readonly type: 'PositionClosed';
  readonly detail?: string;
}

export type OrderEvent =
  | OrderSubmitted
  | OrderAccepted
  | OrderPartiallyFilled
  | OrderFilled
  | OrderRejected
  | OrderPlacementFailed
  | OrderCancelRequested
  | OrderCanceled
  | OrderExpired
  | OrderRetried
  | OrderDropped
  | PositionClosed;
