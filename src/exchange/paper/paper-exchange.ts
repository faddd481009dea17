/**
 * botledger's built-in simulated venue, the embedded default. It meets the same
 * {@link ExchangeAdapter} contract as a remote venue (same errors, same raw payloads, pushed events
 * that can race the call that caused them), so the engine cannot tell the two apart. A person at
 * the venue, or a test, acts through `paper.control` ({@link PaperControl}).
 */
import { join } from 'node:path';
import {
  type BalanceReport,
  type ExchangeAdapter,
  type ExchangeCapabilities,
  ExchangeError,
  type FetchOrdersOptions,
  type FillReport,
  type MarketRules,
  OrderRejectedError,
  type OrderRef,
  type OrderStatusReport,
  type PlaceOrderRequest,
  type PositionStatusReport,
  type TickerReport,
  type VenueEvent,
  type VenueEventListener,
} from '../exchange-adapter.ts';
import type { PaperOperation, RequestFault } from './faults.ts';
import { PaperControl } from './paper-control.ts';
import { PAPER_EXCHANGE_FILE_NAME, type PaperExchangeOptions, SIMULATED_TIMEOUT_MS } from './paper-options.ts';
import { PaperVenue } from './paper-venue.ts';
import { fillReport, notFound, notOpen, orderReport, rateLimited, rejected, rejectedAs, timedOut, wouldTrigger } from './venue-payloads.ts';

/**
 * The paper exchange's state file in a folder: `paper-exchange.db`. botledger gives each ledger a
 * folder of its own (`ledger-<ledger id>`, see src/app/venue.ts), so two ledgers never share
 * a venue; the file also stores its ledger's id (`ledgerId` option) and refuses another.
 *
 * @example
 * new PaperExchange({ file: paperExchangeFile('/srv/bot/ledger-5f0c9e2a41d8b7c3e6a19f20'), ledgerId: '5f0c9e2a41d8b7c3e6a19f20' });
 */
export function paperExchangeFile(dir: string): string {
  return join(dir, PAPER_EXCHANGE_FILE_NAME);
}

function describe(ref: OrderRef): string {
  return `${ref.symbol} ${ref.clientOrderId !== undefined ? `clientOrderId=${ref.clientOrderId}` : `orderId=${ref.exchangeOrderId}`}`;
}

/**
 * @example
 * const paper = new PaperExchange({ file: 'data/paper-exchange.db', seed: 42, eventsBeforeResponse: true });
 * paper.subscribe(async (event) => engine.onVenueEvent(event));
 * await paper.placeOrder({ clientOrderId: 'bl-1-0001', symbol: 'BTC/USDT', side: 'buy', type: 'limit', amount: '0.01', price: '59000' });
 * paper.control.setPrice('BTC/USDT', '58990'); // the order fills; a fill and an order event are pushed
 * await paper.close();
 */
export class PaperExchange implements ExchangeAdapter {
  readonly id = 'paper';
  readonly displayName: string;
  readonly capabilities: ExchangeCapabilities;
  readonly control: PaperControl;
  readonly #venue: PaperVenue;
  readonly #timer: NodeJS.Timeout | undefined;
  #closed = false;

  /**
   * The markets the venue lists, with their trading rules. A bound property rather than a method,
   * so a test double made with `Object.create(paper)` still reaches the venue's private state.
   */
  readonly loadMarkets = async (): Promise<MarketRules[]> => {
    this.#gate('loadMarkets', 'all markets');
    return this.#venue.listedSymbols().map((symbol) => this.#venue.rules(symbol));
  };

  constructor(options: PaperExchangeOptions = {}) {
    const { capabilities, displayName, ...venueOptions } = options;
    this.#venue = new PaperVenue(venueOptions);
    this.control = new PaperControl(this.#venue);
    this.displayName = displayName ?? 'Paper exchange';
    this.capabilities = {
      maxClientOrderIdLength: this.#venue.maxClientOrderIdLength,
      fetchByClientOrderId: capabilities?.fetchByClientOrderId ?? true,
      streaming: capabilities?.streaming ?? true,
      stopOrders: capabilities?.stopOrders ?? true,
    };
    if (options.tickIntervalMs !== undefined) {
      this.#timer = setInterval(() => this.control.tick(1), options.tickIntervalMs);
      this.#timer.unref();
    }
  }

  /** The ledger this venue belongs to (stored in its state file), if it was opened for one. */
  get ledgerId(): string | undefined {
    return this.#venue.store.getMeta('ledger_id');
  }

  /** The seed in force (a reopened state file keeps the seed it was created with). */
  get seed(): string {
    return this.#venue.seed;
  }

  /**
   * Checks, stores and matches an order; what crosses executes at once. Resolves with the report
   * as of acting (after its events were delivered, with `eventsBeforeResponse`).
   * Throws OrderRejectedError (bad request, duplicate or too-long client order id, balance),
   * RateLimitedError, or ExchangeUnclearError (injected timeouts).
   */
  async placeOrder(request: PlaceOrderRequest): Promise<OrderStatusReport> {
    const subject = `${request.symbol} clientOrderId=${request.clientOrderId}`;
    // A stop placement also takes the faults queued for stop orders only (a failing stop-loss, working entries).
    const isStop = request.stopPrice !== undefined;
    const fault = this.#gate(isStop ? ['placeStopOrder', 'placeOrder'] : 'placeOrder', subject);
    if (fault?.kind === 'would-trigger') {
      throw wouldTrigger(request.side === 'buy' ? 'buy' : 'sell', `${subject} ${request.side} stop at ${request.stopPrice ?? '(none)'}`, this.#venue.now());
    }
    const applied = this.#afterTimeout(fault, 'placeOrder', subject, () => {
      // A venue without stop orders refuses one, as a real venue does: the order does not exist.
      if (request.stopPrice !== undefined && !this.capabilities.stopOrders) {
        throw new OrderRejectedError(`${this.displayName} takes no stop orders (capability stopOrders is off): ${subject} with stopPrice ${request.stopPrice} refused`);
      }
      return this.#venue.place(request);
    });
    return this.#respond(fault, 'placeOrder', subject, orderReport(applied.value), applied.events);
  }

  /**
   * Cancels an open order. Throws OrderNotFoundError for an order the venue never had,
   * OrderNotOpenError (with its `state`) for one already filled or cancelled, and the injected faults.
   */
  async cancelOrder(ref: OrderRef): Promise<OrderStatusReport> {
    const subject = describe(ref);
    const fault = this.#gate('cancelOrder', subject);
    const applied = this.#afterTimeout(fault, 'cancelOrder', subject, () => {
      const order = this.#venue.find(this.#checkRef(ref, 'cancelOrder'));
      const now = this.#venue.now();
      if (!order) throw notFound(subject, now);
      if (order.state !== 'open' && order.state !== 'partially_filled') throw notOpen(order, now);
      return this.#venue.cancel(order, 'api');
    });
    return this.#respond(fault, 'cancelOrder', subject, orderReport(applied.value), applied.events);
  }

  /** By exchange order id when given, else by client order id; undefined when never placed (or rejected). */
  async fetchOrder(ref: OrderRef): Promise<OrderStatusReport | undefined> {
    this.#gate('fetchOrder', describe(ref));
    const order = this.#venue.find(this.#checkRef(ref, 'fetchOrder'));
    return order && orderReport(order);
  }

  async fetchOpenOrders(symbol?: string): Promise<OrderStatusReport[]> {
    this.#gate('fetchOpenOrders', symbol ?? 'all symbols');
    return this.#venue.openOrders(symbol).map(orderReport);
  }

  /** Every order (any state) placed at or after `since`, oldest first. */
  async fetchOrders(options: FetchOrdersOptions = {}): Promise<OrderStatusReport[]> {
    this.#gate('fetchOrders', options.symbol ?? 'all symbols');
    return this.#venue.orders(options.since, options.symbol).map(orderReport);
  }

  /** Every fill of the order, oldest first; empty for an unknown order. */
  async fetchFills(ref: OrderRef): Promise<FillReport[]> {
    this.#gate('fetchFills', describe(ref));
    const order = this.#venue.find(this.#checkRef(ref, 'fetchFills'));
    return order ? this.#venue.fills(order).map(fillReport) : [];
  }

  async fetchTicker(symbol: string): Promise<TickerReport> {
    this.#gate('fetchTicker', symbol);
    return this.#venue.ticker(symbol);
  }

  /** Balances per currency; empty when the venue was not given starting balances (an endless wallet). */
  async fetchBalance(): Promise<BalanceReport[]> {
    this.#gate('fetchBalance', 'all currencies');
    return this.#venue.wallet.balances();
  }

  /**
   * The account's net positions from the venue's own fills (buys add, sells subtract). With
   * `symbol`, exactly one report (`flat`, amount '0', when nothing is held); without, every
   * position that is not flat, by symbol.
   */
  async fetchPositions(symbol?: string): Promise<PositionStatusReport[]> {
    this.#gate('fetchPositions', symbol ?? 'all symbols');
    return this.#venue.positions.reports(symbol, this.#venue.now());
  }

  /** Every execution of the account at or after `since` (venue time, ms), oldest first; only `symbol`'s when given. */
  async fetchFillsSince(since: number, symbol?: string): Promise<FillReport[]> {
    this.#gate('fetchFillsSince', symbol ?? 'all symbols');
    return this.#venue.store
      .fillsSince(since)
      .filter((fill) => symbol === undefined || fill.symbol === symbol)
      .map(fillReport);
  }

  /** Delivers pushed events; a venue configured without `streaming` pushes none (poll it instead). */
  subscribe(listener: VenueEventListener): () => void {
    if (!this.capabilities.streaming) return () => {};
    return this.#venue.stream.subscribe(listener);
  }

  /** Stops the live ticker and the stream (events in flight are lost), then closes the state file. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#venue.stream.close();
    this.#venue.close();
  }

  /** Applies the fault of this call that happens before the venue acts; returns the one that happens after. */
  #gate(operations: PaperOperation | readonly [PaperOperation, ...PaperOperation[]], subject: string): RequestFault | undefined {
    const operation = typeof operations === 'string' ? operations : operations[operations.length - 1];
    if (this.#closed) throw new ExchangeError('EXCHANGE_CLOSED', `paper ${operation} ${subject}: the paper exchange is closed`);
    const fault = this.#venue.faults.requestFault(operations);
    const now = this.#venue.now();
    const { retryAfterMs, rejection } = this.#venue.settings.faults;
    switch (fault?.kind) {
      case 'rate-limit':
        throw rateLimited(fault.retryAfterMs ?? retryAfterMs, now);
      case 'reject': {
        const [retCode, retMsg] = [fault.retCode ?? rejection.retCode, fault.retMsg ?? rejection.retMsg];
        throw fault.venueId === undefined ? rejected(retCode, retMsg, now) : rejectedAs(fault.venueId, retCode, retMsg, now);
      }
      case 'timeout-before':
        throw timedOut(operation, subject, SIMULATED_TIMEOUT_MS);
      case 'would-trigger':
        // placeOrder words it with the order's side and stop; any other call refuses here.
        if (operation === 'placeOrder') return fault;
        throw wouldTrigger('sell', subject, now);
      default:
        return fault;
    }
  }

  /** Runs the venue's action; when the answer is lost anyway, even a refusal reaches the caller as a timeout. */
  #afterTimeout<T>(fault: RequestFault | undefined, operation: string, subject: string, act: () => T): T {
    try {
      return act();
    } catch (error) {
      if (fault?.kind === 'timeout-after') throw timedOut(operation, subject, SIMULATED_TIMEOUT_MS);
      throw error;
    }
  }

  async #respond(
    fault: RequestFault | undefined,
    operation: string,
    subject: string,
    report: OrderStatusReport,
    events: VenueEvent[],
  ): Promise<OrderStatusReport> {
    const stream = this.#venue.stream;
    const delivered = this.#venue.announce(events);
    // From inside a listener, its own events queue behind the one being handled: waiting would deadlock.
    if (this.#venue.settings.eventsBeforeResponse && !stream.inListener) await delivered;
    if (fault?.kind === 'timeout-after') throw timedOut(operation, subject, SIMULATED_TIMEOUT_MS);
    return report;
  }

  #checkRef(ref: OrderRef, operation: string): OrderRef {
    if (ref?.clientOrderId === undefined && ref?.exchangeOrderId === undefined) {
      throw new ExchangeError('BAD_REQUEST', `paper ${operation}: the order reference needs a clientOrderId or an exchangeOrderId`);
    }
    if (ref.exchangeOrderId === undefined && !this.capabilities.fetchByClientOrderId) {
      throw new ExchangeError(
        'BAD_REQUEST',
        `paper ${operation}: ${this.displayName} cannot find an order by client order id alone (capability fetchByClientOrderId is off); give the exchangeOrderId of ${ref.clientOrderId}`,
      );
    }
    return ref;
  }
}
