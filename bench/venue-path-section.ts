/**
 * The `venue-path` section of `npm run bench:positions`: what position bookkeeping adds to the
 * venue-event path. The same stream (per order: an acknowledgement, two partial fills, one
 * repeated fill) is applied twice in the same run, alternating: to orders of no bot (no position
 * is kept) and to orders of 100 bots (every fill opens or grows its bot's position, in the fill's
 * transaction). Events/s = events / time until the last is committed. Printed, never asserted.
 */
import { createBot } from '../src/domain/bot/bot.ts';
import { createOrder, type Order } from '../src/domain/order/order.ts';
import { newOrderId } from '../src/engine/orders/execution.ts';
import { VenueEventProcessor } from '../src/engine/venue-events/venue-events.ts';
import type { VenueEvent } from '../src/exchange/exchange-adapter.ts';
import { type BotledgerDatabase, openDatabase } from '../src/storage/database.ts';
import { UnitOfWork } from '../src/storage/unit-of-work.ts';
import { eventsOf, interleave } from './engine-workload.ts';

const BOTS = 100;
const ORDERS = 2_000;
const ROUNDS = 3;

async function seed(database: BotledgerDatabase, tag: string, withBots: boolean): Promise<Order[]> {
  const now = new Date();
  const bots = withBots ? Array.from({ length: BOTS }, (_, i) => createBot({ id: `${tag}-b${i}`, pluginId: 'scalper', symbol: 'BTC/USDT', config: {} }, now)) : [];
  const orders = Array.from({ length: ORDERS }, (_, index) =>
    createOrder(
      {
        id: newOrderId(now.getTime()),
        clientOrderId: `bl-${tag}-${(index + 1).toString(36)}`,
        symbol: 'BTC/USDT',
        side: 'buy',
        type: 'limit',
        intent: 'entry',
        amount: '1',
        price: '60000.5',
        botId: withBots ? `${tag}-b${index % BOTS}` : null,
        pluginId: 'scalper',
      },
      now,
    ),
  );
  await UnitOfWork.run(database, async (uow) => {
    for (const bot of bots) uow.insertBot(bot);
    for (const order of orders) uow.insertOrder(order);
  });
  return orders;
}

async function flood(processor: VenueEventProcessor, events: readonly VenueEvent[]): Promise<number> {
  const start = performance.now();
  await Promise.all(events.map((event) => processor.handle(event)));
  return events.length / ((performance.now() - start) / 1000);
}

export const venuePathSection = {
  name: 'venue-path',
  description: `venue events/s without and with positions (${ORDERS} orders x 4 events, ${BOTS} bots, ${ROUNDS} alternating rounds)`,
  async run(database: BotledgerDatabase): Promise<{ what: string; figures: string }[]> {
    const events = await openDatabase(database.url);
    const processor = VenueEventProcessor.open(events, { venueName: 'Paper exchange' });
    try {
      await flood(processor, interleave((await seed(database, 'warm', true)).map(eventsOf)));
      const rates: Record<'without' | 'with', number[]> = { without: [], with: [] };
      for (let round = 0; round < ROUNDS; round++) {
        for (const kind of round % 2 === 0 ? (['without', 'with'] as const) : (['with', 'without'] as const)) {
          const orders = await seed(database, `${kind}${round}`, kind === 'with');
          rates[kind].push(await flood(processor, interleave(orders.map(eventsOf))));
        }
      }
      const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
      const without = median(rates.without);
      const withPositions = median(rates.with);
      return [
        { what: 'events/s, orders of no bot (no positions)', figures: `${Math.round(without)} (rounds: ${rates.without.map(Math.round).join(', ')})` },
        { what: 'events/s, orders of 100 bots (positions kept)', figures: `${Math.round(withPositions)} (rounds: ${rates.with.map(Math.round).join(', ')})` },
        { what: 'cost of position bookkeeping', figures: `${(((without - withPositions) / without) * 100).toFixed(1)}% fewer events/s` },
      ];
    } finally {
      processor.close();
      await events.close();
    }
  },
};
