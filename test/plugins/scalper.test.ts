/**
 * The built-in scalper, running through the whole loop against the paper exchange: buy at a
 * limit, sell at the take-profit, optional stop-loss, repeat.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { ManualClock } from '../../src/engine/clock.ts';
import { BotRuntime } from '../../src/engine/runtime/runtime.ts';
import { PaperExchange } from '../../src/exchange/paper/index.ts';
import { PluginConfigError, PluginRegistry, parsePluginConfig } from '../../src/plugins/plugin-api.ts';
import { SCALPER_PLUGIN } from '../../src/plugins/scalper.ts';
import { openDatabase } from '../../src/storage/database.ts';
import { LedgerReader } from '../../src/storage/ledger-reader.ts';
import { forEachDialect } from '../support/dialects.ts';
import { openLedgerDatabase } from '../support/ledger-database.ts';

const SYMBOL = 'BTC/USDT';

test('a bad scalper config is refused with every bad field named', () => {
  assert.throws(
    () => parsePluginConfig(SCALPER_PLUGIN, { amount: 1, entryPrice: 'abc', takeProfitPrice: '101' }),
    (error: unknown) => error instanceof PluginConfigError && /^config for plugin "scalper" is invalid: amount: .*; entryPrice: entryPrice must be a decimal string/.test(error.message),
  );
  // Every field of the right type but one price not a decimal: the field is named, no crash in the cross-field rule.
  assert.throws(
    () => parsePluginConfig(SCALPER_PLUGIN, { amount: '0.01', entryPrice: 'abc', takeProfitPrice: '1' }),
    (error: unknown) => error instanceof PluginConfigError && /entryPrice: entryPrice must be a decimal string/.test(error.message),
  );
  assert.throws(() => parsePluginConfig(SCALPER_PLUGIN, { amount: '1', entryPrice: '100', takeProfitPrice: '99' }), /takeProfitPrice: takeProfitPrice must be above entryPrice/);
  assert.throws(() => parsePluginConfig(SCALPER_PLUGIN, { amount: '1', entryPrice: '100', takeProfitPrice: '101', stopLossPrice: '100' }), /stopLossPrice must be below entryPrice/);
  assert.deepEqual(parsePluginConfig(SCALPER_PLUGIN, { amount: '1', entryPrice: '100', takeProfitPrice: '101' }), {
    amount: '1',
    entryPrice: '100',
    takeProfitPrice: '101',
    repeat: true,
  });
});

forEachDialect('scalper plugin on the paper exchange', (target) => {
  async function open() {
    const ledger = await openLedgerDatabase(target);
    const events = await openDatabase(ledger.test.url);
    const clock = new ManualClock();
    const paper = new PaperExchange({
      file: join(ledger.test.dir, 'paper.db'),
      seed: 3,
      markets: { [SYMBOL]: { startPrice: '60000', tickSize: '0.01', volatility: '0.001', spread: '0' } },
      now: () => clock.now(),
      eventsBeforeResponse: true,
      synchronous: 'normal',
    });
    const runtime = new BotRuntime({ database: ledger, eventsDatabase: events, exchange: paper, plugins: new PluginRegistry([SCALPER_PLUGIN]), clock });
    runtime.start();
    const reader = new LedgerReader(ledger);
    const orders = (botId: string) => reader.ordersOfBot(botId);
    const move = async (price: string) => {
      paper.control.setPrice(SYMBOL, price);
      await paper.control.drain();
      await runtime.settle();
    };
    return {
      runtime,
      paper,
      orders,
      move,
      async close() {
        await runtime.stop();
        await paper.close();
        await events.close();
        await ledger.close();
      },
    };
  }

  test('buys at the limit, sells at the take-profit, closes the cycle and repeats', async () => {
    const s = await open();
    try {
      await s.runtime.bots.create({ id: 'scalp1', pluginId: 'scalper', symbol: SYMBOL, config: { amount: '0.01', entryPrice: '59000', takeProfitPrice: '59500' } });
      let orders = await s.orders('scalp1');
      assert.deepEqual(orders.map((o) => [o.intent, o.side, o.price, o.status]), [['entry', 'buy', '59000', 'pending']]);

      await s.move('58990');
      orders = await s.orders('scalp1');
      assert.deepEqual(orders.map((o) => [o.intent, o.status, o.filledAmount]), [
        ['entry', 'ongoing', '0.01'],
        ['exit', 'pending', '0'],
      ]);
      assert.equal(orders[1]?.price, '59500');

      await s.move('59510');
      orders = await s.orders('scalp1');
      assert.deepEqual(orders.map((o) => [o.intent, o.status]), [
        ['entry', 'closed'],
        ['exit', 'closed'],
        ['entry', 'pending'],
      ]);
      assert.match(orders[0]?.reason ?? '', /^Position closed: Take-profit filled at 59500/);
      assert.equal(s.runtime.errors.length, 0, String(s.runtime.errors[0]));
      assert.equal((await s.runtime.bots.get('scalp1')).status, 'active');
    } finally {
      await s.close();
    }
  });

  test('a fill missed while the stream was down is found on reconnect, and the loop goes on', async () => {
    const s = await open();
    try {
      await s.runtime.bots.create({ id: 'scalp3', pluginId: 'scalper', symbol: SYMBOL, config: { amount: '0.01', entryPrice: '59000', takeProfitPrice: '59500' } });
      await s.paper.control.disconnect();
      await s.move('58990');
      assert.deepEqual((await s.orders('scalp3')).map((o) => o.status), ['pending'], 'the fill was pushed while disconnected and lost');
      await s.paper.control.reconnect();
      await s.paper.control.drain();
      await s.runtime.settle();
      const orders = await s.orders('scalp3');
      assert.deepEqual(orders.map((o) => [o.intent, o.status, o.filledAmount]), [
        ['entry', 'ongoing', '0.01'],
        ['exit', 'pending', '0'],
      ]);
      assert.equal(s.runtime.errors.length, 0, String(s.runtime.errors[0]));
    } finally {
      await s.close();
    }
  });

  test('the stop-loss at the venue sells at market, the take-profit is taken down (POSITION_CLOSED) and the bot keeps running', async () => {
    const s = await open();
    try {
      await s.runtime.bots.create({
        id: 'scalp2',
        pluginId: 'scalper',
        symbol: SYMBOL,
        config: { amount: '0.01', entryPrice: '59000', takeProfitPrice: '59500', stopLossPrice: '58000', repeat: false },
      });
      await s.move('58990');
      await s.move('57990');
      await s.runtime.step();
      const orders = await s.orders('scalp2');
      // The engine places the stop when the entry fills, the scalper its take-profit: in either order.
      const of = (intent: string) => orders.filter((o) => o.intent === intent).map((o) => [o.status, o.cancellationReason]);
      assert.deepEqual(of('entry'), [['closed', null]]);
      assert.deepEqual(of('stop_loss'), [['closed', null]], 'the stop at the venue triggered at 58000');
      assert.deepEqual(of('exit'), [['cancelled', 'POSITION_CLOSED']], 'the take-profit left over is taken down');
      assert.equal((await s.runtime.bots.get('scalp2')).status, 'active', 'a POSITION_CLOSED cancel is a system cancel');
      await s.runtime.step();
      assert.equal((await s.orders('scalp2')).length, 3, 'repeat: false places no new entry');
    } finally {
      await s.close();
    }
  });
});
