/**
 * The built-in "scalper" strategy: buy at a limit, sell at a take-profit, optionally protected by
 * a stop-loss that the engine keeps at the venue, and repeat.
 *
 * It is written as "what orders should exist now?" so every hook gives the same answer for the
 * same state: an update or restart needs no special case, and because each intent is committed
 * before the venue is called, the next look already sees the order it asked for.
 */
import { z } from 'zod';
import { compare, isDecimalString, sub } from '../domain/money.ts';
import type { PluginCommand, PluginContext, PluginOrder, StrategyPlugin } from './plugin-api.ts';

const decimal = (field: string, description: string) =>
  z
    .string()
    .refine((value) => isDecimalString(value) && compare(value, '0') > 0, { message: `${field} must be a decimal string above 0, such as "101.25"` })
    // Shown in the config's JSON Schema (GET /api/v1/plugins), from which a dashboard makes its form.
    .meta({ description: `${description} (a decimal string above 0)`, pattern: '^[0-9]+(\\.[0-9]+)?$' });

export const scalperConfigSchema = z
  .object({
    /** Base amount bought per cycle. */
    amount: decimal('amount', 'Base amount bought per cycle'),
    /** Limit price of the buy. */
    entryPrice: decimal('entryPrice', 'Limit price of the buy'),
    /** Limit price of the sell that takes the profit. */
    takeProfitPrice: decimal('takeProfitPrice', 'Limit price of the sell that takes the profit'),
    /** The stop-loss: the engine places a stop order at this price at the venue once the position opens. */
    stopLossPrice: decimal('stopLossPrice', 'Stop-loss price, below entryPrice; the engine keeps a stop order there once the position opens').optional(),
    /** Start a new cycle after one closes. */
    repeat: z.boolean().default(true).meta({ description: 'Start a new cycle after one closes' }),
  })
  .strict()
  .superRefine((config, context) => {
    // zod runs this even when a field above failed its own check; those fields are already named.
    const prices = [config.entryPrice, config.takeProfitPrice, config.stopLossPrice ?? '1'];
    if (!prices.every(isDecimalString)) return;
    if (compare(config.takeProfitPrice, config.entryPrice) <= 0) {
      context.addIssue({ code: 'custom', path: ['takeProfitPrice'], message: 'takeProfitPrice must be above entryPrice' });
    }
    if (config.stopLossPrice && compare(config.stopLossPrice, config.entryPrice) >= 0) {
      context.addIssue({ code: 'custom', path: ['stopLossPrice'], message: 'stopLossPrice must be below entryPrice' });
    }
  });

export type ScalperConfig = z.infer<typeof scalperConfigSchema>;

/** Orders the engine considers live for the plugin: not being cancelled. */
function live(order: PluginOrder): boolean {
  return order.status === 'pending' && order.cancellationReason === null;
}

/** What an order may still execute. */
function remaining(order: PluginOrder): string {
  return sub(order.amount, order.filledAmount);
}

/**
 * No entry while the last price is at or below the stop-loss: the buy would fill at once and be
 * sold at market straight away, again and again (issue 6, defect 1). After a stop-out the scalper
 * therefore waits until the price has recovered above its stop-loss; with no price known yet (a
 * bot created before the first tick) it places its entry as usual.
 */
function entryAllowed(context: PluginContext<ScalperConfig>): boolean {
  const { stopLossPrice } = context.config;
  const price = context.ticker?.last;
  return stopLossPrice === undefined || price === undefined || compare(price, stopLossPrice) > 0;
}

/**
 * The orders the scalper wants, given what exists. Every hook answers with this, so the answer
 * depends only on the state, never on which event arrived first.
 *
 * The engine owns the position (kept from the fills) and its stop-loss (placed at the venue from
 * {@link SCALPER_PLUGIN.stopLossPrice}); the scalper only buys when it holds nothing and offers
 * exactly what it holds at the take-profit. So partial fills and bot updates need no special
 * case: an entry cancelled after a partial fill leaves a position that the exit sells, and an
 * exit cancelled after a partial fill is replaced by one for the rest, never more. It never sells
 * more than it holds, so it never goes short.
 */
function desired(context: PluginContext<ScalperConfig>): PluginCommand[] {
  const { config, orders, position } = context;
  const entries = orders.filter((order) => order.intent === 'entry' && (live(order) || order.status === 'failed'));
  const exits = orders.filter((order) => order.intent === 'exit' && (live(order) || order.status === 'failed'));
  const commands: PluginCommand[] = [];
  if (!position) {
    // Exits left over from a closed position are the engine's to take down (POSITION_CLOSED): wait for that.
    if (!config.repeat && context.closedEntries > 0) return commands;
    if (entries.length === 0 && exits.length === 0 && entryAllowed(context)) {
      commands.push({ type: 'PlaceOrder', intent: 'entry', side: 'buy', orderType: 'limit', amount: config.amount, price: config.entryPrice });
    }
    return commands;
  }
  // Holding: while the entry is still filling, wait; then one take-profit for exactly what is held.
  if (entries.length > 0) return commands;
  const wrongSize = exits.filter((order) => live(order) && compare(remaining(order), position.amount) !== 0);
  if (wrongSize.length > 0) {
    // Replaced once the cancel is confirmed (the next hook), so the two can never both execute.
    for (const order of wrongSize) commands.push({ type: 'CancelOrder', orderId: order.id, cancellationReason: 'REPLACED' });
    return commands;
  }
  if (exits.length === 0) {
    commands.push({ type: 'PlaceOrder', intent: 'exit', side: 'sell', orderType: 'limit', amount: position.amount, price: config.takeProfitPrice });
  }
  return commands;
}

/**
 * @example
 * const registry = new PluginRegistry([SCALPER_PLUGIN]);
 */
export const SCALPER_PLUGIN: StrategyPlugin<ScalperConfig> = {
  id: 'scalper',
  description: 'Buy at a limit, sell at a take-profit, optional stop-loss, repeat',
  configSchema: scalperConfigSchema as unknown as z.ZodType<ScalperConfig>,
  exampleConfig: { amount: '0.01', entryPrice: '59950', takeProfitPrice: '60050', stopLossPrice: '59500', repeat: true },
  // The stop-loss sells at market, so it is a price on the grid but no limit order of its own.
  orderFields: {
    prices: ['entryPrice', 'takeProfitPrice', 'stopLossPrice'],
    amounts: ['amount'],
    limitOrders: [
      { amount: 'amount', price: 'entryPrice' },
      { amount: 'amount', price: 'takeProfitPrice' },
    ],
  },
  stopLossPrice: (config) => config.stopLossPrice,
  onStart: desired,
  onTick: desired,
  onOrderUpdate: (context) => desired(context),
};
