/**
 * The checks a venue makes before accepting an order, failing with the venue's own kind of
 * rejection (nothing is stored for a rejected request, as on a real venue).
 */
import type { MarketRules, PlaceOrderRequest } from '../exchange-adapter.ts';
import { PaperDecimal, formatDecimal, parseDecimal } from './paper-decimal.ts';
import { RET_CODES, rejected, wouldTrigger } from './venue-payloads.ts';

/** Characters a client order id may use (Binance's rule; Bybit's is narrower). */
export const CLIENT_ORDER_ID_PATTERN = /^[.A-Za-z0-9:/_-]+$/;

/** A `BASE/QUOTE` symbol, optionally with a ccxt settle suffix (`BTC/USDT:USDT`). */
export const SYMBOL_PATTERN = /^[A-Za-z0-9]+\/[A-Za-z0-9]+(:[A-Za-z0-9]+)?$/;

/**
 * Checks a client order id against the venue's length limit and alphabet.
 *
 * @example
 * checkClientOrderId('bl-7-000123', 36, Date.now()); // ok
 * checkClientOrderId('x'.repeat(40), 36, Date.now()); // throws OrderRejectedError naming the limit
 */
export function checkClientOrderId(clientOrderId: unknown, maxLength: number, now: number): void {
  if (typeof clientOrderId !== 'string' || clientOrderId.length === 0) {
    throw rejected(RET_CODES.paramError, 'clientOrderId is required (a non-empty string)', now);
  }
  if (clientOrderId.length > maxLength) {
    throw rejected(
      RET_CODES.paramError,
      `clientOrderId is too long: ${clientOrderId.length} characters, the limit is ${maxLength} (clientOrderId '${clientOrderId}')`,
      now,
    );
  }
  if (!CLIENT_ORDER_ID_PATTERN.test(clientOrderId)) {
    throw rejected(
      RET_CODES.paramError,
      `clientOrderId '${clientOrderId}' has characters the venue does not accept; allowed: letters, digits and . : / _ -`,
      now,
    );
  }
}

function checkPositive(name: string, value: unknown, now: number): PaperDecimal {
  const parsed = parseDecimal(value);
  if (!parsed || parsed.lte(0))
    throw rejected(RET_CODES.paramError, `${name} must be a positive decimal string, got '${String(value)}'`, now);
  return parsed;
}

function checkOnGrid(name: string, value: PaperDecimal, market: MarketRules, now: number): void {
  if (!value.mod(market.tickSize).isZero()) {
    throw rejected(
      RET_CODES.paramError,
      `Filter failure: PRICE_FILTER: ${name} ${value.toFixed()} is not a multiple of the tick size ${market.tickSize} of ${market.symbol}`,
      now,
    );
  }
  if (market.maxPrice !== undefined && value.gt(market.maxPrice)) {
    throw rejected(RET_CODES.paramError, `Filter failure: PRICE_FILTER: ${name} ${value.toFixed()} is above the maximum price ${market.maxPrice} of ${market.symbol}`, now);
  }
}

/** Binance's LOT_SIZE filter: the amount on the lot-size grid, within the market's minimum and maximum. */
function checkLotSize(amount: PaperDecimal, market: MarketRules, now: number): void {
  const problem = !amount.mod(market.amountStep).isZero()
    ? `is not a multiple of the lot size ${market.amountStep}`
    : amount.lt(market.minAmount)
      ? `is below the minimum amount ${market.minAmount}`
      : market.maxAmount !== undefined && amount.gt(market.maxAmount)
        ? `is above the maximum amount ${market.maxAmount}`
        : undefined;
  if (problem) throw rejected(RET_CODES.paramError, `Filter failure: LOT_SIZE: amount ${amount.toFixed()} ${problem} of ${market.symbol}`, now);
}

/**
 * Checks the shape of a request against one market (client order id uniqueness is the venue's job).
 *
 * @example
 * checkOrderRequest(request, market, Date.now()); // throws OrderRejectedError on the first problem
 */
export function checkOrderRequest(request: PlaceOrderRequest, market: MarketRules, now: number): void {
  if (request.side !== 'buy' && request.side !== 'sell') {
    throw rejected(RET_CODES.paramError, `side must be 'buy' or 'sell', got '${String(request.side)}'`, now);
  }
  if (request.type !== 'limit' && request.type !== 'market') {
    throw rejected(RET_CODES.paramError, `type must be 'limit' or 'market', got '${String(request.type)}'`, now);
  }
  const amount = checkPositive('amount', request.amount, now);
  checkLotSize(amount, market, now);
  if (request.type === 'limit') {
    if (request.price === undefined) throw rejected(RET_CODES.paramError, 'price is required for a limit order', now);
    const price = checkPositive('price', request.price, now);
    checkOnGrid('price', price, market, now);
    // Market orders are not held to it: a stop-loss must be able to sell whatever it holds.
    if (price.mul(amount).lt(market.minNotional)) {
      throw rejected(
        RET_CODES.paramError,
        `Filter failure: NOTIONAL: amount x price ${price.mul(amount).toFixed()} is below the minimum notional ${market.minNotional} of ${market.symbol}`,
        now,
      );
    }
  }
  if (request.stopPrice !== undefined) checkOnGrid('stopPrice', checkPositive('stopPrice', request.stopPrice, now), market, now);
}

/**
 * Refuses a stop order whose trigger the last price has already reached (a sell stop at or above
 * it, a buy stop at or below it), as Binance (-2021) and Bybit (110092/110093) do: it would
 * trigger at once, which is not what a stop is for. Nothing is stored.
 *
 * @example
 * checkStopNotCrossed({ ...request, side: 'sell', stopPrice: '100' }, '100', Date.now()); // throws OrderWouldTriggerError
 */
export function checkStopNotCrossed(request: PlaceOrderRequest, lastPrice: string, now: number): void {
  if (request.stopPrice === undefined) return;
  const stop = new PaperDecimal(request.stopPrice);
  const crossed = request.side === 'sell' ? stop.gte(lastPrice) : stop.lte(lastPrice);
  if (!crossed) return;
  const where = request.side === 'sell' ? 'at or above' : 'at or below';
  throw wouldTrigger(request.side, `${request.side} stop at ${formatDecimal(stop)} is ${where} the last price ${lastPrice} of ${request.symbol}`, now);
}
