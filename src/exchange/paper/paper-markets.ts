/**
 * The markets of the paper venue: which symbols it lists, each market's price state (created on
 * first use from its options, then kept in the state file), its trading rules and its ticker.
 */
import type { MarketRules, PlaceOrderRequest, TickerReport } from '../exchange-adapter.ts';
import { SYMBOL_PATTERN } from './order-validation.ts';
import { PaperDecimal, formatDecimal } from './paper-decimal.ts';
import { type PaperMarketOptions, type PaperMarketSettings, checkMarketOptions } from './paper-options.ts';
import type { PaperMarketState, PaperStore } from './paper-store.ts';
import { quoteOf, roundToTick } from './price-feed.ts';
import { deriveSeed } from './prng.ts';
import { RET_CODES, rejected } from './venue-payloads.ts';

export interface PaperMarketsOptions {
  /** The venue's seed: each market's price walk is derived from it and the symbol. */
  readonly seed: string;
  readonly now: () => number;
  /** The configured markets (the listed ones). */
  readonly markets: Readonly<Record<string, PaperMarketOptions>>;
  /** What a market's options default to. */
  readonly defaultMarket: PaperMarketSettings;
  /** Create (and list) a market for any well-formed symbol on first use. */
  readonly createUnknownMarkets: boolean;
}

/**
 * The venue's markets, loaded from the state file.
 *
 * @example
 * const markets = new PaperMarkets(store, { seed: '7', now: Date.now, markets: DEFAULT_PAPER_MARKETS, defaultMarket, createUnknownMarkets: false });
 * markets.ticker('BTC/USDT'); // { symbol, bid, ask, last, timestamp }
 */
export class PaperMarkets {
  readonly #store: PaperStore;
  readonly #options: PaperMarketsOptions;
  readonly #markets = new Map<string, PaperMarketState>();

  constructor(store: PaperStore, options: PaperMarketsOptions) {
    this.#store = store;
    this.#options = options;
    for (const market of store.markets()) this.#markets.set(market.symbol, { ...market, ...this.#configured(market.symbol) });
  }

  /** The symbols configured in the options (created when the venue opens). */
  configuredSymbols(): string[] {
    return Object.keys(this.#options.markets);
  }

  /** A market by symbol, created on first use (unless unknown markets are refused). */
  market(symbol: string): PaperMarketState {
    const known = this.#markets.get(symbol);
    if (known) return known;
    const { markets, defaultMarket, createUnknownMarkets, seed, now } = this.#options;
    const configured = symbol in markets;
    if (!SYMBOL_PATTERN.test(symbol) || (!configured && !createUnknownMarkets)) {
      throw rejected(RET_CODES.invalidSymbol, `Invalid symbol: '${symbol}' is not a market of this venue`, now());
    }
    const options = checkMarketOptions(symbol, { ...defaultMarket, ...markets[symbol] });
    const market: PaperMarketState = {
      symbol,
      price: formatDecimal(roundToTick(new PaperDecimal(options.startPrice), new PaperDecimal(options.tickSize))),
      tickSize: options.tickSize,
      volatility: options.volatility,
      spread: options.spread,
      prngState: deriveSeed(seed, `price:${symbol}`),
      updatedAt: now(),
    };
    this.#store.transaction(() => this.#store.saveMarket(market));
    this.#markets.set(symbol, market);
    return market;
  }

  symbols(): string[] {
    return [...this.#markets.keys()];
  }

  /**
   * The symbols the venue lists: its configured markets (and, with `createUnknownMarkets`, those
   * created on first use). A market an older venue invented stays in the state file so its orders
   * still match, but it is not listed and takes no new order.
   */
  listedSymbols(): string[] {
    return this.symbols().filter((symbol) => this.isListed(symbol));
  }

  /** Whether the venue lists `symbol` (takes new orders on it). */
  isListed(symbol: string): boolean {
    return symbol in this.#options.markets || this.#options.createUnknownMarkets;
  }

  /** A listed market's trading rules (its tick size, lot size, notional and maxima). */
  rules(symbol: string): MarketRules {
    const market = this.market(symbol);
    const settings = { ...this.#options.defaultMarket, ...this.#options.markets[symbol] };
    return {
      symbol,
      tickSize: market.tickSize,
      amountStep: settings.amountStep,
      minAmount: settings.minAmount,
      ...(settings.maxAmount === undefined ? {} : { maxAmount: settings.maxAmount }),
      minNotional: settings.minNotional,
      ...(settings.maxPrice === undefined ? {} : { maxPrice: settings.maxPrice }),
    };
  }

  ticker(symbol: string): TickerReport {
    const market = this.market(symbol);
    const quote = quoteOf(market);
    return { symbol, bid: formatDecimal(quote.bid), ask: formatDecimal(quote.ask), last: market.price, timestamp: market.updatedAt };
  }

  /**
   * The price a buy is assumed to pay when its balance is locked: its limit, else the ask plus
   * `slippage` rounded up to the tick (and at least its stop price).
   *
   * @example
   * const price = markets.lockPrice({ symbol: 'BTC/USDT', side: 'buy', type: 'market', amount: '1', clientOrderId: 'a' }, '0.001');
   */
  lockPrice(request: PlaceOrderRequest, slippage: string): PaperDecimal {
    if (request.type === 'limit' && request.price !== undefined) return new PaperDecimal(request.price);
    const market = this.market(request.symbol);
    const quote = quoteOf(market);
    const touch = roundToTick(quote.ask.mul(new PaperDecimal(slippage).plus(1)), new PaperDecimal(market.tickSize), 'up');
    return request.stopPrice === undefined ? touch : PaperDecimal.max(touch, request.stopPrice);
  }

  #configured(symbol: string): Partial<PaperMarketOptions> {
    const { startPrice: _ignored, ...rest } = this.#options.markets[symbol] ?? {};
    return rest;
  }
}
