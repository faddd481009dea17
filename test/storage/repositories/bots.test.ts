import assert from 'node:assert/strict';
import { test } from 'node:test';
import { autoStopForCancelledOrder, type Bot, createBot, stopBot, updateBotConfig } from '../../../src/domain/bot/bot.ts';
import { makeClientOrderId, parseClientOrderId } from '../../../src/domain/order/client-order-id.ts';
import { openDatabase } from '../../../src/storage/database.ts';
import { getBot, insertBot, listBots, nextOrderSequence, updateBot } from '../../../src/storage/repositories/bots.ts';
import { forEachDialect } from '../../support/dialects.ts';
import { openLedgerDatabase } from '../../support/ledger-database.ts';

const T0 = new Date('2026-01-01T00:00:00.000Z');
const T1 = new Date('2026-01-01T00:00:01.000Z');

forEachDialect('bots repository', (target) => {
  test('a bot round-trips, config JSON included', async () => {
    const ledger = await openLedgerDatabase(target);
    try {
      const bot = createBot(
        {
          id: 'scalper1',
          pluginId: 'scalper',
          symbol: 'BTC/USDT',
          orderTtlMs: 31_536_000_000, // the longest a bot may have (a year)
          config: { buyPrice: '100.5', levels: [1, 2], nested: { on: true, note: null } },
        },
        T0,
      );
      await insertBot(ledger.db, bot);
      assert.deepEqual(await getBot(ledger.db, 'scalper1'), bot);
      assert.equal(await getBot(ledger.db, 'nope'), undefined);
    } finally {
      await ledger.close();
    }
  });

  test('order sequences are per bot, consecutive, and make parseable client order ids', async () => {
    const ledger = await openLedgerDatabase(target);
    try {
      await insertBot(ledger.db, createBot({ id: 'a', pluginId: 'p', symbol: 's' }, T0));
      await insertBot(ledger.db, createBot({ id: 'b', pluginId: 'p', symbol: 's' }, T0));
      const a = [await nextOrderSequence(ledger.db, 'a'), await nextOrderSequence(ledger.db, 'a'), await nextOrderSequence(ledger.db, 'a')];
      assert.deepEqual(a, [1, 2, 3]);
      assert.equal(await nextOrderSequence(ledger.db, 'b'), 1);
      const id = makeClientOrderId({ botId: 'a', sequence: a[2], maxLength: 32 });
      assert.deepEqual(parseClientOrderId(id), { botId: 'a', sequence: 3 });
      await assert.rejects(nextOrderSequence(ledger.db, 'ghost'), /bot "ghost" does not exist/);
    } finally {
      await ledger.close();
    }
  });

  test('optimistic update: the outside-cancel auto-stop and a concurrent update cannot both win', async () => {
    const ledger = await openLedgerDatabase(target);
    const other = await openDatabase(ledger.test.url);
    try {
      await insertBot(ledger.db, createBot({ id: 'b1', pluginId: 'scalper', symbol: 'S' }, T0));
      const viaApi = (await getBot(ledger.db, 'b1')) as Bot;
      const viaWs = (await getBot(other.db, 'b1')) as Bot;
      const stopped = autoStopForCancelledOrder(
        viaWs,
        { clientOrderId: 'bl-b1-7', botId: 'b1', status: 'cancelled', cancellationReason: null },
        T1,
      );
      assert.equal(await updateBot(other.db, stopped.bot), true);
      assert.equal(await updateBot(ledger.db, updateBotConfig(viaApi, { buyPrice: '1' }, T1).bot), false, 'the stale update is refused');
      const stored = (await getBot(ledger.db, 'b1')) as Bot;
      assert.equal(stored.status, 'stopped');
      assert.equal(stored.stopReason, 'Order bl-b1-7 cancelled outside botledger - bot stopped');
      assert.equal(stored.version, 2);
      assert.deepEqual(stored.config, {});
    } finally {
      await other.close();
      await ledger.close();
    }
  });

  test('list by status and plugin', async () => {
    const ledger = await openLedgerDatabase(target);
    try {
      await insertBot(ledger.db, createBot({ id: 'a', pluginId: 'scalper', symbol: 's' }, T0));
      await insertBot(ledger.db, stopBot(createBot({ id: 'b', pluginId: 'scalper', symbol: 's' }, T0), 'by hand', T1).bot);
      await insertBot(ledger.db, createBot({ id: 'c', pluginId: 'grid', symbol: 's' }, T1));
      assert.deepEqual(
        (await listBots(ledger.db, { status: 'active' })).items.map((b) => b.id),
        ['c', 'a'],
      );
      assert.deepEqual(
        (await listBots(ledger.db, { pluginId: 'scalper' }, { direction: 'asc' })).items.map((b) => b.id),
        ['a', 'b'],
      );
    } finally {
      await ledger.close();
    }
  });
});
