/**
 * Issue 6, defect 3: one failed venue call or one broken bot never aborts runtime.step(). The
 * failure is logged, counted in the step report and tried again next step; the step goes on with
 * the other orders and bots.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_FAILED_STEPS } from '../../src/engine/runtime/runtime.ts';
import { forEachDialect } from '../support/dialects.ts';
import { OTHER_SYMBOL, openRuntimeFixture, SYMBOL } from './runtime-fixture.ts';

const RESTING = { amount: '0.01', entryPrice: '59000', takeProfitPrice: '59500' };

forEachDialect('a step survives failures', (target) => {
  test("the issue's reproduction: fetchOrder times out during reconciliation; the step goes on, the other order is reconciled, the failed one next step", { timeout: 60_000 }, async () => {
    const f = await openRuntimeFixture(target);
    try {
      for (const id of ['r1', 'r2']) {
        f.paper.control.timeoutNext('placeOrder', 'after');
        f.paper.control.dropNextEvents(5);
        await f.runtime.bots.create({ id, pluginId: 'scalper', symbol: SYMBOL, config: RESTING });
      }
      assert.deepEqual((await f.orders('r1')).map((o) => [o.status, o.exchangeOrderId]), [['pending', null]]);
      f.paper.control.failNext('fetchOrder', { kind: 'timeout-before' });
      const report = await f.runtime.step();
      assert.equal(report.reconciled, 2);
      assert.equal(report.failures.length, 1, JSON.stringify(report.failures));
      assert.equal(report.failures[0].scope, 'reconcile');
      assert.match(report.failures[0].message, /^reconciling order bl-r1-1 failed: /);
      assert.equal((await f.orders('r1'))[0].exchangeOrderId, null, 'left as it was');
      assert.ok((await f.orders('r2'))[0].exchangeOrderId, 'the other order was still reconciled');

      const next = await f.runtime.step();
      assert.deepEqual(next.failures, []);
      assert.ok((await f.orders('r1'))[0].exchangeOrderId, 'checked again next step');
      assert.equal((await f.runtime.bots.get('r1')).status, 'active');
    } finally {
      await f.close();
    }
  });

  test('fetchTicker failing for one symbol: its bots wait a step, the other symbol trades', { timeout: 60_000 }, async () => {
    const f = await openRuntimeFixture(target);
    try {
      await f.runtime.bots.create({ id: 'btc', pluginId: 'scalper', symbol: SYMBOL, config: RESTING });
      await f.runtime.bots.create({ id: 'eth', pluginId: 'scalper', symbol: OTHER_SYMBOL, config: { amount: '0.1', entryPrice: '2990', takeProfitPrice: '3010' } });
      f.paper.control.failNext('fetchTicker', { kind: 'timeout-before' });
      const report = await f.runtime.step();
      assert.deepEqual(report.failures.map((failure) => [failure.scope, failure.symbol]), [['ticker', SYMBOL]]);
      assert.equal(report.bots, 2);
      assert.deepEqual((await f.runtime.step()).failures, []);
    } finally {
      await f.close();
    }
  });

  test('a plugin that throws stops its own bot with the plugin\'s words; the bot next to it goes on', { timeout: 60_000 }, async () => {
    const f = await openRuntimeFixture(target);
    try {
      await f.runtime.bots.create({ id: 'broken', pluginId: 'thrower', symbol: SYMBOL, config: { throwOnTick: true } });
      await f.runtime.bots.create({ id: 'fine', pluginId: 'scalper', symbol: SYMBOL, config: RESTING });
      await f.runtime.step();
      const broken = await f.runtime.bots.get('broken');
      assert.equal(broken.status, 'stopped');
      assert.equal(broken.stopReason, 'Stopped: plugin thrower failed in onTick: division by zero in my strategy');
      await f.move('58990');
      await f.runtime.step();
      assert.deepEqual((await f.orders('fine')).map((o) => [o.intent, o.status]), [
        ['entry', 'ongoing'],
        ['exit', 'pending'],
      ]);
      assert.equal((await f.runtime.bots.get('fine')).status, 'active');
    } finally {
      await f.close();
    }
  });

  test(`a bot failing ${MAX_FAILED_STEPS} steps in a row for a reason that is neither the bot's nor the venue's (its ledger reads) is stopped with the error; each failure is in the event log`, { timeout: 60_000 }, async () => {
    const f = await openRuntimeFixture(target);
    try {
      await f.runtime.bots.create({ id: 'ghostly', pluginId: 'scalper', symbol: SYMBOL, config: RESTING });
      await f.runtime.bots.create({ id: 'fine', pluginId: 'scalper', symbol: SYMBOL, config: RESTING });
      // The plugins' reactions to their first orders finish before the fault, so that each step
      // below is the only thing that reads the faulty ledger (a reaction still running would report
      // its own failure in the first step's report).
      await f.runtime.settle();
      // A storage fault for one bot's reads (a real disk error cannot be aimed at one bot).
      const reader = f.runtime.execution.ledger;
      const lastClosedExit = reader.lastClosedExit.bind(reader);
      reader.lastClosedExit = async (botId) => {
        if (botId === 'ghostly') throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' });
        return lastClosedExit(botId);
      };
      for (let i = 1; i <= MAX_FAILED_STEPS; i++) {
        const report = await f.runtime.step();
        assert.deepEqual(report.failures.map((failure) => [failure.scope, failure.botId]), [['bot', 'ghostly']]);
      }
      const bot = await f.runtime.bots.get('ghostly');
      assert.equal(bot.status, 'stopped');
      assert.equal(bot.stopReason, `Stopped after ${MAX_FAILED_STEPS} failed steps in a row: disk I/O error`);
      const logged = (await f.events('ghostly')).filter((e) => e.type === 'BotStepFailed');
      assert.equal(logged.length, MAX_FAILED_STEPS);
      assert.match(logged[0].message, /^a step of bot ghostly failed: disk I\/O error - tried again next step \(1 of 3/);
      assert.equal((await f.runtime.bots.get('fine')).status, 'active');
    } finally {
      await f.close();
    }
  });

  test('a plugin asking for the impossible (cancelling an order that does not exist) stops its own bot at once, naming the error; the others go on', { timeout: 60_000 }, async () => {
    const f = await openRuntimeFixture(target);
    try {
      await f.runtime.bots.create({ id: 'ghostly', pluginId: 'thrower', symbol: SYMBOL, config: { throwOnTick: false, badCancel: true } });
      await f.runtime.bots.create({ id: 'fine', pluginId: 'scalper', symbol: SYMBOL, config: RESTING });
      const report = await f.runtime.step();
      assert.deepEqual(report.failures, []);
      const bot = await f.runtime.bots.get('ghostly');
      assert.equal(bot.status, 'stopped');
      assert.match(bot.stopReason ?? '', /^Bot cannot run: order ghost does not exist - bot stopped$/);
      assert.equal((await f.runtime.bots.get('fine')).status, 'active');
    } finally {
      await f.close();
    }
  });

  test('a placement whose fills cannot be fetched: the step goes on, the next reconciliation completes the stop-loss', { timeout: 60_000 }, async () => {
    // A venue without stop orders: botledger watches the price and places the market stop-loss in the step.
    const f = await openRuntimeFixture(target, undefined, { capabilities: { stopOrders: false } });
    try {
      await f.runtime.bots.create({ id: 'sl', pluginId: 'scalper', symbol: SYMBOL, config: { ...RESTING, stopLossPrice: '58000', repeat: false } });
      await f.runtime.bots.create({ id: 'fine', pluginId: 'scalper', symbol: SYMBOL, config: { amount: '0.01', entryPrice: '57000', takeProfitPrice: '57500' } });
      await f.move('58990');
      f.paper.control.setPrice(SYMBOL, '57990');
      await f.paper.control.drain();
      // The stop-loss's events are lost and its fills cannot be fetched when its answer comes back.
      f.paper.control.dropNextEvents(20);
      f.paper.control.failNext('fetchFills', { kind: 'timeout-before' });
      const report = await f.runtime.step({ reconcile: false });
      assert.deepEqual(report.failures.map((failure) => failure.scope), ['stop-loss']);
      assert.match(report.failures[0]?.message ?? '', /^stop-loss of position \S+: .*timed out/);
      f.clock.advance(5_000);
      const next = await f.runtime.step();
      assert.deepEqual(next.failures, []);
      const orders = await f.orders('sl');
      assert.deepEqual(orders.map((o) => [o.intent, o.status]).sort((a, b) => String(a).localeCompare(String(b))), [
        ['entry', 'closed'],
        ['exit', 'cancelled'],
        ['stop_loss', 'closed'],
      ]);
      assert.equal((await f.runtime.bots.get('sl')).status, 'active', 'a venue failure never stops a bot');
    } finally {
      await f.close();
    }
  });
});
