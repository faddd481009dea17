/**
 * Acceptance: venue faults. Timeouts after the venue acted, and duplicated, reordered and dropped
 * events: no order is lost, no fill is duplicated, and filled amounts are exact (the sum of the
 * stored fills, equal to what the venue filled) once reconciliation has asked the venue.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sum } from '../../src/domain/money.ts';
import { Reconciler } from '../../src/engine/recovery/reconciliation.ts';
import { RetryScheduler } from '../../src/engine/orders/retries.ts';
import { forEachDialect } from '../support/dialects.ts';
import { type EngineFixture, openEngineFixture, SYMBOL, scalperConfig } from './engine-fixture.ts';

/** Every ledger order agrees with the venue: status, filled amount = sum of fills = venue's, one row per trade. */
async function assertMatchesVenue(f: EngineFixture, botId: string): Promise<number> {
  const orders = await f.ordersOfBot(botId);
  for (const order of orders) {
    const venue = f.paper.control.order({ symbol: SYMBOL, clientOrderId: order.clientOrderId });
    const fills = await f.ledger.fillsOf(order.id);
    const venueFills = await f.paper.fetchFills({ symbol: SYMBOL, clientOrderId: order.clientOrderId });
    assert.equal(new Set(fills.map((fill) => fill.tradeId)).size, fills.length, `${order.clientOrderId}: a fill is stored twice`);
    assert.deepEqual(fills.map((fill) => fill.tradeId).sort(), venueFills.map((fill) => fill.tradeId).sort(), `${order.clientOrderId}: fills differ from the venue's`);
    assert.equal(order.filledAmount, sum(fills.map((fill) => fill.amount)), `${order.clientOrderId}: filled_amount is not the sum of its fills`);
    if (!venue) {
      assert.equal(order.status, 'failed', `${order.clientOrderId} is unknown to the venue, so it must be failed`);
      continue;
    }
    assert.equal(order.filledAmount, venue.filledAmount, `${order.clientOrderId}: filled amount differs from the venue's`);
    assert.equal(order.exchangeOrderId, venue.exchangeOrderId);
    const expected = { open: 'pending', partially_filled: 'pending', filled: order.intent === 'entry' ? 'ongoing' : 'closed', cancelled: 'cancelled', rejected: 'failed', expired: 'cancelled' }[venue.state];
    assert.equal(order.status, expected, `${order.clientOrderId}: venue says ${venue.state}, ledger says ${order.status}`);
  }
  return orders.length;
}

forEachDialect('venue faults', (target) => {
  test('a placement that timed out after the venue acted, with its events dropped, is found by reconciliation', async () => {
    const f = await openEngineFixture(target);
    try {
      f.paper.control.timeoutNext('placeOrder', 'after');
      f.paper.control.dropNextEvents(5);
      await f.bots.create({ id: 'scalp1', pluginId: 'scalper', symbol: SYMBOL, config: scalperConfig() });
      const [order] = await f.ordersOfBot('scalp1');
      assert.ok(order);
      assert.equal(order.status, 'pending', 'an unclear outcome is never failed');
      assert.equal(order.exchangeOrderId, null);
      assert.ok((await f.eventsOf({ orderId: order.id })).some((entry) => entry.type === 'PlacementUnclear'));

      f.paper.control.dropNextEvents(10);
      f.paper.control.setPrice(SYMBOL, '58990');
      await f.settle();
      assert.equal((await f.order(order.id)).filledAmount, '0', 'the fill events were dropped');

      const report = await new Reconciler(f.execution).reconcilePending();
      assert.equal(report.checked, 1);
      const after = await f.order(order.id);
      assert.equal(after.status, 'ongoing');
      assert.equal(after.filledAmount, '0.01');
      assert.ok(after.exchangeOrderId);
      assert.ok((await f.eventsOf({ orderId: order.id })).some((entry) => entry.source === 'reconciliation' && entry.applied));
      await assertMatchesVenue(f, 'scalp1');
    } finally {
      await f.close();
    }
  });

  test('reconciling a resting order the venue reports unchanged records nothing', async () => {
    const f = await openEngineFixture(target);
    try {
      await f.bots.create({ id: 'scalp1', pluginId: 'scalper', symbol: SYMBOL, config: scalperConfig() });
      await f.settle();
      const [order] = await f.ordersOfBot('scalp1');
      assert.equal(order?.status, 'pending');
      assert.ok(order?.exchangeOrderId, 'the venue acknowledged the order');
      const logged = (await f.eventsOf({ orderId: order.id })).length;
      const reconciler = new Reconciler(f.execution);
      for (let i = 0; i < 3; i++) assert.equal((await reconciler.reconcilePending()).changed.length, 0);
      assert.equal((await f.eventsOf({ orderId: order.id })).length, logged, 'no event per poll');
      assert.deepEqual(await f.order(order.id), order);
    } finally {
      await f.close();
    }
  });

  test('a placement that timed out before the venue acted fails with a reason and is retried', async () => {
    const f = await openEngineFixture(target);
    try {
      f.paper.control.timeoutNext('placeOrder', 'before');
      await f.bots.create({ id: 'scalp1', pluginId: 'scalper', symbol: SYMBOL, config: scalperConfig() });
      const [order] = await f.ordersOfBot('scalp1');
      assert.equal(order?.status, 'pending');
      await new Reconciler(f.execution).reconcilePending();
      const failed = await f.order(order?.id as string);
      assert.equal(failed.status, 'failed');
      assert.equal(failed.reason, `Order could not be placed: Paper exchange has no order ${failed.clientOrderId}: the placement never reached it`);
      f.clock.advance(5_000);
      await new RetryScheduler(f.execution).runDue();
      const placed = await f.order(failed.id);
      assert.equal(placed.status, 'pending');
      assert.equal(placed.retryCount, 1);
      assert.ok(placed.exchangeOrderId);
    } finally {
      await f.close();
    }
  });

  test('an update whose cancel timed out after the venue acted, events dropped: the bot stays active, reconciliation records UPDATE', async () => {
    const f = await openEngineFixture(target);
    try {
      await f.bots.create({ id: 'scalp1', pluginId: 'scalper', symbol: SYMBOL, config: scalperConfig() });
      const [first] = await f.ordersOfBot('scalp1');
      f.paper.control.timeoutNext('cancelOrder', 'after');
      f.paper.control.dropNextEvents(1);
      await f.bots.update('scalp1', scalperConfig('58800', '59300'));
      const pendingCancel = await f.order(first?.id as string);
      assert.equal(pendingCancel.status, 'pending');
      assert.equal(pendingCancel.cancellationReason, 'UPDATE');
      await new Reconciler(f.execution).reconcilePending();
      const after = await f.order(first?.id as string);
      assert.equal(after.status, 'cancelled');
      assert.equal(after.cancellationReason, 'UPDATE');
      const bot = await f.bots.get('scalp1');
      assert.equal(bot.status, 'active', `stopped wrongly: ${bot.stopReason}`);
      await assertMatchesVenue(f, 'scalp1');
    } finally {
      await f.close();
    }
  });

  test('duplicated, reordered and dropped events with partial fills and timeouts: nothing lost, nothing doubled, amounts exact', async () => {
    const f = await openEngineFixture(target, { paper: { liquidity: '0.003', seed: 11 } });
    try {
      await f.bots.create({ id: 'soak', pluginId: 'scalper', symbol: SYMBOL, config: scalperConfig('59950', '60500') });
      f.paper.control.configure({ faults: { duplicateEvent: 0.3, reorderEvent: 0.3, dropEvent: 0.2, timeoutAfterActing: 0.2, timeoutBeforeActing: 0.1 } });
      const prices = ['59990', '59980', '59970', '59960', '59950', '59940', '59930'];
      for (const [index, price] of prices.entries()) {
        await f.execution.placeOrder({ botId: 'soak', side: 'buy', type: 'limit', intent: 'entry', amount: '0.01', price });
        if (index % 2 === 1) {
          const live = (await f.ordersOfBot('soak')).find((order) => order.status === 'pending' && order.cancellationReason === null && order.exchangeOrderId);
          if (live) await f.execution.cancelOrder(live.id, 'REPLACED');
        }
      }
      for (let price = 59995; price >= 59900; price -= 5) {
        f.paper.control.setPrice(SYMBOL, String(price));
        f.paper.control.setPrice(SYMBOL, String(price));
      }
      await f.settle();
      const stats = f.paper.control.stats;
      assert.ok(stats.dropped > 0 && stats.duplicated > 0 && stats.reordered > 0, `faults happened: ${JSON.stringify(stats)}`);

      f.paper.control.configure({ faults: { duplicateEvent: 0, reorderEvent: 0, dropEvent: 0, timeoutAfterActing: 0, timeoutBeforeActing: 0 } });
      await f.settle();
      await new Reconciler(f.execution).reconcilePending();
      await f.settle();
      const count = await assertMatchesVenue(f, 'soak');
      assert.equal(count, prices.length + 1, 'every order recorded is still there');
      assert.equal((await f.bots.get('soak')).status, 'active', 'no system cancel stopped the bot');
    } finally {
      await f.close();
    }
  });
});
