/**
 * The contract every venue meets: the built-in paper exchange and real venues through ccxt alike.
 * The engine sees only this interface, so it cannot tell the paper exchange from a remote one.
 *
 * Amounts and prices are decimal strings. Nothing here touches botledger's database.
 * Naming follows nautilus_trader: requests are imperative (`placeOrder`), what the venue says back
 * is a `...Report`, and pushed updates are `VenueEvent`s.
 */

export type OrderSide = 'buy' | 'sell';
export type OrderType = 'limit' | 'market';

/** The venue's own view of an order's state (not botledger's five statuses). */
export type VenueOrderState = 'open' | 'partially_filled' | 'filled' | 'cancelled' | 'rejected' | 'expired';

/**
 * Who cancelled an order, when the venue says: `api` (a cancel request through the API, as
 * botledger's are), `person` (by hand, on the venue's website or app), `venue` (the venue itself:
 * liquidation, self-trade prevention, an administrator).
 */
export type CanceledBy = 'api' | 'person' | 'venue';

/** What the engine asks a venue to do. The client order id is made before the call. */
export interface PlaceOrderRequest {
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  /** Base-currency amount, decimal string. */
  readonly amount: string;
  /** Limit price, decimal string; absent for market orders. */
  readonly price?: string;
  /** A stop-loss trigger price: the order rests until the price crosses it, then executes at market. */
  readonly stopPrice?: string;
}

/** An order is named by either id; reconciliation uses the client order id. */
export interface OrderRef {
  readonly symbol: string;
  readonly clientOrderId?: string;
  readonly exchangeOrderId?: string;
}

/** A snapshot of one order as the venue reports it. */
export interface OrderStatusReport {
  readonly exchangeOrderId: string;
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly type: OrderType;
  readonly state: VenueOrderState;
  readonly amount: string;
  readonly price?: string;
  readonly filledAmount: string;
  readonly averagePrice?: string;
  /** The venue's words for a rejection or cancel, whole. */
  readonly reason?: string;
  /**
   * For a cancelled order: when the venue cancelled it (venue clock, epoch milliseconds), if it
   * says. A cancel before botledger recorded its own request was not botledger's.
   */
  readonly canceledAt?: number;
  /** For a cancelled order: who cancelled it, if the venue says (most say only when). */
  readonly canceledBy?: CanceledBy;
  /** Venue time, epoch milliseconds. */
  readonly timestamp: number;
  /** When the venue accepted the order, epoch milliseconds, when it says (ccxt's `timestamp`). */
  readonly createdAt?: number;
  /** The venue's payload as received, for the event log. */
  readonly raw: unknown;
}

/**
 * A venue's view of one net position of the account (nautilus_trader's PositionStatusReport):
 * what sync compares with the ledger's positions.
 */
export interface PositionStatusReport {
  readonly symbol: string;
  readonly side: 'long' | 'short' | 'flat';
  /** Size of the position, >= 0, decimal string; '0' when flat. */
  readonly amount: string;
  /** Average price of the open side, when the venue says (absent when flat). */
  readonly entryPrice?: string;
  /** Venue time the report is as of, epoch milliseconds. */
  readonly timestamp: number;
  /** The venue's payload as received, for the event log. */
  readonly raw: unknown;
}

/** Which orders {@link ExchangeAdapter.fetchOrders} lists. */
export interface FetchOrdersOptions {
  /** Only orders created at or after this venue time, epoch milliseconds. */
  readonly since?: number;
  readonly symbol?: string;
}

/** One execution. Unique per (order, tradeId). */
export interface FillReport {
  readonly tradeId: string;
  readonly exchangeOrderId: string;
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: OrderSide;
  readonly price: string;
  readonly amount: string;
  readonly fee: string;
  readonly feeCurrency: string;
  readonly timestamp: number;
  readonly raw: unknown;
}

export interface TickerReport {
  readonly symbol: string;
  readonly bid: string;
  readonly ask: string;
  readonly last: string;
  readonly timestamp: number;
}

/**
 * A venue's trading rules for one market, as ccxt's market structure gives them (`precision.price`,
 * `precision.amount`, `limits.amount`, `limits.cost`, `limits.price`), as decimal strings. An
 * order that breaks one is rejected by the venue, so botledger checks a bot's config against
 * them before it stores the bot.
 */
export interface MarketRules {
  readonly symbol: string;
  /** Price grid: limit and stop prices must be multiples of it. */
  readonly tickSize: string;
  /** Lot size: amounts must be multiples of it. */
  readonly amountStep: string;
  readonly minAmount: string;
  readonly maxAmount?: string;
  /** Smallest amount x price of a limit order, in the quote currency. */
  readonly minNotional: string;
  readonly maxPrice?: string;
}

/** One currency's balance: `total` = `free` + `used` (held by open orders). Decimal strings. */
export interface BalanceReport {
  readonly currency: string;
  readonly total: string;
  readonly free: string;
  readonly used: string;
}

/** What a venue pushes, like a WebSocket stream. Events may arrive duplicated, reordered or not at all. */
export type VenueEvent =
  | { readonly type: 'order'; readonly report: OrderStatusReport }
  | { readonly type: 'fill'; readonly fill: FillReport }
  | { readonly type: 'ticker'; readonly ticker: TickerReport }
  | { readonly type: 'disconnected'; readonly reason: string }
  | { readonly type: 'reconnected' };

export type VenueEventListener = (event: VenueEvent) => void | Promise<void>;

/**
 * What a venue can do. The engine reads these and never a venue's name: reconciliation asks by
 * client order id only with `fetchByClientOrderId`, a runtime polls when the venue is not
 * `streaming`, and an order with a stop price is refused before it is recorded without `stopOrders`.
 */
export interface ExchangeCapabilities {
  /** Longest client order id the venue accepts (Binance 36, Bybit 36, OKX 32). */
  readonly maxClientOrderIdLength: number;
  /** Whether `fetchOrder`, `fetchFills` and `cancelOrder` can find an order by client order id alone. */
  readonly fetchByClientOrderId: boolean;
  /** Whether the venue pushes order and fill events (`subscribe`); without it they must be polled. */
  readonly streaming: boolean;
  /** Whether the venue takes orders with a stop (trigger) price. */
  readonly stopOrders: boolean;
}

/** The capability names, for errors that say which one a venue lacks. */
export type ExchangeCapability = Exclude<keyof ExchangeCapabilities, 'maxClientOrderIdLength'>;

export interface ExchangeAdapter {
  /** `paper`, or a ccxt exchange id. */
  readonly id: string;
  /** The venue's name for people, in reasons and messages ("Paper exchange", "Bybit"). */
  readonly displayName: string;
  readonly capabilities: ExchangeCapabilities;
  placeOrder(request: PlaceOrderRequest): Promise<OrderStatusReport>;
  cancelOrder(ref: OrderRef): Promise<OrderStatusReport>;
  /** Undefined when the venue has no such order (it was never placed). */
  fetchOrder(ref: OrderRef): Promise<OrderStatusReport | undefined>;
  fetchOpenOrders(symbol?: string): Promise<OrderStatusReport[]>;
  /**
   * Every order the venue has (open, filled, cancelled, ...), oldest first, as ccxt's
   * `fetchOrders(symbol, since)`. Reconciliation at start uses it to find orders with this
   * ledger's client order ids that the ledger does not know (after a restore or a crash).
   */
  fetchOrders(options?: FetchOrdersOptions): Promise<OrderStatusReport[]>;
  fetchFills(ref: OrderRef): Promise<FillReport[]>;
  fetchTicker(symbol: string): Promise<TickerReport>;
  /** The markets the venue lists, with their trading rules (ccxt's `loadMarkets`). */
  loadMarkets(): Promise<MarketRules[]>;
  /** Balances per currency, for venues that keep them (optional; the paper exchange has it when given starting balances). */
  fetchBalance?(): Promise<BalanceReport[]>;
  /**
   * The account's net positions (optional; the engine checks presence). With `symbol`, exactly
   * one report for it (`flat` when nothing is held); without, every position that is not flat.
   */
  fetchPositions?(symbol?: string): Promise<PositionStatusReport[]>;
  /** The account's executions at or after a venue time (epoch ms), oldest first (ccxt `fetchMyTrades`; optional). */
  fetchFillsSince?(since: number, symbol?: string): Promise<FillReport[]>;
  /** Starts delivery of pushed events to the listener; returns the unsubscribe function. */
  subscribe(listener: VenueEventListener): () => void;
  close(): Promise<void>;
}

/** Base of every venue error; `code` is stable. */
export class ExchangeError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly raw?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** The venue refused: the order definitely does not exist. Safe to mark failed. */
export class OrderRejectedError extends ExchangeError {
  /** `code` lets a subclass name a more precise kind of rejection; it is still a rejection. */
  constructor(message: string, raw?: unknown, code = 'ORDER_REJECTED') {
    super(code, message, raw);
  }
}

/**
 * The venue refused a stop order because its trigger is already crossed: it would trigger at
 * once (Binance -2021 "Order would immediately trigger", Bybit retCode 110092/110093, ccxt
 * InvalidOrder). The order does not exist. A stop-loss that meets it cannot protect the position.
 */
export class OrderWouldTriggerError extends OrderRejectedError {
  constructor(message: string, raw?: unknown) {
    const code = 'ORDER_WOULD_TRIGGER';
    super(message, raw, code);
  }
}

/** Too many requests: definitely not acted on; retry later. */
export class RateLimitedError extends ExchangeError {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
    raw?: unknown,
  ) {
    super('RATE_LIMITED', message, raw);
  }
}

/**
 * No clear answer (timeout, connection lost): the venue may or may not have acted. Never treat as
 * failed; the order stays pending until reconciliation asks by client order id.
 */
export class ExchangeUnclearError extends ExchangeError {
  constructor(message: string, raw?: unknown) {
    super('OUTCOME_UNCLEAR', message, raw);
  }
}

/** The venue does not know the order. */
export class OrderNotFoundError extends ExchangeError {
  constructor(message: string, raw?: unknown) {
    super('ORDER_NOT_FOUND', message, raw);
  }
}

/**
 * The venue knows the order but it can no longer be cancelled: it is already filled, cancelled,
 * rejected or expired (`state`). Fetch it to learn how it ended. Real venues often cannot tell this
 * apart from an unknown order and answer {@link OrderNotFoundError}; handle both the same way.
 */
export class OrderNotOpenError extends ExchangeError {
  constructor(
    message: string,
    readonly state: VenueOrderState,
    raw?: unknown,
  ) {
    super('ORDER_NOT_OPEN', message, raw);
  }
}
