/**
 * The seeded random walk that moves a paper market's price, one explicit step at a time.
 * Every step is exact decimal arithmetic on an integer draw, so the same seed gives the same
 * price path on every machine.
 */
import { PaperDecimal, formatDecimal } from './paper-decimal.ts';
import type { PaperMarketState } from './paper-store.ts';
import { Prng } from './prng.ts';

const TWO_POW_32 = new PaperDecimal(4294967296);

/**
 * Rounds a price to the market's grid (half away from zero), never below one tick.
 *
 * @example
 * roundToTick(new PaperDecimal('100.126'), new PaperDecimal('0.01')); // 100.13
 */
export function roundToTick(price: PaperDecimal, tickSize: PaperDecimal, rounding: 'nearest' | 'up' | 'down' = 'nearest'): PaperDecimal {
  const steps = price.div(tickSize);
  const whole =
    rounding === 'up' ? steps.ceil() : rounding === 'down' ? steps.floor() : steps.toDecimalPlaces(0, PaperDecimal.ROUND_HALF_UP);
  return PaperDecimal.max(whole, 1).mul(tickSize);
}

/**
 * Advances a market one random-walk step: the price moves by up to `volatility` of itself, in
 * whole ticks, and the generator state moves with it (the caller persists both).
 *
 * @example
 * const next = stepPrice(market); // e.g. '60012.34'
 */
export function stepPrice(market: PaperMarketState): string {
  const prng = new Prng(market.prngState);
  // A uniform draw in [-1, 1), made exact: (2 * u32 / 2^32) - 1.
  const unit = new PaperDecimal(prng.nextUint32()).mul(2).div(TWO_POW_32).minus(1);
  const price = new PaperDecimal(market.price);
  const tick = new PaperDecimal(market.tickSize);
  const move = price.mul(market.volatility).mul(unit);
  const next = roundToTick(price.plus(move), tick);
  market.prngState = prng.state;
  market.price = formatDecimal(next);
  return market.price;
}

/** Best bid, best ask and last price of a market, as decimals. */
export interface Quote {
  readonly bid: PaperDecimal;
  readonly ask: PaperDecimal;
  readonly last: PaperDecimal;
}

/**
 * The touch around the last price: half the spread each side.
 *
 * @example
 * quoteOf({ ...market, price: '100', spread: '0.02' }); // bid 99.99, ask 100.01, last 100
 */
export function quoteOf(market: PaperMarketState): Quote {
  const last = new PaperDecimal(market.price);
  const half = new PaperDecimal(market.spread).div(2);
  return { bid: last.minus(half), ask: last.plus(half), last };
}
