/**
 * The state machine of the paper exchange, shared by the adapter (what botledger calls) and the
 * control surface (what a person at the venue does): markets (paper-markets.ts), order books,
 * fills, persistence and the push stream. Every change is committed to the state file first, then
 * announced.
 */
import type { CanceledBy, MarketRules, OrderRef, PlaceOrderRequest, TickerReport, VenueEvent } from '../exchange-adapter.ts';
import { EventStream } from './event-stream.ts';
import { FaultInjector } from './faults.ts';
import { type MatchSettings, MatchingEngine, matchOrder } from './matching-engine.ts';
import { checkClientOrderId, checkOrderRequest, checkStopNotCrossed } from './order-validation.ts';
import { PaperDecimal, formatDecimal } from './paper-decimal.ts';
import {
  DEFAULT_MARKET,
  DEFAULT_MAX_CLIENT_ORDER_ID_LENGTH,
  DEFAULT_PAPER_MARKETS,
  DEFAULT_PAPER_SEED,
  DEFAULT_RUNTIME_SETTINGS,
  type PaperExchangeOptions,
  type PaperRuntimeSettings,
  checkMarketOptions,
  mergeSettings,
} from './paper-options.ts';
import { PaperMarkets } from './paper-markets.ts';
import { type PaperFill, type PaperMarketState, type PaperOrder, PaperStore } from './paper-store.ts';
import { PaperPositions } from './positions.ts';
import { quoteOf, stepPrice } from './price-feed.ts';
import { Prng, deriveSeed } from './prng.ts';
import { RET_CODES, fillReport, orderReport, quoteCurrency, rejected } from './venue-payloads.ts';
import { Wallet } from './wallet.ts';

const ORDER_ID_BASE = 100_000_000;
const TRADE_ID_BASE = 500_000_000;
/** The venue's words for any cancel: botledger's and a person's look the same, as on a real venue. */
export const CANCEL_REASON = 'Cancelled by user';

/** A change and the events that announce it (already committed). */
export interface Applied<T> {
  readonly value: T;
  readonly events: VenueEvent[];
}

/**
 * @example
 * const venue = new PaperVenue({ file: ':memory:', seed: 7 });
 * const { value: order, events } = venue.place({ clientOrderId: 'a', symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: '1' });
 * await venue.stream.publish(events);
 */
export class PaperVenue {
  readonly store: PaperStore;
  readonly stream: EventStream;
  readonly faults: FaultInjector;
  readonly wallet: Wallet;
  /** The account's net position per symbol, moved by every fill (positions.ts). */
  readonly positions: PaperPositions;
  /** The seed in force, as text (a reopened file keeps the one it was created with). */
  readonly seed: string;
  readonly maxClientOrderIdLength: number;
  readonly now: () => number;
  settings: PaperRuntimeSettings;
  readonly #markets: PaperMarkets;
  readonly #books = new Map<string, MatchingEngine>();
  #orderSeq: number;
  #tradeSeq: number;
  #batch: VenueEvent[] | undefined;

  constructor(options: PaperExchangeOptions) {
    const {
      file,
      seed,
      markets,
      defaultMarket,
      createUnknownMarkets,
      faults,
      now,
      tickIntervalMs,
      maxClientOrderIdLength,
      synchronous,
      onListenerError,
      balances,
      ledgerId,
      ...runtime
    } = options;
    this.settings = mergeSettings(DEFAULT_RUNTIME_SETTINGS, { ...runtime, faults });
    // Every market setting is checked before the state file is opened, so a bad option leaks nothing.
    for (const [symbol, market] of Object.entries(markets ?? {}))
      checkMarketOptions(symbol, { ...DEFAULT_MARKET, ...defaultMarket, ...market });
    this.store = new PaperStore(file ?? ':memory:', synchronous);
    try {
      if (ledgerId !== undefined) this.store.claimForLedger(ledgerId, file ?? ':memory:');
    } catch (error) {
      this.store.close();
      throw error;
    }
    this.now = now ?? Date.now;
    this.maxClientOrderIdLength = maxClientOrderIdLength ?? DEFAULT_MAX_CLIENT_ORDER_ID_LENGTH;
    // The state file keeps its seed: a reopened venue continues its own sequences.
    this.seed = this.store.getMeta('seed') ?? String(seed ?? DEFAULT_PAPER_SEED);
    this.#orderSeq = Number(this.store.getMeta('order_seq') ?? 0);
    this.#tradeSeq = Number(this.store.getMeta('trade_seq') ?? 0);
    const faultState = this.store.getMeta('fault_prng');
    this.faults = new FaultInjector(
      new Prng(faultState ? Number(faultState) : deriveSeed(this.seed, 'faults')),
      () => this.settings.faults,
    );
    this.stream = new EventStream(
      () => this.settings,
      (event) => this.faults.eventFate(event),
      onListenerError,
    );
    this.wallet = new Wallet(this.store, balances);
    this.positions = new PaperPositions(this.store);
    this.#markets = new PaperMarkets(this.store, {
      seed: this.seed,
      now: this.now,
      markets: markets ?? DEFAULT_PAPER_MARKETS,
      defaultMarket: { ...DEFAULT_MARKET, ...defaultMarket },
      createUnknownMarkets: createUnknownMarkets ?? false,
    });
    for (const order of this.store.openOrders()) this.#book(order.symbol).add(order);
    this.store.transaction(() => {
      this.store.setMeta('seed', this.seed);
      for (const symbol of this.#markets.configuredSymbols()) this.market(symbol);
    });
  }

  /** Pushes committed events, or keeps them for the end of the batch in progress. */
  announce(events: readonly VenueEvent[]): Promise<void> {
    if (!this.#batch) return this.stream.publish(events);
    this.#batch.push(...events);
    return Promise.resolve();
  }

  /**
   * Runs several changes in one commit and pushes their events after it. Not all-or-nothing: when
   * `body` throws, what it did before is committed and announced, then the error is rethrown
   * (the in-memory books must never run ahead of the file).
   */
  batch<T>(body: () => T): T {
    if (this.#batch) return body();
    const events: VenueEvent[] = [];
    this.#batch = events;
    let failure: { error: unknown } | undefined;
    let value: T | undefined;
    try {
      this.store.transaction(() => {
        try {
          value = body();
        } catch (error) {
          failure = { error };
        }
      });
    } finally {
      this.#batch = undefined;
    }
    void this.stream.publish(events);
    if (failure) throw failure.error;
    return value as T;
  }

  /** A market by symbol, created on first use (unless unknown markets are refused). */
  market(symbol: string): PaperMarketState {
    return this.#markets.market(symbol);
  }

  symbols(): string[] {
    return this.#markets.symbols();
  }

  /** The symbols the venue lists (see PaperMarkets.listedSymbols). */
  listedSymbols(): string[] {
    return this.#markets.listedSymbols();
  }

  /** A listed market's trading rules (its tick size, lot size, notional and maxima). */
  rules(symbol: string): MarketRules {
    return this.#markets.rules(symbol);
  }

  ticker(symbol: string): TickerReport {
    return this.#markets.ticker(symbol);
  }

  /** Accepts an order: checks it, stores it, and executes what crosses at once. */
  place(request: PlaceOrderRequest): Applied<PaperOrder> {
    const now = this.now();
    checkClientOrderId(request.clientOrderId, this.maxClientOrderIdLength, now);
    const market = this.market(request.symbol);
    if (!this.#markets.isListed(request.symbol))
      throw rejected(RET_CODES.invalidSymbol, `Invalid symbol: '${request.symbol}' is not a market of this venue`, now);
    checkOrderRequest(request, this.rules(request.symbol), now);
    const existing = this.store.orderByClientId(request.clientOrderId);
    if (existing) {
      throw rejected(
        RET_CODES.duplicateClientOrderId,
        `duplicate clientOrderId: '${request.clientOrderId}' was already used by order ${existing.exchangeOrderId}`,
        now,
      );
    }
    checkStopNotCrossed(request, market.price, now);
    return this.#commit((events) => {
      const locked = this.wallet.lock(
        request.symbol,
        request.side,
        request.amount,
        this.#markets.lockPrice(request, this.settings.slippage),
        this.settings.feeRate,
        now,
      );
      this.#orderSeq += 1;
      const order: PaperOrder = {
        exchangeOrderId: String(ORDER_ID_BASE + this.#orderSeq),
        clientOrderId: request.clientOrderId,
        symbol: request.symbol,
        side: request.side,
        type: request.type,
        amount: formatDecimal(new PaperDecimal(request.amount)),
        ...(request.type === 'limit' && request.price !== undefined ? { price: formatDecimal(new PaperDecimal(request.price)) } : {}),
        ...(request.stopPrice === undefined ? {} : { stopPrice: formatDecimal(new PaperDecimal(request.stopPrice)) }),
        triggered: request.stopPrice === undefined,
        state: 'open',
        filledAmount: '0',
        filledCost: '0',
        feeTotal: '0',
        ...(locked === undefined ? {} : { locked }),
        createdAt: now,
        updatedAt: now,
      };
      this.store.saveOrder(order);
      this.#book(order.symbol).add(order);
      events.push({ type: 'order', report: orderReport(order) });
      const result = matchOrder(order, quoteOf(market), this.#matchSettings(market), true);
      if (result.triggeredNow) order.triggered = true;
      if (result.execution) this.#execute(order, result.execution, events);
      else if (result.triggeredNow) this.#save(order, events);
      return order;
    });
  }

  /**
   * Cancels an open order. The venue's words are the same for botledger's request and a person's
   * cancel, as on a real venue; `by` (and the time) are reported beside them, so that a cancel
   * that was not botledger's can be told apart when the two race.
   */
  cancel(order: PaperOrder, by: CanceledBy): Applied<PaperOrder> {
    return this.#commit((events) => {
      order.state = 'cancelled';
      order.reason = CANCEL_REASON;
      order.cancelType = 'CancelByUser';
      order.canceledBy = by;
      order.canceledAt = this.now();
      this.wallet.release(order);
      this.#book(order.symbol).remove(order.exchangeOrderId);
      this.#save(order, events);
      return order;
    });
  }

  /** Executes part or all of an open order at a given price, whatever the market does. */
  fill(order: PaperOrder, amount: string, price: string, taker: boolean): Applied<PaperFill> {
    return this.#commit((events) => this.#execute(order, { amount, price, taker }, events));
  }

  /** Moves a market one random-walk step and matches. */
  step(symbol: string): Applied<string> {
    return this.#commit((events) => {
      const market = this.market(symbol);
      stepPrice(market);
      return this.#priceMoved(market, events);
    });
  }

  /** Sets a market's price and matches. */
  setPrice(symbol: string, price: string): Applied<string> {
    return this.#commit((events) => {
      const market = this.market(symbol);
      market.price = formatDecimal(new PaperDecimal(price));
      return this.#priceMoved(market, events);
    });
  }

  /** An order by either id (exchange id first), or undefined when it was never placed. */
  find(ref: OrderRef): PaperOrder | undefined {
    const order =
      ref.exchangeOrderId !== undefined
        ? this.store.orderById(ref.exchangeOrderId)
        : ref.clientOrderId !== undefined
          ? this.store.orderByClientId(ref.clientOrderId)
          : undefined;
    if (!order || (ref.symbol !== undefined && ref.symbol !== order.symbol)) return undefined;
    // The live copy, if open: it is the one matching mutates.
    return this.#books.get(order.symbol)?.get(order.exchangeOrderId) ?? order;
  }

  openOrders(symbol?: string): PaperOrder[] {
    const books = symbol === undefined ? [...this.#books.values()] : [this.#books.get(symbol)].filter((book) => book !== undefined);
    return books.flatMap((book) => book.orders()).sort((a, b) => Number(a.exchangeOrderId) - Number(b.exchangeOrderId));
  }

  /** Every order placed at or after `since` (epoch ms), oldest first; open ones as the book has them. */
  orders(since = 0, symbol?: string): PaperOrder[] {
    return this.store
      .ordersSince(since)
      .filter((order) => symbol === undefined || order.symbol === symbol)
      .map((order) => this.#books.get(order.symbol)?.get(order.exchangeOrderId) ?? order);
  }

  fills(order: PaperOrder): PaperFill[] {
    return this.store.fillsOf(order.exchangeOrderId);
  }

  close(): void {
    this.store.transaction(() => this.store.setMeta('fault_prng', this.faults.prngState));
    this.store.close();
  }

  #book(symbol: string): MatchingEngine {
    let book = this.#books.get(symbol);
    if (!book) {
      book = new MatchingEngine(symbol);
      this.#books.set(symbol, book);
    }
    return book;
  }

  #matchSettings(market: PaperMarketState): MatchSettings {
    const { liquidity, slippage } = this.settings;
    return {
      tickSize: new PaperDecimal(market.tickSize),
      slippage: new PaperDecimal(slippage),
      liquidity: liquidity === undefined ? undefined : new PaperDecimal(liquidity),
    };
  }

  /** Runs a change in one transaction with the counters and generator states, then hands back its events. */
  #commit<T>(change: (events: VenueEvent[]) => T): Applied<T> {
    const events: VenueEvent[] = [];
    const value = this.store.transaction(() => {
      const result = change(events);
      this.store.setMeta('order_seq', this.#orderSeq);
      this.store.setMeta('trade_seq', this.#tradeSeq);
      this.store.setMeta('fault_prng', this.faults.prngState);
      return result;
    });
    return { value, events };
  }

  #priceMoved(market: PaperMarketState, events: VenueEvent[]): string {
    market.updatedAt = this.now();
    this.store.saveMarket(market);
    if (this.settings.tickerEvents) events.push({ type: 'ticker', ticker: this.ticker(market.symbol) });
    const settings = this.#matchSettings(market);
    for (const { order, result } of this.#book(market.symbol).match(quoteOf(market), settings)) {
      if (result.triggeredNow) order.triggered = true;
      if (result.execution) this.#execute(order, result.execution, events);
      else this.#save(order, events);
    }
    return market.price;
  }

  #save(order: PaperOrder, events: VenueEvent[]): void {
    order.updatedAt = this.now();
    this.store.saveOrder(order);
    events.push({ type: 'order', report: orderReport(order) });
  }

  #execute(order: PaperOrder, execution: { price: string; amount: string; taker: boolean }, events: VenueEvent[]): PaperFill {
    const price = new PaperDecimal(execution.price);
    const amount = new PaperDecimal(execution.amount);
    const value = price.mul(amount);
    this.#tradeSeq += 1;
    const fill: PaperFill = {
      tradeId: String(TRADE_ID_BASE + this.#tradeSeq),
      exchangeOrderId: order.exchangeOrderId,
      clientOrderId: order.clientOrderId,
      symbol: order.symbol,
      side: order.side,
      price: formatDecimal(price),
      amount: formatDecimal(amount),
      fee: formatDecimal(value.mul(this.settings.feeRate)),
      feeCurrency: quoteCurrency(order.symbol),
      taker: execution.taker,
      timestamp: this.now(),
    };
    this.wallet.settle(order, fill, new PaperDecimal(order.amount).minus(order.filledAmount));
    const filled = new PaperDecimal(order.filledAmount).plus(amount);
    order.filledAmount = formatDecimal(filled);
    order.filledCost = formatDecimal(new PaperDecimal(order.filledCost).plus(value));
    order.feeTotal = formatDecimal(new PaperDecimal(order.feeTotal).plus(fill.fee));
    order.state = filled.gte(order.amount) ? 'filled' : 'partially_filled';
    if (order.state === 'filled') this.#book(order.symbol).remove(order.exchangeOrderId);
    this.store.insertFill(fill);
    this.positions.apply(fill);
    events.push({ type: 'fill', fill: fillReport(fill) });
    this.#save(order, events);
    return fill;
  }
}
