/**
 * The vocabulary of order execution (execution.ts): what to place, what recording a command or an
 * inferred event did, the errors a caller can meet, and how order ids are made.
 */
import { randomUUID } from 'node:crypto';
import type { SystemCancellationReason } from '../../domain/order/order-commands.ts';
import type { OrderCanceled, OrderPlacementFailed, OrderRejected } from '../../domain/order/order-events.ts';
import type { Order, OrderSide, OrderType } from '../../domain/order/order.ts';
import type { OrderIntent } from '../../domain/order/order-status.ts';
import type { ExchangeAdapter } from '../../exchange/exchange-adapter.ts';
import type { Clock } from '../clock.ts';

/** What to place. Amounts and prices are decimal strings. */
export interface PlaceOrderInput {
  readonly botId: string;
  readonly symbol?: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly intent: OrderIntent;
  readonly amount: string;
  readonly price?: string;
  readonly stopPrice?: string;
  /** Default: the bot's order TTL from now. */
  readonly expiresAt?: string;
  /**
   * An order that protects or closes the bot's position (a stop-loss, an exit botledger or a
   * person asked for): placed even when the bot is stopped or deleted, so that stopping a bot
   * never leaves its position unprotected or impossible to close.
   */
  readonly protective?: boolean;
}

export type { SystemCancellationReason };

/**
 * An event botledger infers from what the venue said outside a pushed event: a REST refusal
 * (OrderRejected, OrderPlacementFailed) or an order the venue does not have (OrderCanceled,
 * OrderPlacementFailed). Not a command: nobody asked for it.
 */
export type VenueInferredEvent = OrderRejected | OrderPlacementFailed | OrderCanceled;

/** What recording a command or an inferred event did to one order. */
export interface OrderChange {
  readonly order: Order;
  /** Whether the transition table applied it. */
  readonly applied: boolean;
  /** The sentence written to the event log. */
  readonly explanation: string;
  /** The order as it was before. */
  readonly previous: Order;
}

/** Raised when an order is asked for on a bot that cannot trade; names the bot and its status. */
export class BotNotActiveError extends Error {
  readonly code = 'BOT_NOT_ACTIVE';
}

/** Raised for an order id the ledger does not have. */
export class OrderNotKnownError extends Error {
  readonly code = 'ORDER_NOT_FOUND';
}

export interface ExecutionOptions {
  readonly exchange: ExchangeAdapter;
  readonly clock?: Clock;
  /** The venue's display name in reasons ("Paper exchange rejected the order: ..."). Default: the adapter's `displayName`. */
  readonly venueName?: string;
  /** The exchange account it trades on (`exchange_accounts.id`); default the adapter's id (`paper`). */
  readonly accountId?: string;
}

let orderIdCounter = 0;

/**
 * A new order id that sorts in creation order (clock time, then a process counter), so that
 * `order by created_at, id` lists a bot's orders as they were made even within one millisecond.
 */
export function newOrderId(nowMs: number): string {
  orderIdCounter = (orderIdCounter + 1) % 36 ** 6;
  return `o${nowMs.toString(36).padStart(9, '0')}${orderIdCounter.toString(36).padStart(6, '0')}${randomUUID().slice(0, 8)}`;
}

/** A placement that threw (execution.ts `onPlacementError`): the order as recorded after it, the error, the venue's raw body. */
export interface PlacementFailure {
  readonly order: Order;
  readonly error: unknown;
  readonly raw: unknown;
}

/** The venue's raw body of an error (the adapter keeps it in `raw`), else its message. */
export function rawOf(error: unknown): unknown {
  return (error as { raw?: unknown } | undefined)?.raw ?? { message: String((error as Error)?.message ?? error) };
}

/** How many times a transaction that lost a race on a row's version is run again. */
export const STALE_ROW_ATTEMPTS = 5;
