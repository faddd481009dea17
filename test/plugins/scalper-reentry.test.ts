/**
 * Issue 6, defect 1, the scalper's half: after a stop-out it does not buy again while its
 * stop-loss is still hit; it waits for the price to recover above the stop-loss.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachDialect } from '../support/dialects.ts';
import { openRuntimeFixture, SYMBOL } from '../engine/runtime-fixture.ts';

forEachDialect('scalper re-entry after a stop-out', (target) => {
  test('no entry while the price is at or below the stop-loss; one entry once it has recovered above it', { timeout: 60_000 }, async () => {
    const f = await openRuntimeFixture(target);
    try {
      const config = { amount: '0.01', entryPrice: '59000', takeProfitPrice: '59500', stopLossPrice: '58000' };
      await f.runtime.bots.create({ id: 'sl1', pluginId: 'scalper', symbol: SYMBOL, config });
      await f.move('58990');
      await f.move('57990');
      await f.runtime.step();
      // The engine places the stop when the entry fills, the scalper its take-profit: in either order.
      const intents = async () => (await f.orders('sl1')).map((o) => [o.intent, o.status]).sort((a, b) => String(a).localeCompare(String(b)));
      assert.deepEqual(await intents(), [
        ['entry', 'closed'],
        ['exit', 'cancelled'],
        ['stop_loss', 'closed'],
      ]);
      for (const price of ['57990', '58000', '57000', '58000']) {
        await f.move(price);
        await f.runtime.step();
      }
      assert.equal((await f.orders('sl1')).length, 3, 'no re-entry while the stop-loss is hit');
      await f.move('58000.01');
      await f.runtime.step();
      const orders = await f.orders('sl1');
      assert.equal(orders.length, 6, JSON.stringify(await intents()));
      // The limit buy at 59000 crosses at 58000.01 at once; its take-profit and its stop-loss rest.
      assert.deepEqual(orders.slice(3).map((o) => [o.intent, o.status]).sort((a, b) => String(a).localeCompare(String(b))), [
        ['entry', 'ongoing'],
        ['exit', 'pending'],
        ['stop_loss', 'pending'],
      ]);
      assert.equal((await f.runtime.bots.get('sl1')).status, 'active');
      assert.deepEqual(f.runtime.errors, []);
    } finally {
      await f.close();
    }
  });
});
