/**
 * Options of the paper exchange, their defaults, and the subset that can be changed while it runs
 * (`paper.control.configure(...)`).
 */
import type { ExchangeCapabilities, VenueEvent } from '../exchange-adapter.ts';

/** One simulated market. Prices and sizes are decimal strings. */
export interface PaperMarketOptions {
  /** First price of the random walk (ignored when the state file already has a price). */
  readonly startPrice?: string;
  /** Price grid: prices are multiples of it; limit prices off the grid are rejected. */
  readonly tickSize?: string;
  /** Largest move of one random-walk step, as a fraction of the price ('0.001' = 0.1 %). */
  readonly volatility?: string;
  /** Distance between bid and ask; bid = last - spread/2, ask = last + spread/2. */
  readonly spread?: string;
  /** Lot size: amounts must be multiples of it (Binance's LOT_SIZE stepSize). */
  readonly amountStep?: string;
  /** Smallest amount of an order. */
  readonly minAmount?: string;
  /** Largest amount of an order; none when absent. */
  readonly maxAmount?: string;
  /** Smallest amount x limit price of a limit order, in the quote currency (Binance's NOTIONAL minNotional). */
  readonly minNotional?: string;
  /** Highest limit or stop price; none when absent. */
  readonly maxPrice?: string;
}

/** A market's settings with every default filled in (the two maxima stay optional: no limit). */
export type PaperMarketSettings = Required<Omit<PaperMarketOptions, 'maxAmount' | 'maxPrice'>> & Pick<PaperMarketOptions, 'maxAmount' | 'maxPrice'>;

/** Probabilities (0..1) of each fault, rolled from the seeded fault generator. */
export interface PaperFaultOptions {
  /** placeOrder/cancelOrder throw ExchangeUnclearError without acting. */
  readonly timeoutBeforeActing?: number;
  /** placeOrder/cancelOrder act (and emit their events), then throw ExchangeUnclearError. */
  readonly timeoutAfterActing?: number;
  /** placeOrder/cancelOrder throw OrderRejectedError with `rejection` as the venue payload. */
  readonly reject?: number;
  /** placeOrder/cancelOrder throw RateLimitedError with `retryAfterMs`. */
  readonly rateLimit?: number;
  /** A pushed order/fill/ticker event is never delivered. */
  readonly dropEvent?: number;
  /** A pushed event is delivered twice. */
  readonly duplicateEvent?: number;
  /** A pushed event is held back and delivered after the next one. */
  readonly reorderEvent?: number;
  /** The stream drops just before a pushed event; it comes back by itself after `outageEvents` lost events. */
  readonly disconnect?: number;
  /** How many pushed events a random disconnect loses before the stream reconnects by itself. */
  readonly outageEvents?: number;
  /** The retry hint of a rate limit. */
  readonly retryAfterMs?: number;
  /** The venue's code and words for an injected rejection. */
  readonly rejection?: { readonly retCode: number; readonly retMsg: string };
}

/** Settings that `paper.control.configure()` may change at any time. */
export interface PaperRuntimeSettings {
  /** Fee per fill, as a fraction of its quote value, charged in the quote currency. */
  readonly feeRate: string;
  /** Market (and triggered stop) orders fill this fraction worse than the touch. */
  readonly slippage: string;
  /** Largest base amount one order can fill per price step; undefined = unlimited (no partial fills). */
  readonly liquidity: string | undefined;
  /** Delay before a pushed event reaches the listeners, in milliseconds (0 = next turn of the event loop). */
  readonly latencyMs: number;
  /** 'auto' delivers by itself; 'manual' holds every event until `control.deliver()` / `control.drain()`. */
  readonly delivery: 'auto' | 'manual';
  /** placeOrder/cancelOrder wait until the events they caused were delivered (and their listeners settled) before they resolve. */
  readonly eventsBeforeResponse: boolean;
  /** Push a ticker event on every price change. */
  readonly tickerEvents: boolean;
  readonly faults: Required<PaperFaultOptions>;
}

export interface PaperExchangeOptions extends Partial<Omit<PaperRuntimeSettings, 'faults'>> {
  /** The venue's own SQLite state file (e.g. `<data dir>/paper-exchange.db`), or ':memory:'. */
  readonly file?: string;
  /** Seed of every random draw (price walks, fault rolls). Same seed and same calls = same prices and events. */
  readonly seed?: number | string;
  /** The markets the venue lists; an order on any other symbol is rejected ("Invalid symbol"), as a real venue does. */
  readonly markets?: Readonly<Record<string, PaperMarketOptions>>;
  /** Settings a listed market does not give (and of a market created on first use, see `createUnknownMarkets`). */
  readonly defaultMarket?: PaperMarketOptions;
  /** When true, any other `BASE/QUOTE` symbol is created on first use with `defaultMarket` (default false: rejected like a real venue). */
  readonly createUnknownMarkets?: boolean;
  readonly faults?: PaperFaultOptions;
  /**
   * Starting balances per currency (e.g. { USDT: '10000' }). When given, orders lock funds and an
   * order the free balance cannot cover is rejected; when absent, the wallet is endless.
   * Applied once: a reopened state file keeps its own balances.
   */
  readonly balances?: Readonly<Record<string, string>>;
  /** Venue clock, epoch ms (pass a fake one for reproducible timestamps). */
  readonly now?: () => number;
  /** Advance every market one random-walk step this often (live mode); off when undefined. */
  readonly tickIntervalMs?: number;
  /** Longest client order id accepted. */
  readonly maxClientOrderIdLength?: number;
  /** SQLite `synchronous` of the state file: 'full' survives a power cut, 'normal' only a process crash. */
  readonly synchronous?: 'full' | 'normal';
  /** Called when a listener throws; the stream goes on either way. */
  readonly onListenerError?: (error: unknown, event: VenueEvent) => void;
  /**
   * The botledger ledger this venue belongs to. Stored in the state file when it has none; a file
   * that belongs to another ledger is refused (PaperLedgerMismatchError, naming both).
   */
  readonly ledgerId?: string;
  /**
   * Switch capabilities off to behave like a venue that lacks them (all on by default):
   * `fetchByClientOrderId: false` refuses a lookup by client order id alone, `streaming: false`
   * pushes nothing (subscribe delivers no events), `stopOrders: false` rejects an order with a
   * stop price. Fixed for the life of the instance.
   */
  readonly capabilities?: Partial<Pick<ExchangeCapabilities, 'fetchByClientOrderId' | 'streaming' | 'stopOrders'>>;
  /** The venue's name in messages (default "Paper exchange"). */
  readonly displayName?: string;
}

/** The file name of the paper exchange's state, in its ledger's folder (see paperExchangeFile). */
export const PAPER_EXCHANGE_FILE_NAME = 'paper-exchange.db';
export const DEFAULT_PAPER_SEED = 1;
export const DEFAULT_MAX_CLIENT_ORDER_ID_LENGTH = 36;
export const DEFAULT_FEE_RATE = '0.001';
/** Pretend round-trip time of a timed-out request; only shown in the error message (no real wait). */
export const SIMULATED_TIMEOUT_MS = 10_000;

/**
 * Settings a market's options leave out. The lot size and notional rules are as loose as the
 * ledger's money columns allow (18 decimals, no minimum), so a test market given only a price and a
 * tick size accepts any amount; the built-in markets below carry a real venue's rules.
 */
export const DEFAULT_MARKET: PaperMarketSettings = {
  startPrice: '100',
  tickSize: '0.01',
  volatility: '0.001',
  spread: '0',
  amountStep: '0.000000000000000001',
  minAmount: '0.000000000000000001',
  minNotional: '0',
};

/** The markets of the built-in venue, with Binance's spot rules for them (tick, lot size, minimum notional, maxima). */
export const DEFAULT_PAPER_MARKETS: Readonly<Record<string, PaperMarketOptions>> = {
  'BTC/USDT': {
    startPrice: '60000',
    tickSize: '0.01',
    volatility: '0.001',
    spread: '0',
    amountStep: '0.00001',
    minAmount: '0.00001',
    maxAmount: '9000',
    minNotional: '5',
    maxPrice: '1000000',
  },
  'ETH/USDT': {
    startPrice: '3000',
    tickSize: '0.01',
    volatility: '0.001',
    spread: '0',
    amountStep: '0.0001',
    minAmount: '0.0001',
    maxAmount: '9000',
    minNotional: '5',
    maxPrice: '1000000',
  },
};

export const DEFAULT_FAULTS: Required<PaperFaultOptions> = {
  timeoutBeforeActing: 0,
  timeoutAfterActing: 0,
  reject: 0,
  rateLimit: 0,
  dropEvent: 0,
  duplicateEvent: 0,
  reorderEvent: 0,
  disconnect: 0,
  outageEvents: 3,
  retryAfterMs: 1000,
  rejection: { retCode: 10003, retMsg: 'API key is invalid.' },
};

export const DEFAULT_RUNTIME_SETTINGS: PaperRuntimeSettings = {
  feeRate: DEFAULT_FEE_RATE,
  slippage: '0',
  liquidity: undefined,
  latencyMs: 0,
  delivery: 'auto',
  eventsBeforeResponse: false,
  tickerEvents: false,
  faults: DEFAULT_FAULTS,
};

/** Thrown for an option the paper exchange cannot use; names the option. */
export class PaperOptionsError extends Error {
  readonly code = 'PAPER_OPTIONS_INVALID';
}

/**
 * Merges a change into runtime settings and checks the result.
 *
 * @example
 * mergeSettings(DEFAULT_RUNTIME_SETTINGS, { latencyMs: 5, faults: { dropEvent: 0.1 } });
 */
export function mergeSettings(
  base: PaperRuntimeSettings,
  change: Partial<Omit<PaperRuntimeSettings, 'faults'>> & { readonly faults?: PaperFaultOptions },
): PaperRuntimeSettings {
  // An explicit `liquidity: undefined` means "unlimited again"; any other undefined means "unchanged".
  const defined = Object.fromEntries(Object.entries(change).filter(([key, value]) => value !== undefined || key === 'liquidity'));
  const merged: PaperRuntimeSettings = { ...base, ...defined, faults: { ...base.faults, ...(change.faults ?? {}) } };
  checkSettings(merged);
  return merged;
}

function checkSettings(settings: PaperRuntimeSettings): void {
  if (settings.delivery === 'manual' && settings.eventsBeforeResponse) {
    throw new PaperOptionsError(
      "eventsBeforeResponse cannot be used with delivery 'manual': the call would wait for a delivery only control.deliver() makes",
    );
  }
  if (!Number.isFinite(settings.latencyMs) || settings.latencyMs < 0) {
    throw new PaperOptionsError(`latencyMs must be a number of milliseconds >= 0, got ${settings.latencyMs}`);
  }
  for (const [name, value] of Object.entries(settings.faults)) {
    if (name === 'rejection' || name === 'retryAfterMs') continue;
    if (name === 'outageEvents') {
      if (!Number.isInteger(value) || (value as number) < 0) {
        throw new PaperOptionsError(`faults.outageEvents must be a whole number >= 0, got ${String(value)}`);
      }
      continue;
    }
    if (typeof value !== 'number' || !(value >= 0 && value <= 1)) {
      throw new PaperOptionsError(`faults.${name} is a probability and must be between 0 and 1, got ${String(value)}`);
    }
  }
  for (const name of ['feeRate', 'slippage', 'liquidity'] as const) {
    const value = settings[name];
    if (value === undefined && name === 'liquidity') continue;
    if (typeof value !== 'string' || !/^\d+(\.\d+)?$/.test(value) || (name === 'liquidity' && Number(value) === 0)) {
      throw new PaperOptionsError(
        `${name} must be a non-negative decimal string${name === 'liquidity' ? ' above 0' : ''}, got ${String(value)}`,
      );
    }
  }
}

/**
 * Checks one market's settings; names the market and the setting that is wrong.
 *
 * @example
 * checkMarketOptions('BTC/USDT', { ...DEFAULT_MARKET, startPrice: '60000' });
 */
export function checkMarketOptions(symbol: string, options: PaperMarketSettings): PaperMarketSettings {
  const names = ['startPrice', 'tickSize', 'volatility', 'spread', 'amountStep', 'minAmount', 'minNotional', 'maxAmount', 'maxPrice'] as const;
  for (const name of names) {
    const value = options[name];
    if (value === undefined && (name === 'maxAmount' || name === 'maxPrice')) continue;
    const positive = name !== 'volatility' && name !== 'spread' && name !== 'minNotional';
    if (typeof value !== 'string' || !/^\d+(\.\d+)?$/.test(value) || (positive && /^0+(\.0+)?$/.test(value))) {
      throw new PaperOptionsError(
        `markets['${symbol}'].${name} must be a decimal string ${positive ? 'above 0' : '>= 0'}, got ${JSON.stringify(value)}`,
      );
    }
  }
  return options;
}
