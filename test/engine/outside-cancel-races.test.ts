/**
 * Issue 6, defect 4: a person cancels the order at the venue just before a bot command (update,
 * stop, delete) arrives, and the venue's cancel event is held back until after the command. The
 * venue answers botledger's cancel with "already cancelled" (110010); botledger must ask who
 * cancelled and when, and record an OUTSIDE cancel that stops the bot, not its own UPDATE.
 *
 * Deterministic: the venue's event is held on a `delivery: 'manual'` stream while the command runs.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ExchangeAdapter, OrderRef, OrderStatusReport } from '../../src/exchange/exchange-adapter.ts';
import type { PaperExchange } from '../../src/exchange/paper/index.ts';
import { forEachDialect } from '../support/dialects.ts';
import { type EngineFixture, openEngineFixture, SYMBOL, scalperConfig } from './engine-fixture.ts';

/** Cancels the bot's live order by hand and holds back the venue's event (nothing reaches botledger yet). */
async function cancelByHandHeldBack(f: EngineFixture, botId: string) {
  const [order] = await f.ordersOfBot(botId);
  assert.ok(order?.exchangeOrderId, 'the entry is live at the venue');
  f.paper.control.configure({ delivery: 'manual', eventsBeforeResponse: false });
  f.paper.control.cancelByHand({ symbol: SYMBOL, clientOrderId: order.clientOrderId });
  assert.equal(f.paper.control.pendingEvents().length, 1, "the venue's cancel event is held back");
  return order;
}

/** Lets the held-back event (and anything after it) through, and waits until it is committed. */
async function release(f: EngineFixture): Promise<void> {
  f.paper.control.configure({ delivery: 'auto', eventsBeforeResponse: true });
  await f.settle();
}

/** A venue that does not say who cancelled (like most real ones): only the time decides. */
function withoutCanceledBy(paper: PaperExchange): ExchangeAdapter {
  const strip = (report: OrderStatusReport | undefined): OrderStatusReport | undefined => {
    if (!report) return report;
    const { canceledBy: _dropped, ...rest } = report as OrderStatusReport & { canceledBy?: unknown };
    return rest as OrderStatusReport;
  };
  return Object.assign(Object.create(paper), {
    placeOrder: (request: Parameters<typeof paper.placeOrder>[0]) => paper.placeOrder(request),
    cancelOrder: (ref: OrderRef) => paper.cancelOrder(ref),
    fetchOrder: async (ref: OrderRef) => strip(await paper.fetchOrder(ref)),
    fetchFills: (ref: OrderRef) => paper.fetchFills(ref),
  });
}

forEachDialect('a cancel by hand just before a bot command', (target) => {
  test('update: the order ends OUTSIDE, the bot is stopped, the new config is saved, nothing new is placed', async () => {
    const f = await openEngineFixture(target);
    try {
      await f.bots.create({ id: 'scalp1', pluginId: 'scalper', symbol: SYMBOL, config: scalperConfig('59000') });
      const order = await cancelByHandHeldBack(f, 'scalp1');

      const bot = await f.bots.update('scalp1', scalperConfig('58900', '59400'));
      assert.equal(bot.status, 'stopped', 'the outside cancel stops the bot');
      assert.equal(bot.stopReason, `Order ${order.clientOrderId} cancelled outside botledger - bot stopped`);
      assert.equal(bot.config.entryPrice, '58900', "the update's new config is saved");

      const after = await f.order(order.id);
      assert.equal(after.status, 'cancelled');
      assert.equal(after.cancellationReason, 'OUTSIDE');
      assert.equal(after.reason, `Order ${order.clientOrderId} cancelled outside botledger - bot stopped`);
      assert.equal((await f.ordersOfBot('scalp1')).length, 1, 'no replacement is placed while the bot is stopped');

      const log = await f.eventsOf({ orderId: order.id });
      const refused = log.find((entry) => entry.type === 'OrderCancelRejected');
      assert.ok(refused, "the venue's 'already cancelled' answer is logged");
      assert.equal(refused.applied, false);
      const payload = await f.observer.read((q) =>
        q.get<{ payload: unknown }>("select payload from event_log where order_id = ? and type = 'OrderCancelRejected'", [order.id]),
      );
      const raw = typeof payload?.payload === 'string' ? JSON.parse(payload.payload) : payload?.payload;
      assert.equal((raw as { retCode?: number }).retCode, 110010, "the venue's raw answer is kept");
      const cancel = log.find((entry) => entry.type === 'OrderCanceled' && entry.applied);
      assert.match(cancel?.message ?? '', /cancelled outside botledger - bot stopped/);
      assert.match(cancel?.message ?? '', /before botledger's UPDATE request/);

      // The held-back event arrives late: it changes nothing, and the bot stays stopped.
      await release(f);
      assert.equal((await f.bots.get('scalp1')).status, 'stopped');
      assert.equal((await f.ordersOfBot('scalp1')).length, 1);

      // Started again, the bot trades with the new config.
      await f.bots.start('scalp1');
      await f.settle();
      const orders = await f.ordersOfBot('scalp1');
      assert.equal(orders.length, 2);
      assert.equal(orders[1]?.price, '58900');
    } finally {
      await f.close();
    }
  });

  for (const [command, status, stopReason] of [
    ['stop', 'stopped', 'Stopped by alice'],
    ['delete', 'deleted', 'Deleted by alice'],
  ] as const) {
    test(`${command}: the order ends OUTSIDE (not ${command.toUpperCase()}), the bot is ${status}`, async () => {
      const f = await openEngineFixture(target);
      try {
        await f.bots.create({ id: 'scalp1', pluginId: 'scalper', symbol: SYMBOL, config: scalperConfig() });
        const order = await cancelByHandHeldBack(f, 'scalp1');
        const bot = command === 'stop' ? await f.bots.stop('scalp1', stopReason) : await f.bots.delete('scalp1', stopReason);
        assert.equal(bot.status, status);
        assert.equal(bot.stopReason, stopReason, "the user's own reason stays: the bot was already on its way down");
        const after = await f.order(order.id);
        assert.equal(after.status, 'cancelled');
        assert.equal(after.cancellationReason, 'OUTSIDE');
        const log = await f.eventsOf({ orderId: order.id });
        assert.ok(log.some((entry) => entry.type === 'OrderCancelRejected' && !entry.applied));
        assert.ok(
          log.some((entry) => entry.type === 'OrderCanceled' && entry.applied && /cancelled outside botledger/.test(entry.message)),
        );
        await release(f);
        assert.equal((await f.order(order.id)).cancellationReason, 'OUTSIDE');
        assert.equal((await f.bots.get('scalp1')).status, status);
      } finally {
        await f.close();
      }
    });
  }

  test("the person's cancel event arrives after botledger recorded its UPDATE, before it calls the venue: still OUTSIDE", async () => {
    const f = await openEngineFixture(target, {
      wrap: (paper) =>
        Object.assign(Object.create(paper), {
          placeOrder: (request: Parameters<typeof paper.placeOrder>[0]) => paper.placeOrder(request),
          // The held-back event is delivered (and committed) between botledger's commit and its call.
          cancelOrder: async (ref: OrderRef) => {
            await paper.control.deliver(1);
            return paper.cancelOrder(ref);
          },
          fetchOrder: (ref: OrderRef) => paper.fetchOrder(ref),
          fetchFills: (ref: OrderRef) => paper.fetchFills(ref),
        }),
    });
    try {
      await f.bots.create({ id: 'scalp1', pluginId: 'scalper', symbol: SYMBOL, config: scalperConfig('59000') });
      const order = await cancelByHandHeldBack(f, 'scalp1');
      const bot = await f.bots.update('scalp1', scalperConfig('58900', '59400'));
      assert.equal(bot.status, 'stopped');
      const after = await f.order(order.id);
      assert.equal(after.cancellationReason, 'OUTSIDE');
      const applied = (await f.eventsOf({ orderId: order.id })).filter((entry) => entry.type === 'OrderCanceled' && entry.applied);
      assert.equal(applied.length, 1);
      assert.equal(applied[0]?.source, 'exchange-ws', 'the pushed event decided, on the other connection');
      assert.match(applied[0]?.message ?? '', /a person cancelled it there, before botledger's UPDATE request reached it/);
      assert.equal((await f.ordersOfBot('scalp1')).length, 1);
      await release(f);
    } finally {
      await f.close();
    }
  });

  test("a venue that does not say who cancelled: the venue's cancel time before botledger's request decides", async () => {
    const f = await openEngineFixture(target, { wrap: (paper) => withoutCanceledBy(paper) });
    try {
      await f.bots.create({ id: 'scalp1', pluginId: 'scalper', symbol: SYMBOL, config: scalperConfig('59000') });
      const order = await cancelByHandHeldBack(f, 'scalp1');
      f.clock.advance(1000); // the person cancelled a second before botledger's request
      const bot = await f.bots.update('scalp1', scalperConfig('58900', '59400'));
      assert.equal(bot.status, 'stopped');
      assert.equal((await f.order(order.id)).cancellationReason, 'OUTSIDE');
      assert.equal((await f.ordersOfBot('scalp1')).length, 1);
      await release(f);
    } finally {
      await f.close();
    }
  });

  for (const [venue, wrap] of [
    ['a venue that says who cancelled', undefined],
    ['a venue that says only when', withoutCanceledBy],
  ] as const)
    test(`botledger's own cancel that timed out and is asked again stays UPDATE (${venue})`, async () => {
      const f = await openEngineFixture(target, wrap ? { wrap: (paper) => wrap(paper) } : {});
      try {
        await f.bots.create({ id: 'scalp1', pluginId: 'scalper', symbol: SYMBOL, config: scalperConfig('59000') });
        const [order] = await f.ordersOfBot('scalp1');
        assert.ok(order);
        f.paper.control.configure({ delivery: 'manual', eventsBeforeResponse: false });
        f.paper.control.timeoutNext('cancelOrder', 'after');
        f.clock.advance(1000);
        await f.execution.cancelOrder(order.id, 'UPDATE', 'api');
        assert.equal((await f.order(order.id)).status, 'pending', 'no clear answer: still pending');
        f.clock.advance(1000);
        const after = await f.execution.cancelOrder(order.id, 'UPDATE', 'api');
        assert.equal(after.status, 'cancelled');
        assert.equal(after.cancellationReason, 'UPDATE');
        assert.equal((await f.bots.get('scalp1')).status, 'active');
        await release(f);
        assert.equal((await f.order(order.id)).cancellationReason, 'UPDATE');
      } finally {
        await f.close();
      }
    });
});
