/**
 * Failed orders: retried with backoff (the domain's retry policy, stored as next_retry_at) until
 * expires_at (default: creation plus the bot's order TTL), then cancelled with EXPIRED and a
 * reason that says so. retry_count and first_failed_at are kept. Stop-loss orders are not retried
 * here: the stop-loss manager (engine/positions/stop-losses.ts) retries them on its own, shorter
 * backoff and gives up with an emergency exit (the due query leaves them out). By hand: `retryOrder`
 * (failed -> pending, retry_count + 1, placed again) and `dropOrder` (failed -> cancelled, DROPPED).
 * Time comes from the engine's clock, so tests are deterministic.
 */
import type { Order } from '../../domain/order/order.ts';
import { isExpired } from '../../domain/order/retry-policy.ts';
import { DUE_ORDERS_LIMIT } from '../../storage/repositories/orders.ts';
import type { ExecutionEngine } from './execution.ts';
import type { EventSource } from '../../domain/order/order-events.ts';

/** Raised when retry or drop is asked of an order that is not failed; names the order and its status. */
export class OrderNotFailedError extends Error {
  readonly code = 'ORDER_NOT_FAILED';
}

export interface RetryRun {
  /** Orders placed again (with their state after the venue answered). */
  readonly retried: Order[];
  /** Orders cancelled with EXPIRED. */
  readonly expired: Order[];
  /** Orders whose retry or expiry failed (absent when none): left failed, tried again next pass. */
  readonly failed?: { readonly orderId: string; readonly message: string }[];
}

/**
 * @example
 * const retries = new RetryScheduler(execution);
 * setInterval(() => void retries.runDue(), 1_000);
 * await retries.retryOrder(orderId, 'alice');
 */
export class RetryScheduler {
  readonly #execution: ExecutionEngine;

  constructor(execution: ExecutionEngine) {
    this.#execution = execution;
  }

  /**
   * One pass over the failed orders that are due (the ledger's bounded, indexed query, at most
   * {@link DUE_ORDERS_LIMIT}; failed orders not yet due are never read): expire those past
   * expires_at, retry those whose next_retry_at has come (only for active bots: a stopped bot's
   * orders wait, except its exits, which close its position).
   */
  async runDue(): Promise<RetryRun> {
    const execution = this.#execution;
    const now = execution.now();
    const failed = await execution.ledger.failedOrdersDue(now, DUE_ORDERS_LIMIT);
    const retried: Order[] = [];
    const expired: Order[] = [];
    const failures: { orderId: string; message: string }[] = [];
    for (const order of failed) {
      try {
        await this.#runOne(order, now, retried, expired);
      } catch (error) {
        // One order's failure never stops the pass (issue 6, defect 3).
        failures.push({ orderId: order.id, message: `retrying order ${order.clientOrderId} failed: ${(error as Error)?.message ?? error}` });
      }
    }
    return failures.length > 0 ? { retried, expired, failed: failures } : { retried, expired };
  }

  /** Expires or retries one failed order, as due. */
  async #runOne(order: Order, now: Date, retried: Order[], expired: Order[]): Promise<void> {
    const execution = this.#execution;
    if (isExpired(order, now)) {
      const result = await execution.decide({ type: 'ExpireOrder', orderId: order.id }, 'engine');
      if (result.applied) expired.push(result.order);
      return;
    }
    if (order.nextRetryAt !== null && Date.parse(order.nextRetryAt) > now.getTime()) return;
    // A stopped bot's entries wait; an exit it still holds (an emergency exit, a close by hand,
    // placed for a stopped bot to close its position) is retried, or the position stays open.
    if (order.botId && !(order.intent === 'exit' && order.cancellationReason === null)) {
      const bot = await execution.ledger.botById(order.botId);
      if (bot?.status !== 'active') return;
    }
    const placed = await this.#retry(order.id, 'retry loop', 'engine');
    if (placed) retried.push(placed);
  }

  /**
   * Places a failed order again now: failed -> pending, retry_count + 1, then the venue.
   *
   * @example
   * await retries.retryOrder(order.id, 'alice', 'api');
   */
  async retryOrder(orderId: string, actor: string, source: EventSource = 'api'): Promise<Order> {
    const placed = await this.#retry(orderId, actor, source);
    if (!placed) {
      const order = await this.#execution.ledger.orderById(orderId);
      throw new OrderNotFailedError(`order ${order?.clientOrderId ?? orderId} is ${order?.status ?? 'unknown'}; only a failed order can be retried`);
    }
    return placed;
  }

  /**
   * Gives a failed order up: failed -> cancelled with DROPPED.
   *
   * @example
   * await retries.dropOrder(order.id, 'alice', 'api');
   */
  async dropOrder(orderId: string, actor: string, source: EventSource = 'api'): Promise<Order> {
    const result = await this.#execution.decide({ type: 'DropOrder', orderId, actor }, source);
    if (!result.applied) {
      throw new OrderNotFailedError(`order ${result.order.clientOrderId} is ${result.order.status}; only a failed order can be dropped (${result.explanation})`);
    }
    return result.order;
  }

  async #retry(orderId: string, actor: string, source: EventSource): Promise<Order | undefined> {
    const result = await this.#execution.decide({ type: 'RetryOrder', orderId, actor }, source);
    if (!result.applied || result.previous.status !== 'failed') return undefined;
    return this.#execution.submitToVenue(result.order);
  }
}
