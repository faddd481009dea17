/**
 * What the paper exchange says, shaped like a real venue seen through ccxt: unified order and
 * trade objects with the venue's native message under `info` (Bybit v5 field names), and error
 * bodies `{"retCode":...,"retMsg":...}`. The event log therefore shows realistic raw payloads.
 */
import {
  ExchangeUnclearError,
  type FillReport,
  type OrderStatusReport,
  OrderNotFoundError,
  OrderNotOpenError,
  OrderRejectedError,
  OrderWouldTriggerError,
  RateLimitedError,
  type VenueOrderState,
} from '../exchange-adapter.ts';
import { PAPER_DIVISION_PLACES, PaperDecimal, formatDecimal } from './paper-decimal.ts';
import type { PaperFill, PaperOrder } from './paper-store.ts';

/** The venue's error codes (Bybit v5 numbering, so they read like the real thing). */
export const RET_CODES = {
  paramError: 10001,
  invalidApiKey: 10003,
  rateLimit: 10006,
  orderNotExists: 110001,
  orderNotModifiable: 110010,
  invalidSymbol: 10001,
  duplicateClientOrderId: 110072,
  insufficientBalance: 110007,
  /** A buy stop at or below the last price: "expect Rising, but trigger_price <= current". */
  stopWouldTriggerRising: 110092,
  /** A sell stop at or above the last price: "expect Falling, but trigger_price >= current". */
  stopWouldTriggerFalling: 110093,
} as const;

const BYBIT_STATUS: Record<VenueOrderState, string> = {
  open: 'New',
  partially_filled: 'PartiallyFilled',
  filled: 'Filled',
  cancelled: 'Cancelled',
  rejected: 'Rejected',
  expired: 'Deactivated',
};

const CCXT_STATUS: Record<VenueOrderState, string> = {
  open: 'open',
  partially_filled: 'open',
  filled: 'closed',
  cancelled: 'canceled',
  rejected: 'rejected',
  expired: 'expired',
};

/** 'BTC/USDT' -> 'BTCUSDT', the venue's own market id. */
export function marketId(symbol: string): string {
  return symbol.split(':')[0].replace('/', '');
}

/** The quote currency fees are charged in: 'BTC/USDT' -> 'USDT'. */
export function quoteCurrency(symbol: string): string {
  return symbol.split(':')[0].split('/')[1] ?? 'USDT';
}

function titleCase(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** Average execution price, or undefined before the first fill. */
export function averagePrice(order: PaperOrder): string | undefined {
  const filled = new PaperDecimal(order.filledAmount);
  if (filled.isZero()) return undefined;
  return formatDecimal(new PaperDecimal(order.filledCost).div(filled).toDecimalPlaces(PAPER_DIVISION_PLACES));
}

/**
 * The venue's report of an order, with a ccxt-like unified payload as `raw`.
 *
 * @example
 * orderReport(order).raw; // { id: '100000001', clientOrderId: 'bl-1', status: 'open', info: { orderStatus: 'New', ... } }
 */
export function orderReport(order: PaperOrder): OrderStatusReport {
  const average = averagePrice(order);
  const remaining = formatDecimal(new PaperDecimal(order.amount).minus(order.filledAmount));
  const untriggered = order.stopPrice !== undefined && !order.triggered && order.state === 'open';
  const raw = {
    id: order.exchangeOrderId,
    clientOrderId: order.clientOrderId,
    timestamp: order.createdAt,
    datetime: new Date(order.createdAt).toISOString(),
    lastUpdateTimestamp: order.updatedAt,
    symbol: order.symbol,
    type: order.type,
    timeInForce: order.type === 'market' ? 'IOC' : 'GTC',
    side: order.side,
    price: order.price ?? null,
    triggerPrice: order.stopPrice ?? null,
    amount: order.amount,
    filled: order.filledAmount,
    remaining,
    cost: order.filledCost,
    average: average ?? null,
    status: CCXT_STATUS[order.state],
    fee: { cost: order.feeTotal, currency: quoteCurrency(order.symbol) },
    info: {
      orderId: order.exchangeOrderId,
      orderLinkId: order.clientOrderId,
      symbol: marketId(order.symbol),
      side: titleCase(order.side),
      orderType: titleCase(order.type),
      price: order.price ?? '0',
      qty: order.amount,
      triggerPrice: order.stopPrice ?? '',
      orderStatus: untriggered ? 'Untriggered' : BYBIT_STATUS[order.state],
      cancelType: order.cancelType ?? 'UNKNOWN',
      // Not in Bybit's payload: the paper venue knows whether its API or a person cancelled.
      ...(order.canceledBy === undefined ? {} : { canceledBy: order.canceledBy }),
      rejectReason: 'EC_NoError',
      avgPrice: average ?? '',
      leavesQty: order.state === 'open' || order.state === 'partially_filled' ? remaining : '0',
      cumExecQty: order.filledAmount,
      cumExecValue: order.filledCost,
      cumExecFee: order.feeTotal,
      createdTime: String(order.createdAt),
      updatedTime: String(order.updatedAt),
    },
  };
  return {
    exchangeOrderId: order.exchangeOrderId,
    clientOrderId: order.clientOrderId,
    symbol: order.symbol,
    side: order.side,
    type: order.type,
    state: order.state,
    amount: order.amount,
    ...(order.price === undefined ? {} : { price: order.price }),
    filledAmount: order.filledAmount,
    ...(average === undefined ? {} : { averagePrice: average }),
    ...(order.reason === undefined ? {} : { reason: order.reason }),
    ...(order.canceledAt === undefined ? {} : { canceledAt: order.canceledAt }),
    ...(order.canceledBy === undefined ? {} : { canceledBy: order.canceledBy }),
    timestamp: order.updatedAt,
    createdAt: order.createdAt,
    raw,
  };
}

/**
 * The venue's report of one execution, with a ccxt-like unified trade as `raw`.
 *
 * @example
 * fillReport(fill).raw; // { id: '500000001', order: '100000001', takerOrMaker: 'maker', info: { execId: ... } }
 */
export function fillReport(fill: PaperFill): FillReport {
  const cost = formatDecimal(new PaperDecimal(fill.price).mul(fill.amount));
  const raw = {
    id: fill.tradeId,
    order: fill.exchangeOrderId,
    clientOrderId: fill.clientOrderId,
    timestamp: fill.timestamp,
    datetime: new Date(fill.timestamp).toISOString(),
    symbol: fill.symbol,
    side: fill.side,
    takerOrMaker: fill.taker ? 'taker' : 'maker',
    price: fill.price,
    amount: fill.amount,
    cost,
    fee: { cost: fill.fee, currency: fill.feeCurrency },
    info: {
      execId: fill.tradeId,
      orderId: fill.exchangeOrderId,
      orderLinkId: fill.clientOrderId,
      symbol: marketId(fill.symbol),
      side: titleCase(fill.side),
      execPrice: fill.price,
      execQty: fill.amount,
      execValue: cost,
      execFee: fill.fee,
      feeCurrency: fill.feeCurrency,
      execType: 'Trade',
      isMaker: !fill.taker,
      execTime: String(fill.timestamp),
    },
  };
  return {
    tradeId: fill.tradeId,
    exchangeOrderId: fill.exchangeOrderId,
    clientOrderId: fill.clientOrderId,
    symbol: fill.symbol,
    side: fill.side,
    price: fill.price,
    amount: fill.amount,
    fee: fill.fee,
    feeCurrency: fill.feeCurrency,
    timestamp: fill.timestamp,
    raw,
  };
}

/** A venue error body, as received. */
export interface VenueErrorBody {
  readonly retCode: number;
  readonly retMsg: string;
  readonly result: Record<string, never>;
  readonly retExtInfo: Record<string, never>;
  readonly time: number;
}

function body(retCode: number, retMsg: string, time: number): VenueErrorBody {
  return { retCode, retMsg, result: {}, retExtInfo: {}, time };
}

/** The message of an error: the venue's body, whole, as ccxt passes it on. */
function message(raw: VenueErrorBody): string {
  return JSON.stringify({ retCode: raw.retCode, retMsg: raw.retMsg });
}

/**
 * A rejection in the venue's words, e.g. message `{"retCode":10003,"retMsg":"API key is invalid."}`.
 *
 * @example
 * throw rejected(RET_CODES.invalidApiKey, 'API key is invalid.', Date.now());
 */
export function rejected(retCode: number, retMsg: string, time: number): OrderRejectedError {
  const raw = body(retCode, retMsg, time);
  return new OrderRejectedError(message(raw), raw);
}

/**
 * A rejection in the words a ccxt-wrapped venue gives: `<venue id> <the whole response body>`
 * (retCode, retMsg, result, retExtInfo, time), e.g. `bybit {"retCode":10003,"retMsg":"API key is
 * invalid. ...","result":{},"retExtInfo":{},"time":1700000000001}`.
 *
 * @example
 * throw rejectedAs('bybit', 10003, 'API key is invalid.', Date.now());
 */
export function rejectedAs(venueId: string, retCode: number, retMsg: string, time: number): OrderRejectedError {
  const raw = body(retCode, retMsg, time);
  return new OrderRejectedError(`${venueId} ${JSON.stringify(raw)}`, raw);
}

/**
 * A stop order refused because its trigger is already crossed (Bybit 110092 for a buy stop,
 * 110093 for a sell stop; Binance -2021): `retMsg` is "Order would immediately trigger: <detail>".
 *
 * @example
 * throw wouldTrigger('sell', 'sell stop at 100 is at or above the last price 100 of BTC/USDT', Date.now());
 * // message {"retCode":110093,"retMsg":"Order would immediately trigger: sell stop at 100 is at or above ..."}
 */
export function wouldTrigger(side: 'buy' | 'sell', detail: string, time: number): OrderWouldTriggerError {
  const retCode = side === 'sell' ? RET_CODES.stopWouldTriggerFalling : RET_CODES.stopWouldTriggerRising;
  const raw = body(retCode, `Order would immediately trigger: ${detail}`, time);
  return new OrderWouldTriggerError(message(raw), raw);
}

export function rateLimited(retryAfterMs: number, time: number): RateLimitedError {
  const raw = body(RET_CODES.rateLimit, 'Too many visits. Exceeded the API Rate Limit.', time);
  return new RateLimitedError(message(raw), retryAfterMs, raw);
}

export function notFound(what: string, time: number): OrderNotFoundError {
  const raw = body(RET_CODES.orderNotExists, `Order does not exist: ${what}`, time);
  return new OrderNotFoundError(message(raw), raw);
}

export function notOpen(order: PaperOrder, time: number): OrderNotOpenError {
  const retMsg = `Order ${order.exchangeOrderId} (clientOrderId ${order.clientOrderId}) is already ${order.state} and cannot be cancelled`;
  const raw = body(RET_CODES.orderNotModifiable, retMsg, time);
  return new OrderNotOpenError(message(raw), order.state, raw);
}

/** A request that got no answer. Like a real timeout, it does not say whether the venue acted. */
export function timedOut(operation: string, subject: string, timeoutMs: number): ExchangeUnclearError {
  const raw = { error: 'RequestTimeout', operation, subject, timeoutMs };
  return new ExchangeUnclearError(
    `paper ${operation} ${subject}: request timed out after ${timeoutMs} ms; the venue may or may not have acted`,
    raw,
  );
}
