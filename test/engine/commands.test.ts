/**
 * The engine's command entry point: `execute(command)` carries out an imperative command, and the
 * event log records the past-tense event it made.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachDialect } from '../support/dialects.ts';
import { openEngineFixture, SYMBOL, scalperConfig } from './engine-fixture.ts';

forEachDialect('engine commands', (target) => {
  test('PlaceOrder then CancelOrder: placed at the venue, then cancelled with its reason; the log says OrderSubmitted and OrderCancelRequested', async () => {
    const f = await openEngineFixture(target);
    try {
      await f.bots.create({ id: 'cmd', pluginId: 'scalper', symbol: SYMBOL, config: scalperConfig() });
      const placed = await f.execution.execute({ type: 'PlaceOrder', botId: 'cmd', side: 'buy', orderType: 'limit', intent: 'entry', amount: '0.01', price: '58000' }, 'api');
      assert.equal(placed.status, 'pending');
      assert.equal(placed.type, 'limit');
      assert.ok(placed.exchangeOrderId, 'the venue acknowledged it');
      const cancelled = await f.execution.execute({ type: 'CancelOrder', orderId: placed.id, cancellationReason: 'STOP', actor: 'api:alice' }, 'api');
      await f.settle();
      const after = await f.order(cancelled.id);
      assert.equal(after.status, 'cancelled');
      assert.equal(after.cancellationReason, 'STOP');
      const log = await f.eventsOf({ orderId: placed.id });
      assert.deepEqual(
        log.filter((entry) => entry.source === 'api').map((entry) => [entry.type, entry.applied]),
        [
          ['OrderSubmitted', true],
          ['OrderCancelRequested', true],
        ],
      );
    } finally {
      await f.close();
    }
  });

  test('a command the table refuses changes nothing and is logged as its event with applied = false', async () => {
    const f = await openEngineFixture(target);
    try {
      await f.bots.create({ id: 'cmd', pluginId: 'scalper', symbol: SYMBOL, config: scalperConfig() });
      const [order] = await f.ordersOfBot('cmd');
      const change = await f.execution.decide({ type: 'DropOrder', orderId: order?.id as string, actor: 'alice' }, 'cli');
      assert.equal(change.applied, false);
      assert.equal(change.explanation, `OrderDropped was not applied to order ${order?.clientOrderId} (pending): only a failed order can be dropped; cancel a pending order instead`);
      assert.deepEqual(await f.order(order?.id as string), order);
      const retried = await f.execution.execute({ type: 'RetryOrder', orderId: order?.id as string, actor: 'alice' }, 'cli');
      assert.equal(retried.version, order?.version, 'a pending order is not placed again');
      const logged = (await f.eventsOf({ orderId: order?.id as string })).filter((entry) => entry.source === 'cli');
      assert.deepEqual(
        logged.map((entry) => [entry.type, entry.applied]),
        [
          ['OrderDropped', false],
          ['OrderRetried', false],
        ],
      );
    } finally {
      await f.close();
    }
  });
});
