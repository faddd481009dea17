/**
 * A BotRuntime on a fresh database of a dialect and the paper exchange (prices start at 60000,
 * spread 0, fee 0.1%), with the scalper and two test plugins: `looper`, which buys and sells at
 * market without end (a strategy caught in a loop), and `thrower`, whose hooks throw when its
 * config says so.
 */
import { join } from 'node:path';
import { z } from 'zod';
import type { Order } from '../../src/domain/order/order.ts';
import { ManualClock } from '../../src/engine/clock.ts';
import { BotRuntime, type BotRuntimeOptions } from '../../src/engine/runtime/runtime.ts';
import { PaperExchange } from '../../src/exchange/paper/index.ts';
import type { PaperExchangeOptions } from '../../src/exchange/paper/paper-options.ts';
import { type PluginCommand, type PluginContext, PluginRegistry, type StrategyPlugin } from '../../src/plugins/plugin-api.ts';
import { SCALPER_PLUGIN } from '../../src/plugins/scalper.ts';
import { openDatabase } from '../../src/storage/database.ts';
import { LedgerReader } from '../../src/storage/ledger-reader.ts';
import type { DialectTarget } from '../support/dialects.ts';
import { openLedgerDatabase } from '../support/ledger-database.ts';

export const SYMBOL = 'BTC/USDT';
export const OTHER_SYMBOL = 'ETH/USDT';

function loop(context: PluginContext<{ amount: string }>): PluginCommand[] {
  const { orders, config, position } = context;
  if (orders.some((o) => o.status === 'pending')) return [];
  const buy: PluginCommand = { type: 'PlaceOrder', intent: 'entry', side: 'buy', orderType: 'market', amount: config.amount };
  // The engine closes the position when the exit fills; the looper buys again at once.
  if (!position) return [buy];
  return [{ type: 'PlaceOrder', intent: 'exit', side: 'sell', orderType: 'market', amount: position.amount }];
}

/** Buys at market, sells at market, again and again, inside one step. */
export const LOOPER_PLUGIN: StrategyPlugin<{ amount: string }> = {
  id: 'looper',
  description: 'test: a runaway loop',
  configSchema: z.object({ amount: z.string() }).strict(),
  onStart: loop,
  onTick: loop,
  onOrderUpdate: (context) => loop(context),
};

/** Throws in onTick when `throwOnTick` is set; asks to cancel an order that does not exist when `badCancel` is. */
export const THROWER_PLUGIN: StrategyPlugin<{ throwOnTick: boolean; badCancel?: boolean }> = {
  id: 'thrower',
  description: 'test: a broken plugin',
  configSchema: z.object({ throwOnTick: z.boolean(), badCancel: z.boolean().optional() }).strict(),
  onStart: () => [],
  onTick: (context) => {
    if (context.config.throwOnTick) throw new Error('division by zero in my strategy');
    if (context.config.badCancel) return [{ type: 'CancelOrder', orderId: 'ghost', cancellationReason: 'REPLACED' }];
    return [];
  },
  onOrderUpdate: () => [],
};

export async function openRuntimeFixture(
  target: DialectTarget,
  plugins: StrategyPlugin<any>[] = [SCALPER_PLUGIN, LOOPER_PLUGIN, THROWER_PLUGIN],
  paperOptions: PaperExchangeOptions = {},
  runtimeOptions: Pick<BotRuntimeOptions, 'syncEveryMs'> = {},
) {
  const ledger = await openLedgerDatabase(target);
  const events = await openDatabase(ledger.test.url);
  const clock = new ManualClock();
  const paper = new PaperExchange({
    file: join(ledger.test.dir, 'paper.db'),
    seed: 3,
    markets: {
      [SYMBOL]: { startPrice: '60000', tickSize: '0.01', volatility: '0.001', spread: '0' },
      [OTHER_SYMBOL]: { startPrice: '3000', tickSize: '0.01', volatility: '0.001', spread: '0' },
    },
    now: () => clock.now(),
    eventsBeforeResponse: true,
    synchronous: 'normal',
    ...paperOptions,
  });
  const runtime = new BotRuntime({ database: ledger, eventsDatabase: events, exchange: paper, plugins: new PluginRegistry(plugins), clock, ...runtimeOptions });
  runtime.start();
  const reader = new LedgerReader(ledger);
  return {
    runtime,
    paper,
    clock,
    orders: (botId: string): Promise<Order[]> => reader.ordersOfBot(botId),
    events: (botId: string) => reader.eventsOf({ botId }),
    async move(price: string, symbol = SYMBOL) {
      paper.control.setPrice(symbol, price);
      await paper.control.drain();
      await runtime.settle();
    },
    async close() {
      await runtime.stop();
      await paper.close();
      await events.close();
      await ledger.close();
    },
  };
}
