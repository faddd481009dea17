/**
 * A position: the exposure a bot holds on a symbol, shaped like seed 002's monitoring.positions
 * (exit_reason TEXT, error details, retry count, sync tracking, order references) plus plugin_id.
 * `applyFill` keeps the average entry price and the realized pnl exactly.
 */
import type { JsonValue } from '../bot/bot.ts';
import { DomainError } from '../errors.ts';
import { Decimal, formatDecimal, MONEY_SCALE, parseDecimal } from '../money.ts';

export type PositionSide = 'long' | 'short';
export const POSITION_STATUSES = ['open', 'closed'] as const;
export type PositionStatus = (typeof POSITION_STATUSES)[number];

export interface Position {
  readonly id: string;
  readonly userId: string | null;
  readonly botId: string | null;
  readonly pluginId: string;
  readonly exchangeAccountId: string | null;
  readonly symbol: string;
  readonly side: PositionSide;
  /** Open amount (base currency); 0 once closed. */
  readonly amount: string;
  /**
   * The exact quote amount paid (received, for a short) for what is still held: adds add
   * amount x price, a reduction takes its share, the last one takes all that is left, so the
   * realized pnl of any sequence of fills is exact.
   */
  readonly entryCost: string;
  /** Amount closed so far. */
  readonly closedAmount: string;
  /** Amount-weighted entry price (rounded to 18 places). */
  readonly entryPrice: string;
  /** Amount-weighted exit price of the closing fills; null before the first. */
  readonly exitPrice: string | null;
  /** Realized profit, net of every fee paid on this position (entry and exit), in quote currency. */
  readonly realizedPnl: string;
  readonly fees: string;
  readonly stopLossPrice: string | null;
  readonly status: PositionStatus;
  /** Why it closed, or the last error; TEXT, never cut. */
  readonly exitReason: string | null;
  readonly errorDetails: JsonValue | null;
  readonly retryCount: number;
  readonly lastErrorAt: string | null;
  readonly lastSyncAt: string | null;
  readonly syncStatus: string | null;
  /** The order that opened it. */
  readonly exchangeOrderId: string | null;
  /** The stop-loss order protecting it. */
  readonly slOrderId: string | null;
  readonly openedAt: string;
  readonly closedAt: string | null;
  readonly updatedAt: string;
  /** Optimistic concurrency: storage bumps it on every update. */
  readonly version: number;
}

/** One execution applied to a position. */
export interface PositionFill {
  readonly side: 'buy' | 'sell';
  readonly price: string;
  readonly amount: string;
  /** In quote currency; subtracted from realized pnl. */
  readonly fee?: string;
}

export interface OpenPositionInput extends PositionFill {
  readonly id: string;
  readonly pluginId: string;
  readonly symbol: string;
  readonly botId?: string | null;
  readonly userId?: string | null;
  readonly exchangeAccountId?: string | null;
  readonly exchangeOrderId?: string | null;
  readonly stopLossPrice?: string | null;
}

const round = (value: Decimal): string => formatDecimal(value.toDecimalPlaces(MONEY_SCALE, Decimal.ROUND_HALF_EVEN));

/**
 * Opens a position from its first fill: a buy opens a long, a sell a short.
 *
 * @example
 * openPosition({ id: 'p1', pluginId: 'scalper', symbol: 'BTC/USDT', side: 'buy', price: '100', amount: '1' }, now).side; // 'long'
 */
export function openPosition(input: OpenPositionInput, now: Date): Position {
  const amount = parseDecimal(input.amount, 'amount');
  const price = parseDecimal(input.price, 'price');
  if (!amount.gt(0)) throw new DomainError('INVALID_FIELD', `amount must be greater than 0, got "${input.amount}"`, { field: 'amount' });
  if (!price.gt(0)) throw new DomainError('INVALID_FIELD', `price must be greater than 0, got "${input.price}"`, { field: 'price' });
  const fee = parseDecimal(input.fee ?? '0', 'fee');
  const at = now.toISOString();
  return {
    id: input.id,
    userId: input.userId ?? null,
    botId: input.botId ?? null,
    pluginId: input.pluginId,
    exchangeAccountId: input.exchangeAccountId ?? null,
    symbol: input.symbol,
    side: input.side === 'buy' ? 'long' : 'short',
    amount: formatDecimal(amount),
    entryCost: formatDecimal(amount.times(price)),
    closedAmount: '0',
    entryPrice: formatDecimal(price),
    exitPrice: null,
    realizedPnl: formatDecimal(fee.neg()),
    fees: formatDecimal(fee),
    stopLossPrice: input.stopLossPrice == null ? null : formatDecimal(parseDecimal(input.stopLossPrice, 'stopLossPrice')),
    status: 'open',
    exitReason: null,
    errorDetails: null,
    retryCount: 0,
    lastErrorAt: null,
    lastSyncAt: null,
    syncStatus: null,
    exchangeOrderId: input.exchangeOrderId ?? null,
    slOrderId: null,
    openedAt: at,
    closedAt: null,
    updatedAt: at,
    version: 1,
  };
}

/** What {@link applyFill} did. */
export interface ApplyFillResult {
  readonly position: Position;
  /** True when this fill closed the position (a round trip: make a trade with tradeFromClosedPosition). */
  readonly closed: boolean;
  /** Amount of a closing fill beyond the open amount; the caller opens a new, opposite position with it. */
  readonly remainder: string | null;
}

/**
 * Applies a fill: the same direction adds (average entry price), the opposite reduces (realized
 * pnl = (exit - entry) x amount for a long, (entry - exit) x amount for a short, minus fees) and
 * closes at zero. A fill on a closed position throws POSITION_MISMATCH.
 *
 * @example
 * const { position } = applyFill(long1At100, { side: 'sell', price: '110', amount: '1' }, now, 'take-profit');
 * position.realizedPnl; // '10'; position.status 'closed'
 */
export function applyFill(position: Position, fill: PositionFill, now: Date, exitReason?: string): ApplyFillResult {
  if (position.status !== 'open')
    throw new DomainError('POSITION_MISMATCH', `position ${position.id} is closed; a fill cannot be applied to it`, {
      positionId: position.id,
    });
  const size = parseDecimal(fill.amount, 'fill.amount');
  const price = parseDecimal(fill.price, 'fill.price');
  if (!size.gt(0) || !price.gt(0))
    throw new DomainError('INVALID_FIELD', 'fill amount and price must be greater than 0', { field: 'fill' });
  const fee = parseDecimal(fill.fee ?? '0', 'fill.fee');
  const open = parseDecimal(position.amount, 'amount');
  const fees = formatDecimal(parseDecimal(position.fees, 'fees').plus(fee));
  const at = now.toISOString();
  const adds = (position.side === 'long') === (fill.side === 'buy');
  const cost = parseDecimal(position.entryCost, 'entryCost');
  if (adds) {
    const amount = open.plus(size);
    const entryCost = cost.plus(size.times(price));
    const realizedPnl = formatDecimal(parseDecimal(position.realizedPnl, 'realizedPnl').minus(fee));
    return {
      position: { ...position, amount: formatDecimal(amount), entryCost: formatDecimal(entryCost), entryPrice: round(entryCost.div(amount)), fees, realizedPnl, updatedAt: at },
      closed: false,
      remainder: null,
    };
  }
  const closing = Decimal.min(size, open);
  // The share of the cost this reduction takes; the last takes all that is left, so the total is exact.
  const closingCost = closing.eq(open) ? cost : cost.times(closing).div(open).toDecimalPlaces(MONEY_SCALE, Decimal.ROUND_HALF_EVEN);
  const proceeds = closing.times(price);
  const gain = position.side === 'long' ? proceeds.minus(closingCost) : closingCost.minus(proceeds);
  const realizedPnl = formatDecimal(parseDecimal(position.realizedPnl, 'realizedPnl').plus(gain).minus(fee));
  const closedBefore = parseDecimal(position.closedAmount, 'closedAmount');
  const closedAmount = closedBefore.plus(closing);
  const exitBefore = position.exitPrice ? parseDecimal(position.exitPrice, 'exitPrice') : new Decimal(0);
  const exitPrice = round(closedBefore.times(exitBefore).plus(closing.times(price)).div(closedAmount));
  const amount = open.minus(closing);
  const closed = amount.isZero();
  const next: Position = {
    ...position,
    amount: formatDecimal(amount),
    entryCost: formatDecimal(cost.minus(closingCost)),
    closedAmount: formatDecimal(closedAmount),
    exitPrice,
    realizedPnl,
    fees,
    status: closed ? 'closed' : 'open',
    closedAt: closed ? at : null,
    exitReason: closed ? (exitReason ?? position.exitReason) : position.exitReason,
    updatedAt: at,
  };
  return { position: next, closed, remainder: size.gt(open) ? formatDecimal(size.minus(open)) : null };
}

/** Whether the position has a stop-loss and whether an order protects it at the venue. */
export type StopLossState = 'none' | 'unprotected' | 'protected';

/**
 * `none`: no stop-loss price; `unprotected`: a price but no stop-loss order yet (place one);
 * `protected`: a stop-loss order rests at the venue.
 *
 * @example
 * stopLossState({ ...position, stopLossPrice: '95', slOrderId: null }); // 'unprotected'
 */
export function stopLossState(position: Pick<Position, 'stopLossPrice' | 'slOrderId'>): StopLossState {
  if (position.stopLossPrice === null) return 'none';
  return position.slOrderId ? 'protected' : 'unprotected';
}

/**
 * True when `price` has reached the stop-loss (at or below it for a long, at or above for a short).
 *
 * @example
 * isStopLossHit({ side: 'long', stopLossPrice: '95' }, '94.9'); // true
 */
export function isStopLossHit(position: Pick<Position, 'side' | 'stopLossPrice'>, price: string): boolean {
  if (position.stopLossPrice === null) return false;
  const cmp = parseDecimal(price, 'price').comparedTo(parseDecimal(position.stopLossPrice, 'stopLossPrice'));
  return position.side === 'long' ? cmp <= 0 : cmp >= 0;
}

/**
 * Sets (or clears, with null) the stop-loss price and the order that protects it.
 *
 * @example
 * setStopLoss(position, { stopLossPrice: '95', slOrderId: 'x-1' }, now);
 */
export function setStopLoss(
  position: Position,
  stopLoss: { stopLossPrice: string | null; slOrderId?: string | null },
  now: Date,
): Position {
  const price = stopLoss.stopLossPrice === null ? null : formatDecimal(parseDecimal(stopLoss.stopLossPrice, 'stopLossPrice'));
  return {
    ...position,
    stopLossPrice: price,
    slOrderId: stopLoss.slOrderId === undefined ? position.slOrderId : stopLoss.slOrderId,
    updatedAt: now.toISOString(),
  };
}

/**
 * Records a failure about the position (placing a stop-loss, syncing): whole message in
 * exit_reason's place for errors (`errorDetails`), retry count + 1, last_error_at.
 *
 * @example
 * recordPositionError(position, "Failed to place stop-loss: bybit {'retCode':10003,...}", { attempt: 3 }, now);
 */
export function recordPositionError(
  position: Position,
  message: string,
  details: { readonly [key: string]: JsonValue },
  now: Date,
): Position {
  const at = now.toISOString();
  return { ...position, errorDetails: { message, ...details }, retryCount: position.retryCount + 1, lastErrorAt: at, updatedAt: at };
}

/**
 * Records a sync with the venue.
 *
 * @example
 * recordPositionSync(position, 'in_sync', now).lastSyncAt; // now as ISO
 */
export function recordPositionSync(position: Position, syncStatus: string, now: Date): Position {
  const at = now.toISOString();
  return { ...position, syncStatus, lastSyncAt: at, updatedAt: at };
}
