/**
 * Commit lanes are keyed by the order's bot: an order's events take one lane whichever reference
 * the venue put in them (only the exchange order id, only the client order id, or both), so on
 * PostgreSQL with three lanes they are still applied in the order they arrived, and every order of
 * one bot takes that bot's lane (two lanes never lock one bot's position).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createBot } from '../../src/domain/bot/bot.ts';
import { createOrder, type Order } from '../../src/domain/order/order.ts';
import { newOrderId } from '../../src/engine/orders/execution.ts';
import { OrderLanes } from '../../src/engine/venue-events/order-lanes.ts';
import { VenueEventProcessor } from '../../src/engine/venue-events/venue-events.ts';
import type { FillReport, VenueEvent } from '../../src/exchange/exchange-adapter.ts';
import { CommitHub } from '../../src/storage/committed-changes.ts';
import { openDatabase } from '../../src/storage/database.ts';
import { forEachDialect } from '../support/dialects.ts';
import { type EngineFixture, openEngineFixture, SYMBOL } from './engine-fixture.ts';

const ORDERS = 30;
const FILLS = 10;
const LANES = 3;
const BOTS = 6;

/** BOTS bots and ORDERS acknowledged orders of amount 1 spread over them, stored directly. */
async function storeOrders(f: EngineFixture): Promise<Order[]> {
  const now = new Date(f.clock.now());
  const bots = Array.from({ length: BOTS }, (_, index) => createBot({ id: `ln${index}`, pluginId: 'scalper', symbol: SYMBOL, config: {} }, now));
  const orders = Array.from({ length: ORDERS }, (_, index) => ({
    ...createOrder({ id: newOrderId(f.clock.now()), clientOrderId: `bl-ln${index % BOTS}-${(index + 1).toString(36)}`, symbol: SYMBOL, side: 'buy', type: 'limit', intent: 'entry', amount: '1', price: '100', botId: `ln${index % BOTS}`, pluginId: 'scalper' }, now),
    // Venue ids unlike the client ids, as real ones are (a reference hash then rarely agrees).
    exchangeOrderId: `ex-${(((index + 1) * 2654435761) >>> 0).toString(36)}`,
  }));
  await f.execution.transact(async (uow) => {
    for (const bot of bots) uow.insertBot(bot);
    for (const order of orders) uow.insertOrder(order);
  });
  return orders;
}

/** Fill `k` of an order, carrying only the client order id, only the exchange order id, or both. */
function fillEvent(f: EngineFixture, order: Order, k: number, refs: 'client' | 'exchange' | 'both'): VenueEvent {
  const fill: FillReport = {
    tradeId: `t${k}`,
    exchangeOrderId: refs === 'client' ? '' : (order.exchangeOrderId as string),
    clientOrderId: refs === 'exchange' ? '' : order.clientOrderId,
    symbol: SYMBOL,
    side: 'buy',
    price: '100',
    amount: '0.1',
    fee: '0',
    feeCurrency: 'USDT',
    timestamp: f.clock.now(),
    raw: { trade: k },
  };
  return { type: 'fill', fill };
}

forEachDialect('commit lanes by bot', (target) => {
  test("every event of one order takes its bot's lane, whichever reference it carries (read from storage on a miss)", async () => {
    const f = await openEngineFixture(target);
    try {
      const orders = await storeOrders(f);
      const lanes = new OrderLanes(f.events.db, LANES);
      const events = orders.flatMap((order) => [fillEvent(f, order, 0, 'exchange'), fillEvent(f, order, 1, 'client'), fillEvent(f, order, 2, 'both')]);
      assert.equal(lanes.cachedLane(events[0] as VenueEvent), undefined, 'nothing is indexed before the read');
      await lanes.load(events);
      const used = new Set<number>();
      const laneOfBot = new Map<string, number>();
      for (const order of orders) {
        const own = [fillEvent(f, order, 3, 'exchange'), fillEvent(f, order, 4, 'client'), fillEvent(f, order, 5, 'both')].map((event) => lanes.cachedLane(event));
        assert.equal(new Set(own).size, 1, `order ${order.clientOrderId} took lanes ${own.join(', ')}`);
        assert.notEqual(own[0], undefined);
        const botLane = laneOfBot.get(order.botId as string) ?? (own[0] as number);
        assert.equal(own[0], botLane, `order ${order.clientOrderId} takes the lane of its bot ${order.botId}`);
        laneOfBot.set(order.botId as string, botLane);
        used.add(own[0] as number);
      }
      assert.ok(used.size > 1, 'bots spread over the lanes');
    } finally {
      await f.close();
    }
  });

  test('a committed order published on the ledger hub is indexed with no storage read; an unknown order still gets a deterministic lane', async () => {
    const f = await openEngineFixture(target);
    try {
      const [order] = await storeOrders(f);
      const hub = new CommitHub();
      const lanes = new OrderLanes(f.events.db, LANES, hub);
      hub.publish({ events: [], orders: [order as Order], fills: [], bots: [], positions: [], trades: [] });
      const byExchange = lanes.cachedLane(fillEvent(f, order as Order, 0, 'exchange'));
      assert.notEqual(byExchange, undefined);
      assert.equal(lanes.cachedLane(fillEvent(f, order as Order, 1, 'client')), byExchange);
      lanes.close();

      const ghost = { ...(order as Order), id: 'ghost', clientOrderId: 'bl-ghost-1', exchangeOrderId: 'x-ghost' };
      const unknown = fillEvent(f, ghost, 0, 'exchange');
      const fresh = new OrderLanes(f.events.db, LANES);
      await fresh.load([unknown]);
      assert.equal(fresh.cachedLane(unknown), undefined, 'storage does not know it either');
      assert.equal(fresh.laneOf(unknown), new OrderLanes(f.events.db, LANES).laneOf(unknown), 'the same lane every time');
    } finally {
      await f.close();
    }
  });

  if (target.dialect === 'postgres') {
    test('3 lanes on PostgreSQL: fills that carry only one reference each stay in arrival order per order', async () => {
      const f = await openEngineFixture(target);
      const connection = await openDatabase(f.caller.test.url);
      try {
        const orders = await storeOrders(f);
        const processor = VenueEventProcessor.open(connection, { clock: f.clock, venueName: 'Paper exchange', lanes: LANES, maxBatch: 4 });
        const handled: Promise<unknown>[] = [];
        // Each order's fills back to back, alternating the reference, all handed in at once: keyed by
        // the reference, an order's fills would sit at different depths of two lanes' queues.
        for (const order of orders) {
          for (let k = 0; k < FILLS; k++) handled.push(processor.handle(fillEvent(f, order, k, k % 2 === 0 ? 'client' : 'exchange')));
        }
        await Promise.all(handled);
        await processor.idle();
        processor.close();
        for (const order of orders) {
          const stored = await f.order(order.id);
          assert.equal(stored.filledAmount, '1', `${order.clientOrderId}: every fill applied`);
          // The fills' own rows (each fill also moves its bot's position, in rows of their own).
          const fills = (await f.eventsOf({ orderId: order.id })).filter((entry) => entry.type === 'OrderPartiallyFilled' || entry.type === 'OrderFilled');
          const logged = fills.map((entry) => /^Fill (t\d+):/.exec(entry.message)?.[1]);
          assert.deepEqual(
            logged,
            Array.from({ length: FILLS }, (_, k) => `t${k}`),
            `${order.clientOrderId}: fills committed in arrival order`,
          );
        }
      } finally {
        await connection.close();
        await f.close();
      }
    });
  }
});
