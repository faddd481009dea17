/**
 * Issue 6, defect 1, the engine's half: protections hold every bot, whatever its plugin does. A
 * plugin caught in a loop is stopped after its orders-per-minute limit or its losing-streak limit,
 * with a reason that names the protection and the numbers; limits are overridable per bot.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PluginConfigError } from '../../src/plugins/plugin-api.ts';
import { forEachDialect } from '../support/dialects.ts';
import { openRuntimeFixture, SYMBOL } from './runtime-fixture.ts';

forEachDialect('protections', (target) => {
  test('a runaway loop is stopped after 5 losing round trips in a row (the default), net of fees, and again after a restart', { timeout: 60_000 }, async () => {
    const f = await openRuntimeFixture(target);
    try {
      await f.runtime.bots.create({ id: 'loop1', pluginId: 'looper', symbol: SYMBOL, config: { amount: '0.01' } });
      await f.runtime.settle();
      const bot = await f.runtime.bots.get('loop1');
      assert.equal(bot.status, 'stopped');
      // Each round trip buys and sells 0.01 at 60000 and pays 0.6 + 0.6 USDT of fees.
      assert.equal(bot.stopReason, 'Stopped by protection: 5 losing round trips in a row, -6 USDT in all (limit 5)');
      const orders = await f.orders('loop1');
      assert.equal(orders.length, 10);
      assert.ok((await f.events('loop1')).some((e) => e.type === 'BotStopped' && e.message === `Bot loop1 stopped: ${bot.stopReason}`));
      assert.deepEqual(f.runtime.errors, []);

      f.clock.advance(1_000); // a person starts it again a second later
      await f.runtime.bots.start('loop1');
      await f.runtime.settle();
      const again = await f.runtime.bots.get('loop1');
      assert.equal(again.status, 'stopped');
      assert.equal(again.stopReason, bot.stopReason, 'counted again from the start');
      assert.equal((await f.orders('loop1')).length, 20);
    } finally {
      await f.close();
    }
  });

  test('per-bot limits in the config: 7 orders a minute stops the loop at 7, and the other bots go on', { timeout: 60_000 }, async () => {
    const f = await openRuntimeFixture(target);
    try {
      await f.runtime.bots.create({ id: 'calm', pluginId: 'scalper', symbol: SYMBOL, config: { amount: '0.01', entryPrice: '59000', takeProfitPrice: '59500' } });
      const config = { amount: '0.01', protections: { maxOrdersPerMinute: 7, maxConsecutiveLosses: 1000 } };
      await f.runtime.bots.create({ id: 'loop2', pluginId: 'looper', symbol: SYMBOL, config });
      await f.runtime.settle();
      const bot = await f.runtime.bots.get('loop2');
      assert.equal(bot.status, 'stopped');
      assert.equal(bot.stopReason, 'Stopped by protection: 7 orders in the last 60 s (limit 7)');
      assert.deepEqual(bot.config.protections, config.protections, 'kept with the bot');
      assert.equal((await f.orders('loop2')).length, 7);
      assert.equal((await f.runtime.bots.get('calm')).status, 'active');

      // A minute later (engine clock) the window is empty again: a started bot gets its 7 again.
      f.clock.advance(61_000);
      await f.runtime.bots.start('loop2');
      await f.runtime.settle();
      assert.equal((await f.orders('loop2')).length, 14);
    } finally {
      await f.close();
    }
  });

  test('a bad protections object is refused naming the field, and nothing is stored', async () => {
    const f = await openRuntimeFixture(target);
    try {
      const cases: [unknown, RegExp][] = [
        [{ maxOrdersPerMinute: 0 }, /protections\.maxOrdersPerMinute: protections\.maxOrdersPerMinute must be a whole number from 1 to 1000000, got 0/],
        [{ maxConsecutiveLosses: '5' }, /protections\.maxConsecutiveLosses: .* got "5"/],
        [{ maxOrders: 5 }, /protections\.maxOrders is not a protection/],
        [[1], /protections: protections must be an object/],
      ];
      for (const [protections, message] of cases) {
        await assert.rejects(
          f.runtime.bots.create({ id: 'bad', pluginId: 'looper', symbol: SYMBOL, config: { amount: '0.01', protections } }),
          (error: unknown) => error instanceof PluginConfigError && message.test(error.message),
        );
      }
      await assert.rejects(f.runtime.bots.get('bad'), /bot bad does not exist/);
    } finally {
      await f.close();
    }
  });
});
