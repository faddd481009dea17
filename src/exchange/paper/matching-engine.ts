/**
 * The matching rules of one paper market: which resting orders execute at a given quote, at what
 * price and for how much. Pure: no storage, no events, no clock (the venue applies the result).
 *
 * - limit buy executes when ask <= limit; limit sell when bid >= limit. An order that crosses on
 *   arrival (or on its stop trigger) is a taker and gets the touch; a resting order that the price
 *   moves through is a maker and gets its own limit price.
 * - market orders take the touch, worsened by `slippage` and rounded to the grid against the taker.
 * - a stop order (stopPrice) rests untriggered until the last price reaches it (sell: last <= stop,
 *   buy: last >= stop); then it executes as a market order, or as a limit order when it has a price.
 * - `liquidity` caps what one order can fill per price step, which makes partial fills.
 */
import { PaperDecimal, formatDecimal } from './paper-decimal.ts';
import { type Quote, roundToTick } from './price-feed.ts';
import type { PaperOrder } from './paper-store.ts';

export interface MatchSettings {
  readonly tickSize: PaperDecimal;
  readonly slippage: PaperDecimal;
  readonly liquidity: PaperDecimal | undefined;
}

/** What one order does at one quote. */
export interface MatchResult {
  /** The stop trigger fired at this quote. */
  readonly triggeredNow: boolean;
  readonly execution?: { readonly price: string; readonly amount: string; readonly taker: boolean };
}

/**
 * Decides whether (and how much of) an order executes at a quote.
 *
 * @example
 * matchOrder(order, quoteOf(market), settings, true); // { triggeredNow: false, execution: { price: '100', amount: '1', taker: true } }
 */
export function matchOrder(order: PaperOrder, quote: Quote, settings: MatchSettings, arriving: boolean): MatchResult {
  let taker = arriving;
  let triggeredNow = false;
  if (order.stopPrice !== undefined && !order.triggered) {
    const stop = new PaperDecimal(order.stopPrice);
    const reached = order.side === 'sell' ? quote.last.lte(stop) : quote.last.gte(stop);
    if (!reached) return { triggeredNow };
    triggeredNow = true;
    taker = true;
  }
  const remaining = new PaperDecimal(order.amount).minus(order.filledAmount);
  if (remaining.lte(0)) return { triggeredNow };
  let price: PaperDecimal;
  if (order.type === 'market') {
    price =
      order.side === 'buy'
        ? roundToTick(quote.ask.mul(settings.slippage.plus(1)), settings.tickSize, 'up')
        : roundToTick(quote.bid.mul(new PaperDecimal(1).minus(settings.slippage)), settings.tickSize, 'down');
    taker = true;
  } else {
    const limit = new PaperDecimal(order.price ?? '0');
    if (order.side === 'buy' ? quote.ask.gt(limit) : quote.bid.lt(limit)) return { triggeredNow };
    price = taker ? (order.side === 'buy' ? quote.ask : quote.bid) : limit;
  }
  const amount = settings.liquidity ? PaperDecimal.min(remaining, settings.liquidity) : remaining;
  return { triggeredNow, execution: { price: formatDecimal(price), amount: formatDecimal(amount), taker } };
}

/**
 * The open orders of one symbol in time priority, matched together at each new quote.
 *
 * @example
 * const book = new MatchingEngine('BTC/USDT');
 * book.add(order);
 * for (const { order, result } of book.match(quote, settings)) apply(order, result);
 */
export class MatchingEngine {
  readonly #orders = new Map<string, PaperOrder>();

  constructor(readonly symbol: string) {}

  add(order: PaperOrder): void {
    this.#orders.set(order.exchangeOrderId, order);
  }

  remove(exchangeOrderId: string): void {
    this.#orders.delete(exchangeOrderId);
  }

  get(exchangeOrderId: string): PaperOrder | undefined {
    return this.#orders.get(exchangeOrderId);
  }

  /** Open orders, oldest first. */
  orders(): PaperOrder[] {
    return [...this.#orders.values()];
  }

  /** Every open order that triggers or executes at this quote, oldest first. */
  match(quote: Quote, settings: MatchSettings): Array<{ order: PaperOrder; result: MatchResult }> {
    const results: Array<{ order: PaperOrder; result: MatchResult }> = [];
    for (const order of this.#orders.values()) {
      const result = matchOrder(order, quote, settings, false);
      if (result.triggeredNow || result.execution) results.push({ order, result });
    }
    return results;
  }
}
