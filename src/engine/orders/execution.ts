/**
 * Places and cancels orders with the intent committed before the venue is called
 * (docs/architecture.md, decision 1):
 *
 * 1. a short transaction records the order (with its client order id, made first) or the cancel
 *    request (with its cancellation_reason), and COMMITs, so any other connection (the venue-event
 *    processor) can read it;
 * 2. the venue is called, outside any transaction;
 * 3. a short transaction records the answer through the same rules as a pushed event.
 *
 * An unclear answer (timeout, lost connection) is never "failed": the order stays pending and
 * reconciliation asks the venue by client order id. A rejection fails the order with the venue's
 * words, whole; a rate limit fails it for the retry loop, after the venue's retry hint.
 */
import { decideOrderCommand, type ExistingOrderCommand, type OrderCommand, type SystemCancellationReason } from '../../domain/order/order-commands.ts';
import type { EventSource, OrderEvent } from '../../domain/order/order-events.ts';
import { applyOrderEvent, type Order } from '../../domain/order/order.ts';
import { type ExchangeAdapter, OrderNotFoundError, OrderNotOpenError, OrderRejectedError, type OrderStatusReport, RateLimitedError } from '../../exchange/exchange-adapter.ts';
import type { BotledgerDatabase } from '../../storage/database.ts';
import { LedgerReader } from '../../storage/ledger-reader.ts';
import { StaleRowError } from '../../storage/stale-row-error.ts';
import { UnitOfWork } from '../../storage/unit-of-work.ts';
import { type Clock, SYSTEM_CLOCK } from '../clock.ts';
import { type ExecutionOptions, type OrderChange, OrderNotKnownError, type PlaceOrderInput, type PlacementFailure, rawOf, STALE_ROW_ATTEMPTS, type VenueInferredEvent } from './execution-types.ts';
import { recordOrderIntent } from './order-intent.ts';
import { VenueEventApplier, type VenueEventOutcome } from '../venue-events/venue-events.ts';
import { assertVenueTakes, findAtVenue } from './venue-capabilities.ts';

export { VenueCapabilityError } from './venue-capabilities.ts';

export * from './execution-types.ts';

/**
 * @example
 * const execution = ExecutionEngine.open(callerDatabase, { exchange: paper, venueName: 'Paper exchange' });
 * const order = await execution.placeOrder({ botId: 'b1', side: 'buy', type: 'limit', intent: 'entry', amount: '1', price: '100' });
 * await execution.cancelOrder(order.id, 'UPDATE');
 */
export class ExecutionEngine {
  readonly database: BotledgerDatabase;
  /** The ledger's reads (latest committed state); writes go through {@link transact}. */
  readonly ledger: LedgerReader;
  readonly applier: VenueEventApplier;
  readonly exchange: ExchangeAdapter;
  readonly clock: Clock;
  readonly venueName: string;
  /** The exchange account it trades on: new bots get it, sync is kept per account. */
  readonly accountId: string;
  /** Orders whose venue call is in flight in this process; reconciliation leaves them alone. */
  readonly inFlight = new Set<string>();
  readonly #outcomeListeners = new Set<(outcome: VenueEventOutcome) => void>();
  readonly #placedListeners = new Set<(order: Order) => void>();
  readonly #placementErrorListeners = new Set<(failure: PlacementFailure) => void>();

  constructor(database: BotledgerDatabase, options: ExecutionOptions) {
    this.database = database;
    this.ledger = new LedgerReader(database);
    this.exchange = options.exchange;
    this.clock = options.clock ?? SYSTEM_CLOCK;
    this.venueName = options.venueName ?? options.exchange.displayName;
    this.accountId = options.accountId ?? options.exchange.id;
    this.applier = new VenueEventApplier({ clock: this.clock, venueName: this.venueName });
  }

  static open(database: BotledgerDatabase, options: ExecutionOptions): ExecutionEngine {
    return new ExecutionEngine(database, options);
  }

  /**
   * Calls `listener` after each committed venue answer that changed an order (REST answers,
   * fetched fills, reconciliation), as the venue-event processor does for pushed events.
   */
  onVenueOutcome(listener: (outcome: VenueEventOutcome) => void): () => void {
    this.#outcomeListeners.add(listener);
    return () => this.#outcomeListeners.delete(listener);
  }

  /**
   * Calls `listener` after a placement (a new order or a retry) threw, once what it means is
   * recorded (failed for a rejection or a rate limit; still pending for an unclear answer), with
   * the error itself (its class: OrderWouldTriggerError, ExchangeUnclearError, ...) and the venue's
   * raw body. The stop-loss manager decides retry or emergency exit from it.
   */
  onPlacementError(listener: (failure: PlacementFailure) => void): () => void {
    this.#placementErrorListeners.add(listener);
    return () => this.#placementErrorListeners.delete(listener);
  }

  /** Calls `listener` with each new order once its intent is committed, before the venue is called. */
  onOrderRecorded(listener: (order: Order) => void): () => void {
    this.#placedListeners.add(listener);
    return () => this.#placedListeners.delete(listener);
  }

  #emit(outcome: VenueEventOutcome): void {
    if (outcome.applied) for (const listener of this.#outcomeListeners) listener(outcome);
  }

  now(): Date {
    return new Date(this.clock.now());
  }

  /** Runs a short transaction through a unit of work, again if it lost a race on a row version. */
  async transact<T>(work: (uow: UnitOfWork) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await UnitOfWork.run(this.database, work);
      } catch (error) {
        if (!(error instanceof StaleRowError) || attempt >= STALE_ROW_ATTEMPTS) throw error;
      }
    }
  }

  /**
   * Records the order (intent) and commits, then places it at the venue and records the answer.
   * Resolves with the order as recorded after the answer. `input.protective` places a stop-loss
   * or an exit for a bot that is no longer active (its position must stay protected).
   */
  async placeOrder(input: PlaceOrderInput, source: EventSource = 'engine'): Promise<Order> {
    const order = await this.transact((uow) => this.recordIntent(uow, input, source));
    return this.placeRecorded(order);
  }

  /**
   * The first half of {@link placeOrder} inside the caller's unit of work, for a caller that
   * records rows of its own with the order in one transaction; after COMMIT, {@link placeRecorded}.
   */
  recordIntent(uow: UnitOfWork, input: PlaceOrderInput, source: EventSource): Promise<Order> {
    assertVenueTakes(this.exchange, this.venueName, input);
    return recordOrderIntent(uow, input, { now: this.now(), capabilities: this.exchange.capabilities, venueName: this.venueName, source });
  }

  /** The second half of {@link placeOrder}: the order's intent is committed; place it at the venue. */
  placeRecorded(order: Order): Promise<Order> {
    // Whoever routes the venue's events for it (the commit lanes) learns it before the venue is called.
    for (const listener of this.#placedListeners) listener(order);
    return this.submitToVenue(order);
  }

  /**
   * Calls placeOrder at the venue for a pending order whose intent is already committed, and
   * records the answer. Used for new orders and for retries.
   */
  async submitToVenue(order: Order): Promise<Order> {
    this.inFlight.add(order.id);
    try {
      let report: OrderStatusReport;
      try {
        const { clientOrderId, symbol, side, type, amount } = order;
        report = await this.exchange.placeOrder({ clientOrderId, symbol, side, type, amount, price: order.price ?? undefined, stopPrice: order.stopPrice ?? undefined });
      } catch (error) {
        return await this.#recordPlacementError(order, error);
      }
      return await this.recordReport(report, 'exchange-rest');
    } finally {
      this.inFlight.delete(order.id);
    }
  }

  async #recordPlacementError(order: Order, error: unknown): Promise<Order> {
    const recorded = await this.#recordPlacementErrorOnly(order, error);
    for (const listener of this.#placementErrorListeners) listener({ order: recorded, error, raw: rawOf(error) });
    return recorded;
  }

  async #recordPlacementErrorOnly(order: Order, error: unknown): Promise<Order> {
    const raw = rawOf(error);
    if (error instanceof OrderRejectedError) {
      return this.recordVenueEvent(order.id, { type: 'OrderRejected', venue: this.venueName, venueMessage: error.message }, 'exchange-rest', raw);
    }
    if (error instanceof RateLimitedError) {
      const hint = error.retryAfterMs !== undefined ? ` (retry after ${error.retryAfterMs} ms)` : '';
      const failed = await this.recordVenueEvent(order.id, { type: 'OrderPlacementFailed', error: `${this.venueName} rate limit: ${error.message}${hint}` }, 'exchange-rest', raw);
      return error.retryAfterMs !== undefined ? this.#notBefore(failed, this.clock.now() + error.retryAfterMs) : failed;
    }
    // Timeout, lost connection, anything unexpected: the venue may have acted. Never "failed".
    const message = `Placing order ${order.clientOrderId} got no clear answer from ${this.venueName} (${(error as Error)?.message ?? error}); it stays pending until reconciliation asks the venue by client order id`;
    await this.#logNotApplied(order, 'engine', 'PlacementUnclear', message, raw);
    return (await this.ledger.orderById(order.id)) ?? order;
  }

  /** Moves next_retry_at later when the venue asked for a longer wait than the policy's. */
  async #notBefore(order: Order, epochMs: number): Promise<Order> {
    if (order.status !== 'failed' || (order.nextRetryAt && Date.parse(order.nextRetryAt) >= epochMs)) return order;
    return this.transact(async (uow) => {
      const stored = await uow.orderById(order.id);
      if (stored?.status !== 'failed') return stored ?? order;
      const limit = stored.expiresAt ? Date.parse(stored.expiresAt) : Number.POSITIVE_INFINITY;
      return uow.saveOrder(stored, { ...stored, nextRetryAt: new Date(Math.min(epochMs, limit)).toISOString() });
    });
  }

  /**
   * Carries out a command: PlaceOrder and CancelOrder record the intent, commit, then call the
   * venue; RetryOrder records the retry and places the order again; DropOrder, ExpireOrder and
   * ClosePosition only record. Resolves with the order afterwards. A command the transition table
   * refuses is logged (applied = false) and the order is returned unchanged.
   *
   * @example
   * await execution.execute({ type: 'CancelOrder', orderId: order.id, cancellationReason: 'STOP', actor: 'api' }, 'api');
   */
  async execute(command: OrderCommand, source: EventSource = 'engine'): Promise<Order> {
    switch (command.type) {
      case 'PlaceOrder': {
        const { type: _command, orderType, ...rest } = command;
        return this.placeOrder({ ...rest, type: orderType }, source);
      }
      case 'CancelOrder':
        return this.cancelOrder(command.orderId, command.cancellationReason, source, command.actor);
      case 'RetryOrder': {
        const change = await this.decide(command, source);
        // Only a retry that moved the order out of failed places it; a repeat changes nothing.
        return change.applied && change.previous.status === 'failed' ? this.submitToVenue(change.order) : change.order;
      }
      default:
        return (await this.decide(command, source)).order;
    }
  }

  /**
   * Records what a command on an existing order did, in one short transaction, without calling
   * the venue: the command is decided into its event (OrderCancelRequested, OrderRetried, ...) and
   * the transition table decides that event. {@link execute} is the whole command.
   */
  decide(command: ExistingOrderCommand, source: EventSource, payload?: unknown): Promise<OrderChange> {
    return this.#recordOnOrder(command.orderId, (stored, now) => decideOrderCommand(stored, command, now), source, payload);
  }

  /**
   * Records an event botledger inferred from the venue's answer to its own call (not a command):
   * a rejection, a failed placement, or a cancel of an order the venue does not have.
   */
  async recordVenueEvent(orderId: string, event: VenueInferredEvent, source: EventSource, payload?: unknown): Promise<Order> {
    const change = await this.#recordOnOrder(orderId, (stored, now) => ({ event, result: applyOrderEvent(stored, event, now) }), source, payload);
    return change.order;
  }

  async #recordOnOrder(
    orderId: string,
    decideOn: (stored: Order, now: Date) => { event: OrderEvent; result: ReturnType<typeof applyOrderEvent> },
    source: EventSource,
    payload?: unknown,
  ): Promise<OrderChange> {
    return this.transact(async (uow) => {
      const stored = await uow.orderById(orderId);
      if (!stored) throw new OrderNotKnownError(`order ${orderId} does not exist`);
      const now = this.now();
      const { event, result } = decideOn(stored, now);
      const applied = result.outcome === 'applied';
      const order = applied ? uow.saveOrder(stored, result.order) : stored;
      uow.appendEvent({
        source,
        type: event.type,
        message: applied && result.explanation === order.reason ? `Order ${order.clientOrderId}: ${result.explanation}` : result.explanation,
        orderId: stored.id,
        botId: stored.botId,
        pluginId: stored.pluginId,
        payload: payload ?? event,
        applied,
        at: now.toISOString(),
      });
      return { order, applied, explanation: result.explanation, previous: stored };
    });
  }

  /** Records a venue report (REST answer or fetch) in a short transaction; fetches fills it says are missing. */
  async recordReport(report: OrderStatusReport, source: EventSource): Promise<Order> {
    const outcome: VenueEventOutcome = await this.transact((uow) => this.applier.apply(uow, { type: 'order', report }, source));
    this.#emit(outcome);
    if (outcome.fillsMissing) await this.fetchFills(report, source);
    return (await this.ledger.orderByClientId(report.clientOrderId)) as Order;
  }

  /**
   * Asks the venue for an order's fills and records those not yet stored (idempotent per trade
   * id). The venue lists every fill of the order; the ones already stored are skipped here
   * without a transaction (the applier checks again under the row lock).
   */
  async fetchFills(ref: { symbol: string; clientOrderId: string; exchangeOrderId?: string | null }, source: EventSource): Promise<number> {
    const fills = await this.exchange.fetchFills({ symbol: ref.symbol, clientOrderId: ref.clientOrderId, exchangeOrderId: ref.exchangeOrderId ?? undefined });
    const known = await this.ledger.orderByClientId(ref.clientOrderId);
    const stored = new Set(known ? (await this.ledger.fillsOf(known.id)).map((fill) => fill.tradeId) : []);
    let added = 0;
    for (const fill of fills) {
      if (stored.has(fill.tradeId)) continue;
      const outcome = await this.transact((uow) => this.applier.apply(uow, { type: 'fill', fill }, source));
      this.#emit(outcome);
      if (outcome.applied) added++;
    }
    return added;
  }

  /**
   * Records the cancel request with its reason and COMMITs, then asks the venue to cancel.
   * A failed order has nothing live at the venue, so it is cancelled at once with the reason.
   * Resolves with the order as recorded afterwards.
   *
   * @example
   * await execution.cancelOrder(order.id, 'STOP', 'api');
   */
  async cancelOrder(orderId: string, reason: SystemCancellationReason, source: EventSource = 'engine', actor?: string): Promise<Order> {
    const requested = await this.decide({ type: 'CancelOrder', orderId, cancellationReason: reason, ...(actor !== undefined ? { actor } : {}) }, source);
    const order = requested.order;
    // Send to the venue when the order is live and carries a system reason (also when the same
    // request was recorded before, e.g. a cancel that timed out and is asked for again).
    if (order.status !== 'pending' || order.cancellationReason === null) return order;
    return this.sendCancel(order);
  }

  /** The venue half of a cancel whose request is already committed. */
  async sendCancel(order: Order): Promise<Order> {
    this.inFlight.add(order.id);
    try {
      let report: OrderStatusReport;
      try {
        let exchangeOrderId = order.exchangeOrderId ?? undefined;
        // A venue that cannot find an order by client order id cannot cancel by it either: learn its id first.
        if (exchangeOrderId === undefined && !this.exchange.capabilities.fetchByClientOrderId) {
          exchangeOrderId = (await findAtVenue(this.exchange, this.venueName, order)).report?.exchangeOrderId;
        }
        report = await this.exchange.cancelOrder({ symbol: order.symbol, clientOrderId: order.clientOrderId, exchangeOrderId });
      } catch (error) {
        if (error instanceof OrderNotFoundError || error instanceof OrderNotOpenError) {
          await this.#logCancelRefused(order, error);
          return await this.#resolveByFetch(order);
        }
        const message = `Cancelling order ${order.clientOrderId} (${order.cancellationReason}) got no clear answer from ${this.venueName} (${(error as Error)?.message ?? error}); reconciliation will ask the venue`;
        await this.#logNotApplied(order, 'engine', 'CancelUnclear', message, (error as { raw?: unknown }).raw);
        return (await this.ledger.orderById(order.id)) ?? order;
      }
      return await this.recordReport(report, 'exchange-rest');
    } finally {
      this.inFlight.delete(order.id);
    }
  }

  /**
   * Keeps the venue's refusal ("already cancelled", "does not exist") in the event log with its raw
   * body: it is the first sign that someone else may have cancelled the order (issue 6, defect 4).
   */
  async #logCancelRefused(order: Order, error: OrderNotFoundError | OrderNotOpenError): Promise<void> {
    const why = error instanceof OrderNotOpenError ? `it is already ${error.state}` : 'it does not know the order';
    const message = `${this.venueName} would not cancel order ${order.clientOrderId} (${order.cancellationReason}): ${why} (${error.message}) - asking it who ended the order and when`;
    await this.#logNotApplied(order, 'exchange-rest', 'OrderCancelRejected', message, error.raw);
  }

  /** Appends one event-log row about `order` that changed nothing (applied = false). */
  async #logNotApplied(order: Order, source: EventSource, type: string, message: string, payload: unknown): Promise<void> {
    const at = this.now().toISOString();
    await this.transact(async (uow) => uow.appendEvent({ source, type, message, orderId: order.id, botId: order.botId, pluginId: order.pluginId, payload: payload ?? null, applied: false, at }));
  }

  /**
   * The venue would not cancel (unknown, or no longer open): ask it what the order is, and record
   * that. A cancel report says who cancelled and when, so a cancel that was not botledger's is
   * recorded as OUTSIDE and stops the bot (venue-events.ts).
   */
  async #resolveByFetch(order: Order): Promise<Order> {
    const { report } = await findAtVenue(this.exchange, this.venueName, order);
    // recordReport fetches the fills when the report says more is filled than the ledger has.
    if (report) return this.recordReport(report, 'exchange-rest');
    // The venue never had it: the cancel is complete, with the reason already recorded.
    return this.recordVenueEvent(order.id, { type: 'OrderCanceled', venueMessage: `${this.venueName} has no order ${order.clientOrderId}` }, 'exchange-rest');
  }

  /**
   * Cancels an order (REPLACED) and places its replacement with a new price or amount.
   *
   * @example
   * await execution.replaceOrder(order.id, { price: '101' });
   */
  async replaceOrder(orderId: string, changes: { price?: string; amount?: string }, source: EventSource = 'engine'): Promise<{ cancelled: Order; placed: Order }> {
    const cancelled = await this.cancelOrder(orderId, 'REPLACED', source);
    if (!cancelled.botId) throw new OrderNotKnownError(`order ${orderId} has no bot; replace needs one`);
    const placed = await this.placeOrder(
      {
        botId: cancelled.botId,
        symbol: cancelled.symbol,
        side: cancelled.side,
        type: cancelled.type,
        intent: cancelled.intent,
        amount: changes.amount ?? cancelled.amount,
        price: changes.price ?? cancelled.price ?? undefined,
        stopPrice: cancelled.stopPrice ?? undefined,
      },
      source,
    );
    return { cancelled, placed };
  }
}
