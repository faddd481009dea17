/**
 * botledger's built-in simulated venue, the embedded default. It meets the same
 * {@link ExchangeAdapter} contract as a remote venue (same errors, same raw payloads, pushed events
 * that can race the call that caused them), so the engine cannot tell the two apart. A person at
 * the venue, or a test, acts through `paper.control` ({@link PaperControl}).
 */
import { join } from 'node:path';
import { dataDirFor, parseDatabaseUrl } from '../../storage/database.ts';
import {
  type BalanceReport,
  type ExchangeAdapter,
  type ExchangeCapabilities,
  ExchangeError,
  type FillReport,
  type OrderRef,
  type OrderStatusReport,
  type PlaceOrderRequest,
  type TickerReport,
  type VenueEvent,
  type VenueEventListener,
} from '../exchange-adapter.ts';
import type { PaperOperation, RequestFault } from './faults.ts';
import { PaperControl } from './paper-control.ts';
import { PAPER_EXCHANGE_FILE_NAME, type PaperExchangeOptions, SIMULATED_TIMEOUT_MS } from './paper-options.ts';
import { PaperVenue } from './paper-venue.ts';
import { fillReport, notFound, notOpen, orderReport, rateLimited, rejected, timedOut } from './venue-payloads.ts';

/**
 * Where the paper exchange keeps its state: next to botledger's database, in its data directory.
 *
 * @example
 * new PaperExchange({ file: paperExchangeFile(dataDirFor(parseDatabaseUrl(url))) });
 */
export function paperExchangeFile(dataDir: string): string {
  return join(dataDir, PAPER_EXCHANGE_FILE_NAME);
}

/**
 * The paper exchange's state file for a botledger database URL: `paper-exchange.db` in the data
 * directory (`BOTLEDGER_DATA_DIR`, else the SQLite file's folder, else ./data for PostgreSQL).
 *
 * @example
 * paperExchangeFileForDatabase('sqlite:/srv/bot/ledger.db'); // '/srv/bot/paper-exchange.db'
 */
export function paperExchangeFileForDatabase(databaseUrl: string, env: NodeJS.ProcessEnv = process.env): string {
  return paperExchangeFile(dataDirFor(parseDatabaseUrl(databaseUrl), env));
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
  readonly capabilities: ExchangeCapabilities;
  readonly control: PaperControl;
  readonly #venue: PaperVenue;
  readonly #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: PaperExchangeOptions = {}) {
    this.#venue = new PaperVenue(options);
    this.control = new PaperControl(this.#venue);
    this.capabilities = {
      maxClientOrderIdLength: this.#venue.maxClientOrderIdLength,
      fetchByClientOrderId: true,
      streaming: true,
      stopOrders: true,
    };
    if (options.tickIntervalMs !== undefined) {
      this.#timer = setInterval(() => this.control.tick(1), options.tickIntervalMs);
      this.#timer.unref();
    }
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
    const fault = this.#gate('placeOrder', subject);
    const applied = this.#afterTimeout(fault, 'placeOrder', subject, () => this.#venue.place(request));
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

  subscribe(listener: VenueEventListener): () => void {
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
  #gate(operation: PaperOperation, subject: string): RequestFault | undefined {
    if (this.#closed) throw new ExchangeError('EXCHANGE_CLOSED', `paper ${operation} ${subject}: the paper exchange is closed`);
    const fault = this.#venue.faults.requestFault(operation);
    const now = this.#venue.now();
    const { retryAfterMs, rejection } = this.#venue.settings.faults;
    switch (fault?.kind) {
      case 'rate-limit':
        throw rateLimited(fault.retryAfterMs ?? retryAfterMs, now);
      case 'reject':
        throw rejected(fault.retCode ?? rejection.retCode, fault.retMsg ?? rejection.retMsg, now);
      case 'timeout-before':
        throw timedOut(operation, subject, SIMULATED_TIMEOUT_MS);
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
    return ref;
  }
}
