/**
 * Times every call botledger makes to its venue: a decorator over the exchange adapter, given to
 * openLedger as `instrumentVenue` (the runtime then calls the venue through it). It changes
 * nothing the engine sees: same answers, same errors, same optional methods (the engine checks
 * their presence), same capabilities.
 */
import { performance } from 'node:perf_hooks';
import {
  type BalanceReport,
  type ExchangeAdapter,
  type ExchangeCapabilities,
  ExchangeError,
  type FetchOrdersOptions,
  type FillReport,
  type MarketRules,
  type OrderRef,
  type OrderStatusReport,
  type PlaceOrderRequest,
  type PositionStatusReport,
  type TickerReport,
  type VenueEventListener,
} from '../exchange/exchange-adapter.ts';

/** One finished venue call. `error` is what it threw, if it did. */
export interface VenueCall {
  readonly operation: string;
  readonly seconds: number;
  readonly error?: unknown;
}

/** Error codes of the adapter contract; anything else is reported as OTHER (labels stay a bounded set). */
const KNOWN_CODES = new Set([
  'ORDER_REJECTED',
  'ORDER_WOULD_TRIGGER',
  'RATE_LIMITED',
  'OUTCOME_UNCLEAR',
  'ORDER_NOT_FOUND',
  'ORDER_NOT_OPEN',
]);

/**
 * The label for a venue error: its contract code, else OTHER.
 *
 * @example
 * venueErrorCode(new RateLimitedError('slow down')); // 'RATE_LIMITED'
 */
export function venueErrorCode(error: unknown): string {
  return error instanceof ExchangeError && KNOWN_CODES.has(error.code) ? error.code : 'OTHER';
}

/**
 * The adapter, timed: `observe` hears every call once it settles.
 *
 * @example
 * openLedger({ venue: true, instrumentVenue: (adapter) => new TimedExchangeAdapter(adapter, (call) => console.log(call)) });
 */
export class TimedExchangeAdapter implements ExchangeAdapter {
  readonly #inner: ExchangeAdapter;
  readonly #observe: (call: VenueCall) => void;
  readonly fetchBalance?: () => Promise<BalanceReport[]>;
  readonly fetchPositions?: (symbol?: string) => Promise<PositionStatusReport[]>;
  readonly fetchFillsSince?: (since: number, symbol?: string) => Promise<FillReport[]>;

  constructor(inner: ExchangeAdapter, observe: (call: VenueCall) => void) {
    this.#inner = inner;
    this.#observe = observe;
    if (inner.fetchBalance)
      this.fetchBalance = () => this.#timed('fetchBalance', () => (inner.fetchBalance as () => Promise<BalanceReport[]>)());
    if (inner.fetchPositions) {
      const fetchPositions = inner.fetchPositions.bind(inner);
      this.fetchPositions = (symbol) => this.#timed('fetchPositions', () => fetchPositions(symbol));
    }
    if (inner.fetchFillsSince) {
      const fetchFillsSince = inner.fetchFillsSince.bind(inner);
      this.fetchFillsSince = (since, symbol) => this.#timed('fetchFillsSince', () => fetchFillsSince(since, symbol));
    }
  }

  get id(): string {
    return this.#inner.id;
  }
  get displayName(): string {
    return this.#inner.displayName;
  }
  get capabilities(): ExchangeCapabilities {
    return this.#inner.capabilities;
  }

  async #timed<T>(operation: string, call: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      const result = await call();
      this.#report({ operation, seconds: (performance.now() - started) / 1000 });
      return result;
    } catch (error) {
      this.#report({ operation, seconds: (performance.now() - started) / 1000, error });
      throw error;
    }
  }

  #report(call: VenueCall): void {
    // Measuring must never change the venue's answer.
    try {
      this.#observe(call);
    } catch {}
  }

  placeOrder(request: PlaceOrderRequest): Promise<OrderStatusReport> {
    return this.#timed('placeOrder', () => this.#inner.placeOrder(request));
  }
  cancelOrder(ref: OrderRef): Promise<OrderStatusReport> {
    return this.#timed('cancelOrder', () => this.#inner.cancelOrder(ref));
  }
  fetchOrder(ref: OrderRef): Promise<OrderStatusReport | undefined> {
    return this.#timed('fetchOrder', () => this.#inner.fetchOrder(ref));
  }
  fetchOpenOrders(symbol?: string): Promise<OrderStatusReport[]> {
    return this.#timed('fetchOpenOrders', () => this.#inner.fetchOpenOrders(symbol));
  }
  fetchOrders(options?: FetchOrdersOptions): Promise<OrderStatusReport[]> {
    return this.#timed('fetchOrders', () => this.#inner.fetchOrders(options));
  }
  fetchFills(ref: OrderRef): Promise<FillReport[]> {
    return this.#timed('fetchFills', () => this.#inner.fetchFills(ref));
  }
  fetchTicker(symbol: string): Promise<TickerReport> {
    return this.#timed('fetchTicker', () => this.#inner.fetchTicker(symbol));
  }
  loadMarkets(): Promise<MarketRules[]> {
    return this.#timed('loadMarkets', () => this.#inner.loadMarkets());
  }
  subscribe(listener: VenueEventListener): () => void {
    return this.#inner.subscribe(listener);
  }
  close(): Promise<void> {
    return this.#inner.close();
  }
}
