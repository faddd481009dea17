/**
 * The engine reads the venue's capabilities, never its name: each test runs on the paper exchange
 * switched to lack one capability, on SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StartReconciler } from '../../src/engine/recovery/adoption.ts';
import { ExecutionEngine, VenueCapabilityError } from '../../src/engine/orders/execution.ts';
import { Reconciler } from '../../src/engine/recovery/reconciliation.ts';
import { LISTING_SLACK_MS } from '../../src/engine/orders/venue-capabilities.ts';
import { forEachDialect } from '../support/dialects.ts';
import { openEngineFixture, SYMBOL, scalperConfig } from './engine-fixture.ts';
import { openRuntimeFixture } from './runtime-fixture.ts';
import { SCALPER_PLUGIN } from '../../src/plugins/scalper.ts';

const NO_CLIENT_ID_LOOKUP = { paper: { capabilities: { fetchByClientOrderId: false } } };

forEachDialect('venue capabilities', (target) => {
  test('no lookup by client order id: an order the venue never acknowledged to us is found by listing its orders', async () => {
    const f = await openEngineFixture(target, NO_CLIENT_ID_LOOKUP);
    try {
      f.paper.control.timeoutNext('placeOrder', 'after');
      f.paper.control.dropNextEvents(5);
      await f.bots.create({ id: 'scalp1', pluginId: 'scalper', symbol: SYMBOL, config: scalperConfig() });
      const [order] = await f.ordersOfBot('scalp1');
      assert.equal(order?.exchangeOrderId, null);
      f.paper.control.dropNextEvents(10);
      f.paper.control.setPrice(SYMBOL, '58990');
      await f.settle();

      const report = await new Reconciler(f.execution).reconcilePending();
      assert.deepEqual(report.failed, undefined);
      const after = await f.order(order.id);
      assert.equal(after.status, 'ongoing');
      assert.equal(after.filledAmount, '0.01');
      assert.equal(after.exchangeOrderId, f.paper.control.order({ symbol: SYMBOL, clientOrderId: order.clientOrderId })?.exchangeOrderId);
    } finally {
      await f.close();
    }
  });

  test('no lookup by client order id: an acknowledged order is asked for by its exchange order id', async () => {
    const f = await openEngineFixture(target, NO_CLIENT_ID_LOOKUP);
    try {
      await f.bots.create({ id: 'scalp1', pluginId: 'scalper', symbol: SYMBOL, config: scalperConfig() });
      await f.settle();
      const [order] = await f.ordersOfBot('scalp1');
      assert.ok(order?.exchangeOrderId);
      f.paper.control.dropNextEvents(10);
      f.paper.control.setPrice(SYMBOL, '58990');
      await f.settle();
      assert.equal((await f.order(order.id)).status, 'pending', 'the fill events were dropped');

      const report = await new Reconciler(f.execution).reconcilePending();
      assert.deepEqual(report.failed, undefined);
      assert.equal((await f.order(order.id)).status, 'ongoing');
    } finally {
      await f.close();
    }
  });

  test('no lookup by client order id: a placement that never reached the venue fails, and the reason says how the venue was asked', async () => {
    const f = await openEngineFixture(target, NO_CLIENT_ID_LOOKUP);
    try {
      f.paper.control.timeoutNext('placeOrder', 'before');
      await f.bots.create({ id: 'scalp1', pluginId: 'scalper', symbol: SYMBOL, config: scalperConfig() });
      const [order] = await f.ordersOfBot('scalp1');
      await new Reconciler(f.execution).reconcilePending();
      const failed = await f.order(order?.id as string);
      assert.equal(failed.status, 'failed');
      const since = new Date(Date.parse(failed.createdAt) - LISTING_SLACK_MS).toISOString();
      assert.equal(
        failed.reason,
        `Order could not be placed: Paper exchange has no order ${failed.clientOrderId}: the placement never reached it (searched its ${SYMBOL} orders since ${since}: Paper exchange cannot look an order up by client order id)`,
      );
    } finally {
      await f.close();
    }
  });

  test('no lookup by client order id: a cancel of an order whose venue id the ledger lacks learns the id first', async () => {
    const f = await openEngineFixture(target, NO_CLIENT_ID_LOOKUP);
    try {
      f.paper.control.timeoutNext('placeOrder', 'after');
      f.paper.control.dropNextEvents(5);
      await f.bots.create({ id: 'scalp1', pluginId: 'scalper', symbol: SYMBOL, config: scalperConfig() });
      const [order] = await f.ordersOfBot('scalp1');
      assert.equal(order?.exchangeOrderId, null);
      await f.bots.stop('scalp1', 'Stopped by hand', 'cli');
      await f.settle();
      const after = await f.order(order.id);
      assert.equal(after.status, 'cancelled');
      assert.equal(after.cancellationReason, 'STOP');
      assert.equal(f.paper.control.order({ symbol: SYMBOL, clientOrderId: order.clientOrderId })?.state, 'cancelled');
    } finally {
      await f.close();
    }
  });

  test('no lookup by client order id: reconciliation at start checks the venue knows the ledger by exchange order id, and adopts a lost order', async () => {
    const f = await openEngineFixture(target, NO_CLIENT_ID_LOOKUP);
    try {
      await f.bots.create({ id: 'b1', pluginId: 'scalper', symbol: SYMBOL, config: scalperConfig() });
      await f.settle();
      f.paper.control.dropNextEvents(100);
      await f.paper.placeOrder({ clientOrderId: 'bl-b1-5', symbol: SYMBOL, side: 'sell', type: 'limit', amount: '0.01', price: '61000' });
      await f.paper.control.drain();
      const report = await new StartReconciler(f.execution).run();
      assert.deepEqual(report.adopted, ['bl-b1-5']);
      assert.deepEqual(report.sequencesRaised, [{ botId: 'b1', sequence: 5 }]);
    } finally {
      await f.close();
    }
  });

  test('no stop orders: an order with a stop price is refused before anything is recorded, naming the capability', async () => {
    const f = await openEngineFixture(target, { paper: { capabilities: { stopOrders: false } } });
    try {
      await f.bots.create({ id: 'scalp1', pluginId: 'scalper', symbol: SYMBOL, config: scalperConfig() });
      const before = await f.ordersOfBot('scalp1');
      await assert.rejects(
        f.execution.placeOrder({ botId: 'scalp1', side: 'sell', type: 'market', intent: 'stop_loss', amount: '0.01', stopPrice: '58000' }),
        (error: unknown) => {
          assert.ok(error instanceof VenueCapabilityError);
          assert.equal(error.code, 'VENUE_CAPABILITY_MISSING');
          assert.equal(error.capability, 'stopOrders');
          assert.equal(
            error.message,
            'Paper exchange takes no stop orders (capability stopOrders is off), so the stop_loss order with stopPrice 58000 for bot scalp1 is refused; nothing was recorded',
          );
          return true;
        },
      );
      assert.deepEqual(await f.ordersOfBot('scalp1'), before);
    } finally {
      await f.close();
    }
  });

  test('the venue names itself: reasons use the adapter display name, with no venue-name special case', async () => {
    const f = await openEngineFixture(target, { paper: { displayName: 'Sim venue' } });
    try {
      const execution = ExecutionEngine.open(f.caller, { exchange: f.paper, clock: f.clock });
      assert.equal(execution.venueName, 'Sim venue');
      await f.bots.create({ id: 'scalp1', pluginId: 'scalper', symbol: SYMBOL, config: scalperConfig() });
      f.paper.control.rejectNext('placeOrder', { retMsg: 'no' });
      const rejected = await execution.placeOrder({ botId: 'scalp1', side: 'buy', type: 'limit', intent: 'entry', amount: '0.01', price: '58000' });
      assert.equal(rejected.status, 'failed');
      assert.match(rejected.reason, /^Sim venue rejected the order: /);
    } finally {
      await f.close();
    }
  });

  test('no stream: the runtime does not subscribe and polls every pending order on every step', async () => {
    const f = await openRuntimeFixture(target, [SCALPER_PLUGIN], { capabilities: { streaming: false } });
    try {
      assert.equal(f.runtime.polling, true);
      await f.runtime.bots.create({ id: 'scalp1', pluginId: 'scalper', symbol: SYMBOL, config: scalperConfig() });
      const [entry] = await f.orders('scalp1');
      assert.ok(entry?.exchangeOrderId, 'the REST answer is recorded');
      await f.move('58990');
      assert.equal((await f.orders('scalp1'))[0]?.status, 'pending', 'nothing was pushed');

      // Polled even when the caller would skip reconciliation this step.
      const report = await f.runtime.step({ reconcile: false });
      assert.equal(report.reconciled, 1);
      const orders = await f.orders('scalp1');
      const filled = orders.find((order) => order.id === entry.id);
      assert.equal(filled?.status, 'ongoing');
      assert.equal(filled?.filledAmount, '0.01');
      assert.ok(
        orders.some((order) => order.intent === 'exit' && order.status === 'pending'),
        'the plugin heard of the fill and placed its exit',
      );
    } finally {
      await f.close();
    }
  });
});
