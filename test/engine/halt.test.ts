/**
 * Issue 6, defect 8, the engine's half: halt() stops a runtime at the next safe point even while a
 * bot keeps trading inside one step: the command in flight finishes (intent committed, venue
 * answer recorded) and no other starts.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachDialect } from '../support/dialects.ts';
import { openRuntimeFixture, SYMBOL } from './runtime-fixture.ts';

forEachDialect('halting a runtime', (target) => {
  test('a bot in an endless loop: halt() ends the step within a second, and nothing is left half done', { timeout: 60_000 }, async () => {
    const f = await openRuntimeFixture(target);
    try {
      const limits = { maxOrdersPerMinute: 1_000_000, maxConsecutiveLosses: 1_000_000 };
      await f.runtime.bots.create({ id: 'endless', pluginId: 'looper', symbol: SYMBOL, config: { amount: '0.01', protections: limits } });
      const step = f.runtime.step();
      await new Promise((resolve) => setTimeout(resolve, 500));
      const before = (await f.orders('endless')).length;
      assert.ok(before > 4, `the loop is running (${before} orders)`);
      const halted = Date.now();
      f.runtime.halt();
      const report = await step;
      await f.runtime.settle();
      const seconds = (Date.now() - halted) / 1000;
      assert.ok(seconds < 1, `halt took ${seconds} s`);
      assert.equal(report.interrupted, true);
      const orders = await f.orders('endless');
      await f.runtime.step();
      await f.paper.control.drain();
      await f.runtime.settle();
      assert.equal((await f.orders('endless')).length, orders.length, 'nothing starts after halt');
      for (const order of orders) {
        assert.ok(order.exchangeOrderId, `${order.clientOrderId} has the venue's answer`);
        assert.notEqual(order.status, 'pending', `${order.clientOrderId} is not half done`);
      }
      assert.equal((await f.runtime.bots.get('endless')).status, 'active', 'halting is not stopping the bot');
    } finally {
      await f.close();
    }
  });
});
