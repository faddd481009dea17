/**
 * Applies what the venue reports (pushed events, and the answers of REST calls) to the ledger.
 *
 * - An order is matched by client order id or by exchange order id, whichever the report has
 *   and the ledger knows.
 * - Every status change goes through the domain's one transition table (`applyOrderEvent`).
 *   A repeated event is a no-op, an event that does not fit is written to the event log with
 *   applied = false and not applied, and a late fill after a cancel is accepted.
 * - Fills are idempotent per (order, trade id); filled_amount is the exact sum of stored fills.
 *   A status report never invents a fill: when the venue says more is filled than the stored
 *   fills add up to, the outcome says `fillsMissing` and the caller fetches the fills.
 * - The event log records what happened: a report that changes nothing (an echo) writes no row,
 *   one that contradicts the ledger does (applied = false), and so does a fill pushed twice.
 * - A cancel with no system cancellation_reason is an outside cancel: on that one event the bot
 *   stops, its stop reason names the order, and the event log says
 *   "Order <client id> cancelled outside botledger - bot stopped".
 */
import { autoStopForCancelledOrder } from '../../domain/bot/bot.ts';
import { compare } from '../../domain/money.ts';
import type { OrderEvent } from '../../domain/order/order-events.ts';
import { applyOrderEvent, fillEventFor, type Order } from '../../domain/order/order.ts';
import { isSystemCancellation, outsideCancelReason } from '../../domain/order/reasons.ts';
import type { FillReport, OrderStatusReport, VenueEvent } from '../../exchange/exchange-adapter.ts';
import type { EventSource } from '../../domain/order/order-events.ts';
import type { BotledgerDatabase } from '../../storage/database.ts';
import type { UnitOfWork } from '../../storage/unit-of-work.ts';
import { type Clock, SYSTEM_CLOCK } from '../clock.ts';
import { GroupCommitter } from './group-commit.ts';
import { commitHubFor } from '../../storage/committed-changes.ts';
import { OrderLanes } from './order-lanes.ts';
import { applyFillToPosition, type PositionOutcome } from '../positions/position-keeper.ts';

/** The source of events the venue pushes (as opposed to answers to botledger's own calls). */
const PUSHED: EventSource = 'exchange-ws';

/** What applying one venue event did. */
export interface VenueEventOutcome {
  readonly applied: boolean;
  /** The order after the event (unchanged when not applied); absent for an unknown order. */
  readonly order?: Order;
  /** Set when this event stopped the order's bot (an outside cancel). */
  readonly botStopped?: boolean;
  /** The venue says more is filled than the stored fills add up to: fetch the fills. */
  readonly fillsMissing?: boolean;
  /** The sentence written to the event log. */
  readonly message: string;
  /** What a fill did to its bot's position (opened, grew, reduced, closed it). */
  readonly position?: PositionOutcome;
}

/** The orders a batch of venue events names, by client and exchange order id: what its unit of work locks first. */
export function orderRefsOf(events: readonly VenueEvent[]): { clientOrderIds: Set<string>; exchangeOrderIds: Set<string> } {
  const clientOrderIds = new Set<string>();
  const exchangeOrderIds = new Set<string>();
  for (const event of events) {
    const ref = event.type === 'order' ? event.report : event.type === 'fill' ? event.fill : undefined;
    if (!ref) continue;
    if (ref.clientOrderId) clientOrderIds.add(ref.clientOrderId);
    if (ref.exchangeOrderId) exchangeOrderIds.add(ref.exchangeOrderId);
  }
  return { clientOrderIds, exchangeOrderIds };
}

/** Applies venue events through the unit of work of a transaction the caller holds. Shared by pushed events and REST answers. */
export class VenueEventApplier {
  readonly #clock: Clock;
  readonly #venueName: string;

  constructor(options: { clock?: Clock; venueName?: string } = {}) {
    this.#clock = options.clock ?? SYSTEM_CLOCK;
    this.#venueName = options.venueName ?? 'The exchange';
  }

  /**
   * Applies one event in the open unit of work `uow` (a batch of one: its order is locked first).
   *
   * @example
   * await UnitOfWork.run(database, (uow) => applier.apply(uow, { type: 'order', report }, 'exchange-rest'));
   */
  async apply(uow: UnitOfWork, event: VenueEvent, source: EventSource): Promise<VenueEventOutcome> {
    await uow.lockOrders(orderRefsOf([event]));
    return this.applyWith(uow, event, source);
  }

  /** Applies one event through `q`, whose unit of work holds (and has locked) the orders the event names. */
  async applyWith(q: UnitOfWork, event: VenueEvent, source: EventSource): Promise<VenueEventOutcome> {
    const now = new Date(this.#clock.now());
    const at = now.toISOString();
    switch (event.type) {
      case 'order':
        return this.#applyReport(q, event.report, source, now);
      case 'fill':
        return this.#applyFill(q, event.fill, source, now);
      case 'disconnected':
      case 'reconnected': {
        const message = event.type === 'disconnected' ? `Venue stream disconnected: ${event.reason}` : 'Venue stream reconnected';
        q.appendEvent({ source, type: `Stream${event.type === 'disconnected' ? 'Disconnected' : 'Reconnected'}`, message, payload: event, applied: true, at });
        return { applied: true, message };
      }
      default:
        return { applied: false, message: 'ticker: nothing to record' };
    }
  }

  async #unknown(q: UnitOfWork, what: string, ids: string, payload: unknown, source: EventSource, at: string): Promise<VenueEventOutcome> {
    const message = `Venue reported ${what} for order ${ids}, which botledger does not know - not applied`;
    q.appendEvent({ source, type: 'UnknownOrder', message, payload, applied: false, at });
    return { applied: false, message };
  }

  /** Records the venue's id first, so a fill or cancel that carries it can be checked against it. */
  #accept(order: Order, exchangeOrderId: string | undefined, now: Date): Order {
    if (order.exchangeOrderId || !exchangeOrderId) return order;
    const result = applyOrderEvent(order, { type: 'OrderAccepted', exchangeOrderId }, now);
    return result.outcome === 'applied' ? result.order : order;
  }

  async #applyReport(q: UnitOfWork, report: OrderStatusReport, source: EventSource, now: Date): Promise<VenueEventOutcome> {
    const at = now.toISOString();
    const raw = report.raw ?? report;
    const stored = await q.order(report.clientOrderId, report.exchangeOrderId);
    if (!stored) return this.#unknown(q, `a ${report.state} order`, `${report.clientOrderId} / ${report.exchangeOrderId}`, raw, source, at);
    const fillsMissing = compare(report.filledAmount, stored.filledAmount) > 0;
    let event: OrderEvent;
    let outsideWhy: string | undefined;
    switch (report.state) {
      case 'open':
      case 'partially_filled':
      case 'filled':
        // Fills, not status reports, move filled_amount and the status of an executing order.
        event = { type: 'OrderAccepted', exchangeOrderId: report.exchangeOrderId };
        break;
      case 'cancelled': {
        const notOurs = await this.#cancelledByOthers(q, stored, report);
        event = { type: 'OrderCanceled', venueMessage: report.reason, ...(notOurs ? { outside: true } : {}) };
        outsideWhy = notOurs;
        break;
      }
      case 'expired':
        event = { type: 'OrderExpired', venueMessage: report.reason };
        break;
      case 'rejected':
        event = { type: 'OrderRejected', venue: this.#venueName, venueMessage: report.reason ?? JSON.stringify(raw) };
        break;
    }
    const accepted = event.type === 'OrderAccepted' ? stored : this.#accept(stored, report.exchangeOrderId, now);
    const result = applyOrderEvent(accepted, event, now);
    const base = { source, orderId: stored.id, botId: stored.botId, pluginId: stored.pluginId, payload: raw, occurredAt: new Date(report.timestamp).toISOString(), at };
    if (result.outcome !== 'applied') {
      const order = q.saveOrder(stored, accepted);
      // A report that restates what the ledger has (the REST answer after its pushed event, the
      // venue's snapshot after a fill, a reconciliation fetch) is an echo: no row. One that
      // contradicts the ledger (the table's `rejected`) is written, for reconciliation and people.
      if (result.outcome === 'rejected' || accepted !== stored) q.appendEvent({ ...base, type: event.type, message: result.explanation, applied: false });
      return { applied: accepted !== stored, order, fillsMissing, message: result.explanation };
    }
    const order = q.saveOrder(stored, result.order);
    if (event.type === 'OrderCanceled' && !isSystemCancellation(order.cancellationReason)) {
      const botStopped = await this.#stopBot(q, order, at);
      const message = `${outsideCancelReason(order.clientOrderId, botStopped)}${outsideWhy ? ` (${outsideWhy})` : ''}`;
      q.appendEvent({ ...base, type: 'OrderCanceled', message, applied: true });
      return { applied: true, order, botStopped, fillsMissing, message };
    }
    const message =
      event.type === 'OrderCanceled' || event.type === 'OrderExpired'
        ? `Order ${order.clientOrderId}: ${order.reason} (cancellation_reason ${order.cancellationReason})`
        : result.explanation;
    q.appendEvent({ ...base, type: event.type, message, applied: true });
    return { applied: true, order, fillsMissing, message };
  }

  /**
   * A cancel report for an order botledger itself asked to cancel (UPDATE, STOP, ...): was the
   * cancel someone else's? A person's cancel just before a bot command makes the venue answer
   * botledger's request with "already cancelled", and its event may come after the request was
   * recorded (issue 6, defect 4). The venue decides: it says a person or the venue itself
   * cancelled it, or its cancel time is before botledger's request was recorded (only a venue
   * clock more than that far ahead of ours could mislead this). Returns why, or undefined when
   * the cancel is botledger's (or the venue does not say).
   */
  async #cancelledByOthers(q: UnitOfWork, stored: Order, report: OrderStatusReport): Promise<string | undefined> {
    if (stored.status !== 'pending' || !isSystemCancellation(stored.cancellationReason)) return undefined;
    const request = `botledger's ${stored.cancellationReason} request`;
    if (report.canceledBy === 'person') return `the venue says a person cancelled it there, before ${request} reached it`;
    if (report.canceledBy === 'venue') return `the venue says it cancelled it itself, before ${request} reached it`;
    if (report.canceledAt === undefined) return undefined;
    const requestedAt = await q.cancelRequestedAt(stored.id);
    if (requestedAt === undefined || report.canceledAt >= requestedAt) return undefined;
    return `the venue cancelled it at ${new Date(report.canceledAt).toISOString()}, before ${request} was recorded at ${new Date(requestedAt).toISOString()}`;
  }

  /** The auto-stop rule (domain/bot/bot.ts): true when this cancel stopped an active bot. */
  async #stopBot(q: UnitOfWork, order: Order, at: string): Promise<boolean> {
    if (!order.botId) return false;
    const bot = await q.bot(order.botId);
    if (!bot) return false;
    const change = autoStopForCancelledOrder(bot, order, new Date(at));
    if (!change.changed) return false;
    q.saveBot(bot, change.bot);
    q.appendEvent({ source: 'engine', type: 'BotStopped', message: change.message, botId: bot.id, orderId: order.id, pluginId: bot.pluginId, applied: true, at });
    return true;
  }

  async #applyFill(q: UnitOfWork, fill: FillReport, source: EventSource, now: Date): Promise<VenueEventOutcome> {
    const at = now.toISOString();
    const raw = fill.raw ?? fill;
    const stored = await q.order(fill.clientOrderId, fill.exchangeOrderId);
    if (!stored) return this.#unknown(q, `fill ${fill.tradeId}`, `${fill.clientOrderId} / ${fill.exchangeOrderId}`, raw, source, at);
    const base = { source, orderId: stored.id, botId: stored.botId, pluginId: stored.pluginId, payload: raw, occurredAt: new Date(fill.timestamp).toISOString(), at };
    if (await q.hasFill(stored.id, fill.tradeId)) {
      const message = `Fill ${fill.tradeId} of order ${stored.clientOrderId} is already recorded - repeated event ignored`;
      // The stream delivering a trade twice is a venue fault worth seeing; a fetch lists every
      // fill of the order by design, so the ones already stored are no event at all.
      if (source === PUSHED) q.appendEvent({ ...base, type: 'FillDuplicate', message, applied: false });
      return { applied: false, order: stored, message };
    }
    const accepted = this.#accept(stored, fill.exchangeOrderId, now);
    const details = { tradeId: fill.tradeId, price: fill.price, amount: fill.amount, fee: fill.fee, feeCurrency: fill.feeCurrency };
    const event = fillEventFor(accepted, details, fill.exchangeOrderId);
    const result = applyOrderEvent(accepted, event, now);
    if (result.outcome !== 'applied') {
      // Not stored: filled_amount must stay the sum of stored fills, and this fill does not fit.
      const order = q.saveOrder(stored, accepted);
      q.appendEvent({ ...base, type: event.type, message: result.explanation, applied: false });
      return { applied: false, order, message: result.explanation };
    }
    q.insertFill({
      orderId: stored.id,
      exchangeTradeId: fill.tradeId,
      price: fill.price,
      amount: fill.amount,
      fee: fill.fee,
      feeCurrency: fill.feeCurrency ?? null,
      occurredAt: base.occurredAt,
      raw,
      createdAt: at,
    });
    const order = q.saveOrder(stored, result.order);
    const message = `Fill ${fill.tradeId}: ${fill.amount} at ${fill.price} - ${order.reason}`;
    q.appendEvent({ ...base, type: event.type, message, applied: true });
    // The position moves in the same transaction as the fill: neither is ever stored without the other.
    const position = await applyFillToPosition(q, order, details, now, source);
    return { applied: true, order, message, ...(position ? { position } : {}) };
  }
}

interface Submitted {
  readonly event: VenueEvent;
  readonly source: EventSource;
}

export interface VenueEventProcessorOptions {
  readonly clock?: Clock;
  /** The venue's name in reasons ("Paper exchange rejected the order: ..."). */
  readonly venueName?: string;
  /** Most events per commit. */
  readonly maxBatch?: number;
  /**
   * Parallel commit lanes (default 1 on SQLite, which has one writer; {@link DEFAULT_POSTGRES_LANES}
   * on PostgreSQL). An order's events always take the same lane (its bot's, whichever
   * reference the event carries: order-lanes.ts), so they are applied in the order they arrived,
   * and no two lanes write one bot's position; lanes overlap the round trips of different bots.
   */
  readonly lanes?: number;
}

/** Commit lanes on a server database: one batch is being written while the next is being applied. */
export const DEFAULT_POSTGRES_LANES = 3;

/** An event waiting for its order id to be read before it can take its lane. */
interface Routing {
  readonly item: Submitted;
  readonly resolve: (outcome: Promise<VenueEventOutcome>) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Processes a venue's pushed events on its own database connection, with group commit: events
 * that arrive together share one durable COMMIT, and `handle` resolves only after it.
 *
 * @example
 * const processor = VenueEventProcessor.open(await openDatabase(url), { venueName: 'Paper exchange' });
 * const unsubscribe = exchange.subscribe((event) => processor.handle(event));
 */
export class VenueEventProcessor {
  readonly database: BotledgerDatabase;
  readonly applier: VenueEventApplier;
  readonly #writers: GroupCommitter<Submitted, VenueEventOutcome>[];
  readonly #lanes: OrderLanes;
  /** Events in arrival order whose lane is being resolved; later events queue behind them. */
  readonly #routing: Routing[] = [];
  readonly #listeners = new Set<(outcome: VenueEventOutcome, event: VenueEvent) => void>();

  constructor(database: BotledgerDatabase, options: VenueEventProcessorOptions = {}) {
    this.database = database;
    this.applier = new VenueEventApplier(options);
    // A single-writer database gains nothing from parallel commits: they would only queue.
    const lanes = Math.max(1, options.lanes ?? (database.capabilities.singleWriter ? 1 : DEFAULT_POSTGRES_LANES));
    this.#writers = Array.from({ length: lanes }, () => new GroupCommitter(database, (uow, items) => this.#applyBatch(uow, items), { maxBatch: options.maxBatch }));
    this.#lanes = new OrderLanes(database.ledger, lanes, lanes > 1 ? commitHubFor(database) : undefined);
  }

  /** A processor on the connection `database` (open a second one for it: it must not share the caller's). */
  static open(database: BotledgerDatabase, options: VenueEventProcessorOptions = {}): VenueEventProcessor {
    return new VenueEventProcessor(database, options);
  }

  /** COMMITs made so far (fewer than events when they were grouped). */
  get commits(): number {
    return this.#writers.reduce((total, writer) => total + writer.commits, 0);
  }

  /** Calls `listener` after each committed event (the plugin runtime reacts to orders this way). */
  onCommitted(listener: (outcome: VenueEventOutcome, event: VenueEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Applies one venue event; resolves once its state change is durably committed.
   *
   * @example
   * const outcome = await processor.handle({ type: 'order', report });
   */
  async handle(event: VenueEvent, source: EventSource = 'exchange-ws'): Promise<VenueEventOutcome> {
    if (event.type === 'ticker') return { applied: false, message: 'ticker: nothing to record' };
    const outcome = await this.#submit({ event, source });
    if (outcome.order && this.#writers.length > 1) this.#lanes.learn(outcome.order);
    for (const listener of this.#listeners) listener(outcome, event);
    return outcome;
  }

  /** Resolves when every event handed in so far is committed. */
  async idle(): Promise<void> {
    while (this.#routing.length > 0) await new Promise((resolve) => setImmediate(resolve));
    await Promise.all(this.#writers.map((writer) => writer.idle()));
  }

  /**
   * Tells the lane index an order's references (an order placed on another connection), so its
   * first venue event needs no storage read to find its lane.
   */
  knowOrder(order: Order): void {
    if (this.#writers.length > 1) this.#lanes.learn(order);
  }

  /** Stops following the ledger's committed orders (the lane index). */
  close(): void {
    this.#lanes.close();
  }

  #writer(lane: number): GroupCommitter<Submitted, VenueEventOutcome> {
    return this.#writers[lane] as GroupCommitter<Submitted, VenueEventOutcome>;
  }

  /**
   * Hands the event to its order's lane, strictly in arrival order: an event whose order id is not
   * in memory waits for one storage read (shared by every event that arrived meanwhile), and every
   * event behind it waits too, so that no event of an order overtakes another.
   */
  #submit(item: Submitted): Promise<VenueEventOutcome> {
    if (this.#routing.length === 0) {
      const lane = this.#lanes.cachedLane(item.event);
      if (lane !== undefined) return this.#writer(lane).submit(item);
    }
    return new Promise<VenueEventOutcome>((resolve, reject) => {
      this.#routing.push({ item, resolve, reject });
      if (this.#routing.length === 1) void this.#route();
    });
  }

  async #route(): Promise<void> {
    while (this.#routing.length > 0) {
      const batch = [...this.#routing];
      let failure: { error: unknown } | undefined;
      try {
        await this.#lanes.load(batch.map((entry) => entry.item.event));
      } catch (error) {
        failure = { error };
      }
      for (const entry of batch) {
        if (failure) entry.reject(failure.error);
        else entry.resolve(this.#writer(this.#lanes.laneOf(entry.item.event)).submit(entry.item));
      }
      this.#routing.splice(0, batch.length);
    }
  }

  /** One unit of work for the batch: its orders locked with one statement per kind of ref, the rules in memory, one flush. */
  async #applyBatch(uow: UnitOfWork, items: readonly Submitted[]): Promise<VenueEventOutcome[]> {
    await uow.lockOrders(orderRefsOf(items.map((item) => item.event)));
    // Fills move positions: lock every position the batch may touch in one statement, in id order.
    if (items.some((item) => item.event.type === 'fill')) await uow.positions.lockOpenPositionsOfBots(uow.heldBotIds());
    const outcomes: VenueEventOutcome[] = [];
    for (const item of items) outcomes.push(await this.applier.applyWith(uow, item.event, item.source));
    return outcomes;
  }
}
