/**
 * What a config change would do at once, worked out before anything changes: the plugin is asked
 * what it wants with the new config, as it will be after the update has taken its live orders down
 * (UPDATE). A sell that would execute at once (a market sell, or a limit sell at or below the bid)
 * while the bot holds a position bought higher sells that position at a loss: `bots update` says
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

/**
 * The sells among `commands` that would execute at once below the open position's entry price.
 *
 * @example
 * immediateLosses(commands, orders, { symbol: 'BTC/USDT', bid: '59900', ask: '59900', last: '59900', timestamp: 0 });
 * // [{ type: 'limit', amount: '0.01', limitPrice: '59000', expectedPrice: '59900', entryPrice: '60000', loss: '1' }]
 */
export function immediateLosses(commands: readonly PluginCommand[], orders: readonly PluginOrder[], ticker: TickerReport): ImmediateSale[] {
  const held = orders.filter((order) => order.intent === 'entry' && order.side === 'buy' && order.status === 'ongoing' && order.averagePrice !== null);
  if (held.length === 0 || !isDecimalString(ticker.bid)) return [];
  let amount = new Decimal(0);
  let cost = new Decimal(0);
  for (const order of held) {
    amount = amount.plus(order.filledAmount);
    cost = cost.plus(new Decimal(order.filledAmount).times(order.averagePrice as string));
  }
  if (amount.isZero()) return [];
  const entryPrice = cost.div(amount).toDecimalPlaces(18);
  const sales: ImmediateSale[] = [];
  for (const command of commands) {
    if (command.type !== 'PlaceOrder' || command.side !== 'sell') continue;
    const crosses = command.orderType === 'market' || (command.price !== undefined && compare(command.price, ticker.bid) <= 0);
    if (!crosses || entryPrice.lte(ticker.bid)) continue;
    const sold = Decimal.min(command.amount, amount);
    sales.push({
      type: command.orderType,
      amount: sold.toFixed(),
      ...(command.orderType === 'limit' && command.price !== undefined ? { limitPrice: command.price } : {}),
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
