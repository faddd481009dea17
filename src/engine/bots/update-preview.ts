/**
 * What a config change would do at once, worked out before anything changes: the plugin is asked
 * what it wants with the new config, as it will be after the update has taken its live orders down
 * (UPDATE). A sell that would execute at once (a market sell, a limit sell at or below the bid, a
 * stop-loss at or above the last price) while the bot holds a position bought higher sells that
 * position at a loss: `bots update` says
 * so and refuses without `--yes` (a trader who lowers a take-profit below the market rarely means
 * "sell now at a loss").
 */
import { compare, Decimal, isDecimalString } from '../../domain/money.ts';
import type { TickerReport } from '../../exchange/exchange-adapter.ts';
import type { PluginCommand, PluginOrder } from '../strategy-plugin.ts';

/** One sell the new config would make at once. Decimal strings, in the quote currency where money. */
export interface ImmediateSale {
  readonly type: 'limit' | 'market';
  readonly amount: string;
  /** The limit price asked for (absent for a market sell). */
  readonly limitPrice?: string;
  /** About what it would get: the bid (a crossing limit sell gets the touch). */
  readonly expectedPrice: string;
  /** Average price the open position was bought at. */
  readonly entryPrice: string;
  /** (entryPrice - expectedPrice) x amount, before fees; positive is a loss. */
  readonly loss: string;
}

/** Raised by an update that would sell an open position at once at a loss, unless confirmed. */
export class ImmediateLossError extends Error {
  readonly code = 'UPDATE_SELLS_AT_A_LOSS';
  constructor(
    readonly botId: string,
    readonly sales: readonly ImmediateSale[],
  ) {
    super(`${describeImmediateLoss(botId, sales)}; confirm to do it anyway (bots update --yes)`);
    this.name = 'ImmediateLossError';
  }
}

/**
 * The orders as the plugin will see them once the update has taken its live orders down: pending
 * ones carry the UPDATE cancel request, failed ones are gone (cancelled outright).
 */
export function ordersAfterTakeDown(orders: readonly PluginOrder[]): PluginOrder[] {
  return orders
    .filter((order) => order.status !== 'failed')
    .map((order) => (order.status === 'pending' && order.cancellationReason === null ? { ...order, cancellationReason: 'UPDATE' } : order));
}

/** What the bot holds: its open long position (a short is never sold, so it cannot be sold at a loss here). */
export interface Holding {
  readonly amount: string;
  readonly entryPrice: string;
}

/**
 * The sells the new config would make at once below the open position's entry price: among the
 * plugin's `commands`, and the stop-loss the engine keeps at the venue: a stop at or above the
 * last price would trigger at once (the venue refuses it, and the engine exits at market).
 *
 * @example
 * immediateLosses(commands, { amount: '0.01', entryPrice: '60000' }, ticker, undefined);
 * // [{ type: 'limit', amount: '0.01', limitPrice: '59000', expectedPrice: '59900', entryPrice: '60000', loss: '1' }]
 */
export function immediateLosses(commands: readonly PluginCommand[], holding: Holding | undefined, ticker: TickerReport, stopLossPrice?: string): ImmediateSale[] {
  if (!holding || !isDecimalString(ticker.bid)) return [];
  const amount = new Decimal(holding.amount);
  if (amount.isZero()) return [];
  const entryPrice = new Decimal(holding.entryPrice);
  const sells: { orderType: 'limit' | 'market'; amount: string; price?: string }[] = [];
  for (const command of commands) if (command.type === 'PlaceOrder' && command.side === 'sell') sells.push({ orderType: command.orderType, amount: command.amount, price: command.price });
  if (stopLossPrice !== undefined && isDecimalString(ticker.last) && compare(stopLossPrice, ticker.last) >= 0) sells.push({ orderType: 'market', amount: holding.amount });
  const sales: ImmediateSale[] = [];
  for (const sell of sells) {
    const crosses = sell.orderType === 'market' || (sell.price !== undefined && compare(sell.price, ticker.bid) <= 0);
    if (!crosses || entryPrice.lte(ticker.bid)) continue;
    const sold = Decimal.min(sell.amount, amount);
    sales.push({
      type: sell.orderType,
      amount: sold.toFixed(),
      ...(sell.orderType === 'limit' && sell.price !== undefined ? { limitPrice: sell.price } : {}),
      expectedPrice: ticker.bid,
      entryPrice: entryPrice.toFixed(),
      loss: entryPrice.minus(ticker.bid).times(sold).toFixed(),
    });
  }
  return sales;
}

/** One sentence for people: what would be sold, at about what, bought at what, losing about how much. */
export function describeImmediateLoss(botId: string, sales: readonly ImmediateSale[]): string {
  const parts = sales.map(
    (sale) =>
      `${sale.type === 'market' ? 'a market sell' : `a limit sell at ${sale.limitPrice}`} of ${sale.amount} would execute at once at about ${sale.expectedPrice} (the bid), below the ${sale.entryPrice} it was bought at: a loss of about ${sale.loss} before fees`,
  );
  return `the new config of bot ${botId} sells its open position at a loss: ${parts.join('; ')}`;
}
