/**
 * The built-in "scalper" strategy: buy at a limit, sell at a take-profit, optionally sell at
 * market when the price falls to a stop-loss, and repeat.
 *
 * It is written as "what orders should exist now?" so every hook gives the same answer for the
 * same state: an update or restart needs no special case, and because each intent is committed
 * before the venue is called, the next look already sees the order it asked for.
 */
import { z } from 'zod';
import { compare, isDecimalString } from '../domain/money.ts';
import type { PluginCommand, PluginContext, PluginOrder, StrategyPlugin } from './plugin-api.ts';

const decimal = (field: string) =>
  z.string().refine((value) => isDecimalString(value) && compare(value, '0') > 0, { message: `${field} must be a decimal string above 0, such as "101.25"` });

export const scalperConfigSchema = z
  .object({
    /** Base amount bought per cycle. */
    amount: decimal('amount'),
    /** Limit price of the buy. */
    entryPrice: decimal('entryPrice'),
    /** Limit price of the sell that takes the profit. */
    takeProfitPrice: decimal('takeProfitPrice'),
    /** When the last price falls to or below this, sell at market. */
    stopLossPrice: decimal('stopLossPrice').optional(),
    /** Start a new cycle after one closes. */
    repeat: z.boolean().default(true),
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

function madeAfter(a: PluginOrder, b: PluginOrder): boolean {
  return a.createdAt > b.createdAt || (a.createdAt === b.createdAt && a.id > b.id);
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
 */
function desired(context: PluginContext<ScalperConfig>): PluginCommand[] {
  const { config, orders } = context;
  const entryOpen = orders.find((order) => order.intent === 'entry' && order.status === 'ongoing');
  const entryLive = orders.some((order) => order.intent === 'entry' && (live(order) || order.status === 'failed'));
  const exitsLive = orders.filter((order) => order.intent !== 'entry' && (live(order) || order.status === 'failed'));
  const commands: PluginCommand[] = [];
  const exitDone = entryOpen && context.lastClosedExit && madeAfter(context.lastClosedExit, entryOpen) ? context.lastClosedExit : undefined;
  if (entryOpen && exitDone) {
    // The exit filled: the cycle is over. Close the entry's exposure, take down the other exit.
    const how = exitDone.intent === 'exit' ? 'take-profit' : 'stop-loss';
    commands.push({ type: 'ClosePosition', orderId: entryOpen.id, detail: `${how} filled at ${exitDone.averagePrice ?? exitDone.price}` });
    for (const other of exitsLive) commands.push({ type: 'CancelOrder', orderId: other.id, cancellationReason: 'REPLACED' });
    if (config.repeat && !entryLive && entryAllowed(context)) {
      commands.push({ type: 'PlaceOrder', intent: 'entry', side: 'buy', orderType: 'limit', amount: config.amount, price: config.entryPrice });
    }
    return commands;
  }
  if (!entryOpen) {
    if (!config.repeat && context.closedEntries > 0) return commands;
    if (!entryLive && exitsLive.length === 0 && entryAllowed(context)) {
      commands.push({ type: 'PlaceOrder', intent: 'entry', side: 'buy', orderType: 'limit', amount: config.amount, price: config.entryPrice });
    }
    return commands;
  }
  const price = context.ticker?.last;
  const stopHit = config.stopLossPrice !== undefined && price !== undefined && compare(price, config.stopLossPrice) <= 0;
  const stopping = exitsLive.some((order) => order.intent === 'stop_loss');
  if (stopHit && !stopping) {
    for (const exit of exitsLive) commands.push({ type: 'CancelOrder', orderId: exit.id, cancellationReason: 'STOP_LOSS' });
    commands.push({ type: 'PlaceOrder', intent: 'stop_loss', side: 'sell', orderType: 'market', amount: entryOpen.filledAmount });
    return commands;
  }
  if (exitsLive.length === 0) {
    commands.push({ type: 'PlaceOrder', intent: 'exit', side: 'sell', orderType: 'limit', amount: entryOpen.filledAmount, price: config.takeProfitPrice });
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
  // The stop-loss sells at market, so it is a price on the grid but no limit order of its own.
  orderFields: {
    prices: ['entryPrice', 'takeProfitPrice', 'stopLossPrice'],
    amounts: ['amount'],
    limitOrders: [
      { amount: 'amount', price: 'entryPrice' },
      { amount: 'amount', price: 'takeProfitPrice' },
    ],
  },
  onStart: desired,
  onTick: desired,
  onOrderUpdate: (context) => desired(context),
};
