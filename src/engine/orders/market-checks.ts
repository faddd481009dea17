/**
 * The checks a bot's values pass before anything of the bot is stored: every price and amount its
 * plugin declares (`orderFields`) must fit the ledger's money column (NUMERIC(38,18)) and the
 * venue's market rules (tick size, lot size, minimum and maximum amount, maximum price, minimum
 * notional), so a bot that is stored can place its orders. A venue would reject the order anyway;
 * checking first means the user hears about it at `bots create`, naming the field, instead of
 * seeing an order fail on every retry until it expires.
 */
import { DomainError } from '../../domain/errors.ts';
import { assertFitsMoneyColumn, Decimal, isDecimalString } from '../../domain/money.ts';
import type { MarketRules } from '../../exchange/exchange-adapter.ts';
import { type ConfigIssue, PluginConfigError, type StrategyPlugin } from '../strategy-plugin.ts';

/** Raised for an order a plugin asked for that the venue's rules would refuse (the bot cannot run as configured). */
export class OrderNotPlaceableError extends Error {
  readonly code = 'ORDER_NOT_PLACEABLE';
}

/**
 * The venue's rules for `symbol`, or an INVALID_FIELD error naming `symbol` and listing the
 * venue's markets.
 *
 * @example
 * marketFor(await paper.loadMarkets(), 'DOGE/USDT', 'Paper exchange');
 * // throws: symbol DOGE/USDT is not a market of Paper exchange; its markets: BTC/USDT, ETH/USDT
 */
export function marketFor(markets: readonly MarketRules[], symbol: unknown, venueName: string): MarketRules {
  const market = markets.find((candidate) => candidate.symbol === symbol);
  if (market) return market;
  const shown = typeof symbol === 'string' ? (symbol.length > 40 ? `${symbol.slice(0, 40)}...` : symbol) : String(symbol);
  const symbols = markets.map((candidate) => candidate.symbol);
  throw new DomainError('INVALID_FIELD', `symbol ${JSON.stringify(shown)} is not a market of ${venueName}; its markets: ${symbols.join(', ') || 'none'}`, {
    field: 'symbol',
    symbols,
  });
}

/** Whether `value` is a whole multiple of `step`. */
function onGrid(value: Decimal, step: string): boolean {
  return value.mod(step).isZero();
}

/** "59000 or 59000.01": the grid values either side of `value`. */
function neighbours(value: Decimal, step: string): string {
  const below = value.div(step).floor().times(step);
  return `${below.toFixed()} or ${below.plus(step).toFixed()}`;
}

/**
 * What is wrong with one price against the money column and the market (undefined: nothing).
 *
 * @example
 * priceProblem('entryPrice', '59000.001', market); // 'entryPrice 59000.001 is not on the tick grid of BTC/USDT (tick size 0.01): use 59000 or 59000.01'
 */
export function priceProblem(field: string, value: string, market: MarketRules): string | undefined {
  const fit = moneyProblem(field, value);
  if (fit) return fit;
  const price = new Decimal(value);
  if (!onGrid(price, market.tickSize))
    return `${field} ${value} is not on the tick grid of ${market.symbol} (tick size ${market.tickSize}): use ${neighbours(price, market.tickSize)}`;
  if (market.maxPrice !== undefined && price.gt(market.maxPrice)) return `${field} ${value} is above the highest price ${market.maxPrice} of ${market.symbol}`;
  return undefined;
}

/**
 * What is wrong with one base amount against the money column and the market's lot size.
 *
 * @example
 * amountProblem('amount', '0.000001', market); // 'amount 0.000001 is below the minimum amount 0.00001 of BTC/USDT'
 */
export function amountProblem(field: string, value: string, market: MarketRules): string | undefined {
  const fit = moneyProblem(field, value);
  if (fit) return fit;
  const amount = new Decimal(value);
  if (amount.lt(market.minAmount)) return `${field} ${value} is below the minimum amount ${market.minAmount} of ${market.symbol}`;
  if (market.maxAmount !== undefined && amount.gt(market.maxAmount)) return `${field} ${value} is above the maximum amount ${market.maxAmount} of ${market.symbol}`;
  if (!onGrid(amount, market.amountStep))
    return `${field} ${value} is not a multiple of the lot size ${market.amountStep} of ${market.symbol}: use ${neighbours(amount, market.amountStep)}`;
  return undefined;
}

/** What is wrong with amount x price of a limit order against the market's minimum notional. */
export function notionalProblem(amountField: string, amount: string, priceField: string, price: string, market: MarketRules): string | undefined {
  const notional = new Decimal(amount).times(price);
  if (notional.gte(market.minNotional)) return undefined;
  return `${amountField} x ${priceField} = ${notional.toFixed()} is below the minimum order value (notional) ${market.minNotional} of ${market.symbol}`;
}

/** The money column's complaint about a decimal string, naming `field` (undefined: it fits). */
function moneyProblem(field: string, value: string): string | undefined {
  if (!isDecimalString(value)) return `${field} must be a decimal string such as "101.25"`;
  try {
    assertFitsMoneyColumn(value, field);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * Every problem of a (schema-valid) config against the money column and the market, by field. The
 * declared fields come from the plugin's `orderFields`; its own `validateAgainstMarket` adds more.
 *
 * @example
 * configIssuesAgainstMarket(SCALPER_PLUGIN, { amount: '0.01', entryPrice: '59000.001', takeProfitPrice: '60000' }, market);
 * // [{ path: 'entryPrice', message: 'entryPrice 59000.001 is not on the tick grid of BTC/USDT (tick size 0.01): use 59000 or 59000.01' }]
 */
export function configIssuesAgainstMarket<C>(plugin: StrategyPlugin<C>, config: C, market: MarketRules): ConfigIssue[] {
  const fields = plugin.orderFields;
  const values = (config ?? {}) as Record<string, unknown>;
  const issues: ConfigIssue[] = [];
  const bad = new Set<string>();
  const check = (names: readonly string[] | undefined, problem: (field: string, value: string) => string | undefined) => {
    for (const field of names ?? []) {
      const value = values[field];
      if (value === undefined || value === null) continue;
      const message = typeof value === 'string' ? problem(field, value) : `${field} must be a decimal string such as "101.25"`;
      if (message) {
        issues.push({ path: field, message });
        bad.add(field);
      }
    }
  };
  check(fields?.prices, (field, value) => priceProblem(field, value, market));
  check(fields?.amounts, (field, value) => amountProblem(field, value, market));
  for (const order of fields?.limitOrders ?? []) {
    const amount = values[order.amount];
    const price = values[order.price];
    if (typeof amount !== 'string' || typeof price !== 'string' || bad.has(order.amount) || bad.has(order.price)) continue;
    const message = notionalProblem(order.amount, amount, order.price, price, market);
    if (message) issues.push({ path: order.amount, message });
  }
  if (issues.length === 0 && plugin.validateAgainstMarket) issues.push(...plugin.validateAgainstMarket(config, market));
  return issues;
}

/**
 * Throws a {@link PluginConfigError} naming every field that does not fit the money column or the
 * market's rules.
 *
 * @example
 * assertConfigFitsMarket(SCALPER_PLUGIN, config, market);
 */
export function assertConfigFitsMarket<C>(plugin: StrategyPlugin<C>, config: C, market: MarketRules): void {
  const issues = configIssuesAgainstMarket(plugin, config, market);
  if (issues.length > 0) throw new PluginConfigError(plugin.id, issues);
}

/**
 * Throws {@link OrderNotPlaceableError} for an order the venue's rules would refuse, before it is
 * recorded (a stored config that predates these checks, or a plugin computing a bad value).
 *
 * @example
 * assertPlaceable({ type: 'limit', amount: '0.01', price: '59000.001' }, market);
 */
export function assertPlaceable(order: { readonly type: string; readonly amount: string; readonly price?: string }, market: MarketRules): void {
  const problem =
    amountProblem('amount', order.amount, market) ??
    (order.type === 'limit' && order.price !== undefined
      ? (priceProblem('price', order.price, market) ?? notionalProblem('amount', order.amount, 'price', order.price, market))
      : undefined);
  if (problem) throw new OrderNotPlaceableError(`the venue would refuse this order (${order.type} ${order.amount}${order.price ? ` at ${order.price}` : ''}): ${problem}`);
}
