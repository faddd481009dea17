/**
 * Acceptance: the race of seed 001. The venue delivers the cancel event, on another database
 * connection, BEFORE the cancel call returns. Update, stop and delete must record their reason
 * (committed, visible to that connection) first; a cancel by hand must stop the bot.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { OrderRef } from '../../src/exchange/exchange-adapter.ts';
import { forEachDialect } from '../support/dialects.ts';
import { openEngineFixture, SYMBOL, scalperConfig } from './engine-fixture.ts';

forEachDialect('bot commands race the venue cancel event', (target) => {
  test('update: the bot stays active, the order shows UPDATE, the log shows a cancel for an update', async () => {
    const seenAtCall: (string | null)[] = [];
    const f = await openEngineFixture(target, {
      wrap: (paper, observer) =>
        Object.assign(Object.create(paper), {
          // Looks at the ledger from a third connection at the moment the venue is called.
          cancelOrder: async (ref: OrderRef) => {
            const row = await observer.read((q) => q.get<{ cancellation_reason: string | null }>('select cancellation_reason from orders where client_order_id = ?', [ref.clientOrderId]));
            seenAtCall.push(row?.cancellation_reason ?? null);
            return paper.cancelOrder(ref);
          },
          placeOrder: (request: Parameters<typeof paper.placeOrder>[0]) => paper.placeOrder(request),
          fetchOrder: (ref: OrderRef) => paper.fetchOrder(ref),
          fetchFills: (ref: OrderRef) => paper.fetchFills(ref),
        }),
    });
    try {
      await f.bots.create({ id: 'scalp1', pluginId: 'scalper', symbol: SYMBOL, config: scalperConfig('59000') });
      const [first] = await f.ordersOfBot('scalp1');
      assert.equal(first?.status, 'pending');
      assert.ok(first?.exchangeOrderId, 'the venue acknowledged the entry');

      const bot = await f.bots.update('scalp1', scalperConfig('58900', '59400'));
      assert.equal(bot.status, 'active', `bot stopped by its own update: ${bot.stopReason}`);
      assert.deepEqual(seenAtCall, ['UPDATE'], 'the UPDATE reason was committed before cancelOrder was called');

      const old = await f.order(first.id);
      assert.equal(old.status, 'cancelled');
      assert.equal(old.cancellationReason, 'UPDATE');
      assert.equal(old.reason, 'Order cancelled for bot update');
      const log = await f.eventsOf({ orderId: old.id });
      const cancel = log.find((entry) => entry.type === 'OrderCanceled' && entry.applied);
      assert.ok(cancel, 'a cancel is logged');
      assert.equal(cancel.source, 'exchange-ws', 'the pushed event, not the REST answer, applied the cancel');
      assert.match(cancel.message, /cancelled for bot update \(cancellation_reason UPDATE\)/);
      assert.ok(!log.some((entry) => /outside botledger/.test(entry.message)));

      const orders = await f.ordersOfBot('scalp1');
      const replacement = orders.find((order) => order.status === 'pending');
      assert.equal(replacement?.price, '58900', 'the replacement carries the new price');
      assert.equal(orders.length, 2);
    } finally {
      await f.close();
    }
  });

  for (const [command, reason, status] of [
    ['stop', 'STOP', 'stopped'],
    ['delete', 'DELETE', 'deleted'],
  ] as const) {
    test(`${command}: the order shows ${reason} and the bot is ${status}, not auto-stopped`, async () => {
      const f = await openEngineFixture(target);
      try {
        await f.bots.create({ id: 'scalp1', pluginId: 'scalper', symbol: SYMBOL, config: scalperConfig() });
        const [order] = await f.ordersOfBot('scalp1');
        const bot = command === 'stop' ? await f.bots.stop('scalp1', 'Stopped by alice') : await f.bots.delete('scalp1', 'Deleted by alice');
        assert.equal(bot.status, status);
        assert.equal(bot.stopReason, command === 'stop' ? 'Stopped by alice' : 'Deleted by alice');
        const after = await f.order(order?.id as string);
        assert.equal(after.status, 'cancelled');
        assert.equal(after.cancellationReason, reason);
        const log = await f.eventsOf({ orderId: after.id });
        const cancel = log.find((entry) => entry.type === 'OrderCanceled' && entry.applied);
        assert.equal(cancel?.source, 'exchange-ws');
        assert.match(cancel?.message ?? '', new RegExp(`cancellation_reason ${reason}`));
        assert.ok(!log.some((entry) => /outside botledger/.test(entry.message)));
      } finally {
        await f.close();
      }
    });
  }

  test('a cancel by hand on the paper exchange stops the bot on that one event', async () => {
    const f = await openEngineFixture(target);
    try {
      await f.bots.create({ id: 'scalp1', pluginId: 'scalper', symbol: SYMBOL, config: scalperConfig() });
      const [order] = await f.ordersOfBot('scalp1');
      assert.ok(order);
      const before = f.processor.commits;
      f.paper.control.cancelByHand({ symbol: SYMBOL, clientOrderId: order.clientOrderId });
      await f.settle();
      assert.equal(f.processor.commits - before, 1, 'one venue event, one commit');
      const bot = await f.bots.get('scalp1');
      assert.equal(bot.status, 'stopped');
      assert.equal(bot.stopReason, `Order ${order.clientOrderId} cancelled outside botledger - bot stopped`);
      const after = await f.order(order.id);
      assert.equal(after.status, 'cancelled');
      assert.equal(after.cancellationReason, 'OUTSIDE');
      const log = await f.eventsOf({ orderId: order.id });
      assert.ok(log.some((entry) => entry.type === 'OrderCanceled' && entry.message === `Order ${order.clientOrderId} cancelled outside botledger - bot stopped`));
      assert.equal((await f.ordersOfBot('scalp1')).length, 1, 'a stopped bot places nothing');
    } finally {
      await f.close();
    }
  });
});
