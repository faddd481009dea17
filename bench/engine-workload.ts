/**
 * The venue-event workload of the engine benchmark: a bot with many resting orders, and for each
 * order the events a venue's stream sends while it fills: the acknowledgement, two partial fills,
 * and one repeated fill (a duplicate the ledger must ignore). Every event writes its state change
 * and its event-log row; nothing is acknowledged before its COMMIT returned.
 */
import { createBot } from '../src/domain/bot/bot.ts';
import { createOrder, type Order } from '../src/domain/order/order.ts';
import { newOrderId } from '../src/engine/orders/execution.ts';
import type { VenueEvent } from '../src/exchange/exchange-adapter.ts';
import type { BotledgerDatabase } from '../src/storage/database.ts';
import { UnitOfWork } from '../src/storage/unit-of-work.ts';

export const EVENTS_PER_ORDER = 4;
const SYMBOL = 'BTC/USDT';

/** Inserts a bot and `count` pending orders (one transaction); returns the orders. */
export async function seedOrders(database: BotledgerDatabase, botId: string, count: number): Promise<Order[]> {
  const now = new Date();
  const orders = Array.from({ length: count }, (_, index) =>
    createOrder(
      {
        id: newOrderId(now.getTime()),
        clientOrderId: `bl-${botId}-${(index + 1).toString(36)}`,
        symbol: SYMBOL,
        side: 'buy',
        type: 'limit',
        intent: 'entry',
        amount: '1',
        price: '60000.5',
        botId,
        pluginId: 'scalper',
      },
      now,
    ),
  );
  await UnitOfWork.run(database, async (uow) => {
    uow.insertBot(createBot({ id: botId, pluginId: 'scalper', symbol: SYMBOL, config: {} }, now));
    for (const order of orders) uow.insertOrder(order);
  });
  return orders;
}

/** The events of one order, in the order a venue sends them. */
export function eventsOf(order: Order, index: number): VenueEvent[] {
  const exchangeOrderId = `ex-${order.clientOrderId}`;
  const at = Date.now();
  const fill = (trade: string, amount: string, price: string): VenueEvent => ({
    type: 'fill',
    fill: {
      tradeId: `${index}-${trade}`,
      exchangeOrderId,
      clientOrderId: order.clientOrderId,
      symbol: SYMBOL,
      side: 'buy',
      price,
      amount,
      fee: '0.01',
      feeCurrency: 'USDT',
      timestamp: at,
      raw: { id: `${index}-${trade}`, order: exchangeOrderId, amount, price },
    },
  });
  return [
    {
      type: 'order',
      report: {
        exchangeOrderId,
        clientOrderId: order.clientOrderId,
        symbol: SYMBOL,
        side: 'buy',
        type: 'limit',
        state: 'open',
        amount: '1',
        price: '60000.5',
        filledAmount: '0',
        timestamp: at,
        raw: { id: exchangeOrderId, status: 'open' },
      },
    },
    fill('a', '0.4', '60000.5'),
    fill('b', '0.6', '60000.25'),
    fill('b', '0.6', '60000.25'),
  ];
}

/**
 * Interleaves the orders' event lists round-robin (as a stream mixing many orders), keeping each
 * order's own events in order.
 */
export function interleave(lists: readonly VenueEvent[][]): VenueEvent[] {
  const out: VenueEvent[] = [];
  for (let step = 0; step < EVENTS_PER_ORDER; step++) {
    for (let start = 0; start < lists.length; start += 50) {
      for (const list of lists.slice(start, start + 50)) {
        const event = list[step];
        if (event) out.push(event);
      }
    }
  }
  return out;
}
