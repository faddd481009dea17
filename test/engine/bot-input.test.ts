/**
 * Issue 6, defects 2 and 9 through the library: every value of BotService.create/update is checked
 * before anything is stored (money column, the venue's market rules, the symbol, the TTL), a bot
 * whose stored values cannot run is stopped with a reason without stopping the others, and an
 * update that would sell the open position at once at a loss is caught.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Bot, createBot } from '../../src/domain/bot/bot.ts';
import { ImmediateLossError } from '../../src/engine/bots/update-preview.ts';
import { forEachDialect } from '../support/dialects.ts';
import { type EngineFixture, SYMBOL, scalperConfig } from './engine-fixture.ts';
import { openRulesFixture, tableCounts } from './rules-fixture.ts';

/** A bot row as an older botledger could have stored it, bypassing today's checks. */
async function storeUnchecked(f: EngineFixture, bot: Partial<Bot> & { id: string; config: Bot['config'] }): Promise<void> {
  const base = createBot({ id: bot.id, pluginId: 'scalper', symbol: SYMBOL }, f.execution.now());
  await f.execution.transact(async (uow) => uow.insertBot({ ...base, ...bot }));
}

forEachDialect('bot input is checked before anything is stored', (target) => {
  test('bad values of create exit with the field named and write nothing (defect 2)', async () => {
    const f = await openRulesFixture(target);
    try {
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ config: scalperConfig('59000', '59500', { amount: '0.0000000000000000001' }) }, /amount: amount has 19 digits after the point; at most 18/],
        [{ config: scalperConfig('123456789012345678901', '123456789012345678902') }, /entryPrice: entryPrice has 21 digits before the point; at most 20/],
        [{ config: scalperConfig('59000', `1${'0'.repeat(39)}`) }, /takeProfitPrice: takeProfitPrice has 40 digits before the point/],
        [{ config: scalperConfig('59000.001', '59500') }, /entryPrice: entryPrice 59000\.001 is not on the tick grid of BTC\/USDT \(tick size 0\.01\): use 59000 or 59000\.01/],
        [{ config: scalperConfig('59000', '59500', { stopLossPrice: '58000.005' }) }, /stopLossPrice: stopLossPrice 58000\.005 is not on the tick grid/],
        [{ config: scalperConfig('59000', '2000000') }, /takeProfitPrice: takeProfitPrice 2000000 is above the highest price 1000000 of BTC\/USDT/],
        [{ config: scalperConfig('59000', '59500', { amount: '0.000001' }) }, /amount: amount 0\.000001 is below the minimum amount 0\.00001 of BTC\/USDT/],
        [{ config: scalperConfig('59000', '59500', { amount: '0.012345' }) }, /amount: amount 0\.012345 is not a multiple of the lot size 0\.00001 of BTC\/USDT: use 0\.01234 or 0\.01235/],
        [{ config: scalperConfig('59000', '59500', { amount: '10000' }) }, /amount 10000 is above the maximum amount 9000/],
        [{ config: scalperConfig('59000', '59500', { amount: '0.00005' }) }, /amount: amount x entryPrice = 2\.95 is below the minimum order value \(notional\) 5 of BTC\/USDT/],
        [{ symbol: 'DOGE/USDT' }, /symbol "DOGE\/USDT" is not a market of Paper exchange; its markets: BTC\/USDT, ETH\/USDT/],
        [{ orderTtlMs: 8_640_000_000_000_000 }, /orderTtlMs must be a positive integer of milliseconds, at most 31536000000/],
        [{ orderTtlMs: 0 }, /orderTtlMs must be a positive integer/],
      ];
      const before = await tableCounts(f);
      for (const [change, message] of cases) {
        await assert.rejects(f.bots.create({ id: 'b1', pluginId: 'scalper', symbol: SYMBOL, config: scalperConfig(), ...change }), message, JSON.stringify(change));
        assert.deepEqual(await tableCounts(f), before, `nothing stored for ${JSON.stringify(change)}`);
      }
      assert.deepEqual(await f.paper.fetchOpenOrders(), [], 'nothing reached the venue');
      const created = await f.bots.create({ id: 'b1', pluginId: 'scalper', symbol: SYMBOL, config: scalperConfig('59000', '59500', { stopLossPrice: '58000' }) });
      assert.equal(created.status, 'active', 'the same bot with good values is created');
    } finally {
      await f.close();
    }
  });

  test('update checks the new config the same way and changes nothing when it is refused', async () => {
    const f = await openRulesFixture(target);
    try {
      await f.bots.create({ id: 'u1', pluginId: 'scalper', symbol: SYMBOL, config: scalperConfig() });
      const before = await tableCounts(f);
      await assert.rejects(f.bots.update('u1', scalperConfig('59000.001', '59500')), /entryPrice: entryPrice 59000\.001 is not on the tick grid/);
      await assert.rejects(f.bots.update('u1', scalperConfig('59000', `1${'0'.repeat(39)}`)), /takeProfitPrice has 40 digits before the point/);
      assert.deepEqual(await tableCounts(f), before);
      assert.deepEqual((await f.bots.get('u1')).config, { ...scalperConfig(), repeat: true });
    } finally {
      await f.close();
    }
  });

  test('a stored bot that cannot run is stopped with a reason naming the field; the other bots go on', async () => {
    const f = await openRulesFixture(target);
    try {
      await f.bots.create({ id: 'good', pluginId: 'scalper', symbol: SYMBOL, config: scalperConfig() });
      // As stored by a botledger without these checks: the entry (above the market) fills at once,
      // then the take-profit can never be placed.
      await storeUnchecked(f, { id: 'huge-tp', config: { amount: '0.01', entryPrice: '61000', takeProfitPrice: `1${'0'.repeat(39)}`, repeat: true } });
      await storeUnchecked(f, { id: 'off-grid', config: { amount: '0.01', entryPrice: '59000.001', takeProfitPrice: '59500', repeat: true } });
      await storeUnchecked(f, { id: 'ttl', orderTtlMs: 8_640_000_000_000_000, config: { amount: '0.01', entryPrice: '59000', takeProfitPrice: '59500', repeat: true } });
      await storeUnchecked(f, { id: 'doge', symbol: 'DOGE/USDT', config: { amount: '100', entryPrice: '0.1', takeProfitPrice: '0.2', repeat: true } });
      for (let step = 0; step < 3; step++) {
        for (const id of ['doge', 'good', 'huge-tp', 'off-grid', 'ttl']) await f.bots.tick(id);
        await f.settle();
      }
      const expected: Record<string, RegExp> = {
        'huge-tp': /^Bot cannot run: config for plugin "scalper" is invalid: takeProfitPrice: takeProfitPrice has 40 digits before the point; at most 20 are stored - bot stopped$/,
        'off-grid': /^Bot cannot run: .*entryPrice: entryPrice 59000\.001 is not on the tick grid of BTC\/USDT/,
        ttl: /^Bot cannot run: orderTtlMs must be a positive integer of milliseconds, at most 31536000000 \(a year\), got 8640000000000000 - bot stopped$/,
        doge: /^Bot cannot run: symbol "DOGE\/USDT" is not a market of Paper exchange/,
      };
      for (const [id, reason] of Object.entries(expected)) {
        const bot = await f.bots.get(id);
        assert.equal(bot.status, 'stopped', `${id}: ${JSON.stringify(await f.ordersOfBot(id))}`);
        assert.match(bot.stopReason ?? '', reason, id);
        const events = await f.eventsOf({ botId: id });
        assert.ok(events.some((event) => event.type === 'BotStopped' && event.source === 'engine' && event.applied), `${id}: BotStopped logged`);
      }
      assert.equal((await f.ordersOfBot('off-grid')).length, 0, 'the off-grid order was never recorded, so it is not retried forever');
      assert.equal((await f.bots.get('good')).status, 'active');
      assert.equal((await f.ordersOfBot('good')).filter((order) => order.status === 'pending').length, 1, 'the good bot keeps its order');
    } finally {
      await f.close();
    }
  });

  test('a plugin that throws stops only its own bot', async () => {
    const f = await openRulesFixture(target);
    try {
      await f.bots.create({ id: 'good', pluginId: 'scalper', symbol: SYMBOL, config: scalperConfig() });
      f.bots.plugins.register({
        id: 'broken',
        description: 'throws on every tick',
        configSchema: (await import('zod')).z.object({}),
        onStart: () => [],
        onTick: () => {
          throw new TypeError("Cannot read properties of undefined (reading 'price')");
        },
        onOrderUpdate: () => [],
      });
      await f.bots.create({ id: 'bad', pluginId: 'broken', symbol: SYMBOL, config: {} });
      await f.bots.tick('bad');
      await f.bots.tick('good');
      const bad = await f.bots.get('bad');
      assert.equal(bad.status, 'stopped');
      // A throwing hook is stopped by the hook's own guard, naming the plugin and the hook.
      assert.equal(bad.stopReason, "Stopped: plugin broken failed in onTick: Cannot read properties of undefined (reading 'price')");
      assert.equal((await f.bots.get('good')).status, 'active');
    } finally {
      await f.close();
    }
  });

  test('update: a take-profit below the market with an open position is an immediate loss, refused unless allowed (defect 9)', async () => {
    const f = await openRulesFixture(target);
    try {
      // The entry at 61000 crosses the 60000 market: bought at once at 60000. The take-profit at 62000 rests.
      await f.bots.create({ id: 'tp', pluginId: 'scalper', symbol: SYMBOL, config: scalperConfig('61000', '62000') });
      await f.settle();
      await f.bots.tick('tp');
      await f.settle();
      f.paper.control.setPrice(SYMBOL, '59800');
      await f.settle();
      const lower = scalperConfig('59000', '59700');
      const sales = await f.bots.previewUpdate('tp', lower);
      assert.deepEqual(sales, [{ type: 'limit', amount: '0.01', limitPrice: '59700', expectedPrice: '59800', entryPrice: '60000', loss: '2' }]);
      const before = await tableCounts(f);
      await assert.rejects(f.bots.update('tp', lower, 'api', { immediateLoss: 'refuse' }), (error: unknown) => {
        assert.ok(error instanceof ImmediateLossError);
        assert.match(error.message, /a limit sell at 59700 of 0\.01 would execute at once at about 59800 \(the bid\), below the 60000 it was bought at: a loss of about 2 before fees/);
        return true;
      });
      assert.deepEqual(await tableCounts(f), before, 'refused: nothing changed');
      assert.deepEqual(await f.bots.previewUpdate('tp', scalperConfig('59000', '59900')), [], 'a take-profit above the market sells nothing at once');
      assert.deepEqual(
        await f.bots.previewUpdate('tp', scalperConfig('60000', '62000', { stopLossPrice: '59850' })),
        [{ type: 'market', amount: '0.01', expectedPrice: '59800', entryPrice: '60000', loss: '2' }],
        'a stop-loss raised above the market sells at once at market',
      );
      await f.bots.update('tp', lower, 'api', { immediateLoss: 'allow' });
      await f.settle();
      const exits = (await f.ordersOfBot('tp')).filter((order) => order.intent === 'exit');
      assert.deepEqual(
        exits.map((order) => [order.price, order.status, order.cancellationReason]),
        [
          ['62000', 'cancelled', 'UPDATE'],
          ['59700', 'closed', null],
        ],
      );
    } finally {
      await f.close();
    }
  });
});
