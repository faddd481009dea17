/**
 * Order, fill, retry, expiry, sync and failure metrics read from the ledger's change feed: what
 * was committed, not what was attempted, so a count matches the event log. Only changes committed
 * by this process (live) are counted; replayed history is not (it was counted when it happened,
 * by the process that wrote it).
 */
import type { FeedChange } from '../app/change-feed.ts';
import type { Order } from '../domain/order/order.ts';
import type { CommittedEvent } from '../storage/committed-changes.ts';
import type { MetricSet } from './metric-set.ts';

/** Event-log types of failures the runtime survived, and their `kind` label. */
const FAILURE_KINDS: Readonly<Record<string, string>> = {
  BotStepFailed: 'bot_step',
  TickerFailed: 'ticker',
  RetryFailed: 'retry',
  ReconcileFailed: 'reconcile',
  StopLossCheckFailed: 'stop_loss_check',
  StopLossFailed: 'stop_loss',
  SyncFailed: 'sync',
};

/** Venue reports whose exchange timestamp is the event's occurred_at (the venue-event lag). */
const VENUE_REPORTS = new Set(['OrderAccepted', 'OrderPartiallyFilled', 'OrderFilled', 'OrderRejected', 'OrderCanceled', 'OrderExpired']);

/** Retried orders waiting for the venue's answer; beyond this many the oldest are forgotten. */
const MAX_RETRIES_AWAITED = 10_000;

/**
 * Turns committed changes into metric updates.
 *
 * @example
 * const counting = new FeedMetrics(set);
 * ledger.feed.subscribe((change) => counting.observe(change));
 */
export class FeedMetrics {
  readonly #set: MetricSet;
  readonly #now: () => number;
  /** Orders retried whose new placement has no outcome yet. */
  readonly #retrying = new Set<string>();

  /** `now`: wall-clock time, compared with the venue's timestamps (default Date.now). */
  constructor(set: MetricSet, now: () => number = Date.now) {
    this.#set = set;
    this.#now = now;
  }

  observe(change: FeedChange): void {
    if (change.origin !== 'live') return;
    const orders = new Map(change.orders.map((order) => [order.id, order]));
    for (const event of change.events) this.#event(event, event.orderId ? orders.get(event.orderId) : undefined);
  }

  #event(event: CommittedEvent, order: Order | undefined): void {
    const set = this.#set;
    if (event.source === 'exchange-ws' && VENUE_REPORTS.has(event.type)) {
      set.venueEventLag.observe(Math.max(0, this.#now() - Date.parse(event.occurredAt)) / 1000);
    }
    const kind = FAILURE_KINDS[event.type];
    if (kind) set.applicationErrors.inc({ kind });
    switch (event.type) {
      case 'OrderFilled':
      case 'OrderPartiallyFilled':
        if (!event.applied) {
          set.executions.inc({ result: 'error' });
          return;
        }
        set.executions.inc({ result: 'success' });
        if (order) set.executionDuration.observe(Math.max(0, Date.parse(event.createdAt) - Date.parse(order.createdAt)) / 1000);
        this.#retryOutcome(event.orderId, 'success');
        return;
      case 'UnknownOrder':
        set.executions.inc({ result: 'error' });
        return;
      case 'OrderAccepted':
        if (event.applied) this.#retryOutcome(event.orderId, 'success');
        return;
      case 'OrderRejected':
      case 'OrderPlacementFailed':
        if (!event.applied) return;
        set.ordersFailed.inc({ reason: event.type === 'OrderRejected' ? 'rejected' : 'placement_failed' });
        if (order?.status === 'failed' && order.nextRetryAt !== null) set.ordersRetriable.inc();
        this.#retryOutcome(event.orderId, 'error');
        return;
      case 'OrderExpired':
        if (!event.applied) return;
        // The retry loop expires failed orders (source engine); anything else is the venue's doing.
        set.ordersExpired.inc({ by: event.source === 'engine' ? 'ttl' : 'venue' });
        this.#forget(event.orderId);
        return;
      case 'OrderCanceled':
      case 'OrderDropped':
        if (event.applied) this.#forget(event.orderId);
        return;
      case 'OrderRetried':
        if (event.applied && event.orderId) this.#await(event.orderId);
        return;
      case 'SyncDiscrepancy':
        set.syncDiscrepanciesFound.inc();
        return;
      case 'SyncFixed':
        set.syncDiscrepanciesFixed.inc();
        return;
      case 'SyncPerformed':
        set.syncs.inc({ result: 'ok' });
        return;
      case 'SyncFailed':
        set.syncs.inc({ result: 'failed' });
        return;
    }
  }

  #await(orderId: string): void {
    this.#retrying.add(orderId);
    if (this.#retrying.size > MAX_RETRIES_AWAITED) this.#retrying.delete(this.#retrying.values().next().value as string);
  }

  #forget(orderId: string | null): void {
    if (orderId) this.#retrying.delete(orderId);
  }

  #retryOutcome(orderId: string | null, result: 'success' | 'error'): void {
    if (!orderId || !this.#retrying.delete(orderId)) return;
    this.#set.retries.inc({ result });
  }
}
