/**
 * The drift cases of issue 7, through the engine, on every dialect: the engine and the
 * repositories once had two data layers that disagreed. With one (storage's unit of work):
 * JSON null is SQL NULL; an over-precise money value is refused naming its column, never rounded,
 * and nothing is written; the retry scan reads only due orders; every versioned update has one
 * contract (StaleRowError).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Bot, createBot } from '../../src/domain/bot/bot.ts';
import { applyOrderEvent, createOrder, type Order } from '../../src/domain/order/order.ts';
import { newOrderId } from '../../src/engine/orders/execution.ts';
import { RetryScheduler } from '../../src/engine/orders/retries.ts';
import type { ExchangeAdapter, FillReport } from '../../src/exchange/exchange-adapter.ts';
import { StaleRowError } from '../../src/storage/stale-row-error.ts';
import { UnitOfWork } from '../../src/storage/unit-of-work.ts';
import { forEachDialect } from '../support/dialects.ts';
import { type EngineFixture, openEngineFixture, SYMBOL, scalperConfig } from './engine-fixture.ts';

/** A bot and `count` orders recorded in one unit of work (`shape` may change each before it is stored). */
async function seed(f: EngineFixture, count: number, shape: (order: Order, index: number) => Order = (order) => order): Promise<Order[]> {
  const now = new Date(f.clock.now());
  const orders = Array.from({ length: count }, (_, index) =>
    shape(
      createOrder(
        { id: newOrderId(f.clock.now()), clientOrderId: `bl-drift-${(index + 1).toString(36)}`, symbol: SYMBOL, side: 'buy', type: 'limit', intent: 'entry', amount: '1', price: '100', botId: 'drift', pluginId: 'scalper' },
        now,
      ),
      index,
    ),
  );
  await f.execution.transact(async (uow) => {
    uow.insertBot(createBot({ id: 'drift', pluginId: 'scalper', symbol: SYMBOL, config: {} }, now));
    for (const order of orders) uow.insertOrder(order);
  });
  return orders;
}

async function count(f: EngineFixture, sql: string, params: unknown[] = []): Promise<number> {
  const row = await f.observer.read((q) => q.get<{ n: unknown }>(sql, params));
  return Number(row?.n ?? 0);
}

/** The paper exchange, except that a cancel gets no answer and no venue payload (a dropped connection). */
function cancelsTimeOut(paper: ExchangeAdapter): ExchangeAdapter {
  return new Proxy(paper, {
    get(target, property) {
      if (property === 'cancelOrder') return async () => Promise.reject(new Error('socket hang up'));
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

forEachDialect('one data layer: the drift cases', (target) => {
  test('JSON null is stored as SQL NULL through the engine, never the text null', async () => {
    const f = await openEngineFixture(target, { wrap: (paper) => cancelsTimeOut(paper) });
    try {
      await f.bots.create({ id: 'scalp1', pluginId: 'scalper', symbol: SYMBOL, config: scalperConfig() });
      const [order] = await f.ordersOfBot('scalp1');
      assert.ok(order);
      await f.execution.cancelOrder(order.id, 'STOP');
      const unclear = (await f.eventsOf({ orderId: order.id })).filter((event) => event.type === 'CancelUnclear');
      assert.equal(unclear.length, 1, 'the unclear cancel is logged, with no venue payload');
      assert.equal(await count(f, "select count(*) as n from event_log where type = 'CancelUnclear' and payload is null"), 1, 'its payload is SQL NULL');
      assert.equal(await count(f, "select count(*) as n from event_log where cast(payload as text) = 'null'"), 0, 'no row holds the JSON text null');
    } finally {
      await f.close();
    }
  });

  for (const [what, change, refused] of [
    ['an amount with 19 decimals', { amount: '0.0000000000000000001' }, /fills\.amount: amount has 19 digits after the point; at most 18/],
    ['a price with 21 integer digits', { price: '123456789012345678901' }, /fills\.price: price has 21 digits before the point; at most 20/],
  ] as const) {
    test(`a venue fill with ${what} is refused naming the column, not rounded, and nothing is written`, async () => {
      const f = await openEngineFixture(target);
      try {
        const [order] = (await seed(f, 1)) as [Order];
        const before = { fills: await count(f, 'select count(*) as n from fills'), events: await count(f, 'select count(*) as n from event_log'), order: await f.order(order.id) };
        const base: FillReport = {
          tradeId: 't1',
          exchangeOrderId: 'x1',
          clientOrderId: order.clientOrderId,
          symbol: SYMBOL,
          side: 'buy',
          price: '100',
          amount: '0.5',
          fee: '0',
          feeCurrency: 'USDT',
          timestamp: f.clock.now(),
          raw: null,
        };
        const fill: FillReport = { ...base, ...change };
        await assert.rejects(f.processor.handle({ type: 'fill', fill }), refused);
        assert.equal(await count(f, 'select count(*) as n from fills'), before.fills, 'no fill stored');
        assert.equal(await count(f, 'select count(*) as n from event_log'), before.events, 'no event-log row');
        assert.deepEqual(await f.order(order.id), before.order, 'the order is as it was');
        // The same fill with a value that fits goes through the same path.
        const fits: FillReport = { ...fill, price: '100.000000000000000001' };
        await f.processor.handle({ type: 'fill', fill: { ...fits, amount: '0.5' } });
        const [stored] = await f.ledger.fillsOf(order.id);
        assert.deepEqual(stored, { tradeId: 't1', amount: '0.5', price: '100.000000000000000001' }, 'stored exactly, not rounded');
      } finally {
        await f.close();
      }
    });
  }

  test('the retry scan reads only due orders: 10,000 failed orders not yet due are not touched', { timeout: 120_000 }, async () => {
    const f = await openEngineFixture(target, { fastCommits: true });
    try {
      const now = new Date(f.clock.now());
      // Failed now: next retry in 5 s, expiry in a day. One more failed an hour ago with a 1 s TTL: expired.
      const orders = await seed(f, 10_001, (order, index) => {
        if (index < 10_000) return applyOrderEvent(order, { type: 'OrderPlacementFailed', error: 'timeout' }, now).order;
        const placed = new Date(now.getTime() - 3_600_000);
        return applyOrderEvent({ ...order, createdAt: placed.toISOString(), updatedAt: placed.toISOString(), expiresAt: new Date(placed.getTime() + 1_000).toISOString() }, { type: 'OrderPlacementFailed', error: 'timeout' }, placed).order;
      });
      const due = orders[10_000] as Order;
      const versions = () => count(f, "select sum(version) as n from orders where status = 'failed'");
      const before = { versions: await versions(), events: await count(f, 'select count(*) as n from event_log') };
      assert.equal(await count(f, "select count(*) as n from orders where status = 'failed'"), 10_001);

      assert.deepEqual((await f.ledger.failedOrdersDue(now)).map((order) => order.id), [due.id], 'the due query returns the expired order alone');
      const run = await new RetryScheduler(f.execution).runDue();
      assert.deepEqual(run.retried, []);
      assert.deepEqual(run.expired.map((order) => [order.id, order.status, order.cancellationReason]), [[due.id, 'cancelled', 'EXPIRED']]);
      assert.deepEqual(await f.ledger.failedOrdersDue(now), [], 'no failed order is due any more: the statement returns no row');
      assert.equal(await versions(), before.versions - due.version, 'no version of the 10,000 moved');
      assert.equal(await count(f, 'select count(*) as n from event_log'), before.events + 1, 'one event-log row: the expiry');
    } finally {
      await f.close();
    }
  });

  test('one optimistic-update contract: a stale single update and a stale batch both throw StaleRowError naming the rows', async () => {
    const f = await openEngineFixture(target);
    try {
      const [a, b] = (await seed(f, 2)) as [Order, Order];
      const at = new Date(f.clock.now() + 1_000);
      const staleA = await f.order(a.id);
      const staleB = await f.order(b.id);
      // Another connection (the venue-event processor's) changes order a first.
      await f.processor.handle({ type: 'order', report: { exchangeOrderId: 'xa', clientOrderId: a.clientOrderId, symbol: SYMBOL, side: 'buy', type: 'limit', state: 'open', amount: '1', price: '100', filledAmount: '0', timestamp: at.getTime(), raw: null } });
      const cancel = (order: Order) => applyOrderEvent(order, { type: 'OrderCancelRequested', cancellationReason: 'STOP' }, at).order;
      const staleError = (name: string) => (error: unknown) =>
        error instanceof StaleRowError && error.code === 'STALE_ROW' && error.message.includes(`order ${name} (read at version 1`) && !error.message.includes(`order ${b.clientOrderId} (`);

      await assert.rejects(UnitOfWork.run(f.execution.database, async (uow) => uow.saveOrder(staleA, cancel(staleA))), staleError(a.clientOrderId), 'single');
      await assert.rejects(
        UnitOfWork.run(f.execution.database, async (uow) => {
          uow.saveOrder(staleB, cancel(staleB));
          uow.saveOrder(staleA, cancel(staleA));
        }),
        staleError(a.clientOrderId),
        'batch',
      );
      assert.equal((await f.order(b.id)).version, 1, 'the batch rolled back whole: order b is as it was');
      assert.equal((await f.order(a.id)).cancellationReason, null);

      const bot = (await f.execution.ledger.botById('drift')) as Bot;
      await UnitOfWork.run(f.execution.database, async (uow) => uow.saveBot(bot, { ...bot, stopReason: 'first' }));
      await assert.rejects(
        UnitOfWork.run(f.execution.database, async (uow) => uow.saveBot(bot, { ...bot, stopReason: 'second' })),
        (error: unknown) => error instanceof StaleRowError && /bot drift \(read at version 1/.test(error.message),
        'a bot too',
      );
      // Inside one unit of work, saving from a copy older than the one it holds is the same error.
      await assert.rejects(
        UnitOfWork.run(f.execution.database, async (uow) => {
          const held = (await uow.orderById(b.id)) as Order;
          uow.saveOrder(held, cancel(held));
          uow.saveOrder(held, cancel(held));
        }),
        StaleRowError,
      );
    } finally {
      await f.close();
    }
  });
});
