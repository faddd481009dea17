import assert from 'node:assert/strict';
import { test } from 'node:test';
import { autoStopForCancelledOrder, type Bot, createBot, stopBot, updateBotConfig } from '../../../src/domain/bot/bot.ts';
import { makeClientOrderId, parseClientOrderId } from '../../../src/domain/order/client-order-id.ts';
import { type BotledgerDatabase, openDatabase } from '../../../src/storage/database.ts';
import { getBot, listBots } from '../../../src/storage/repositories/bots.ts';
import { StaleRowError } from '../../../src/storage/stale-row-error.ts';
import { UnitOfWork } from '../../../src/storage/unit-of-work.ts';
import { forEachDialect } from '../../support/dialects.ts';
import { openLedgerDatabase } from '../../support/ledger-database.ts';

const T0 = new Date('2026-01-01T00:00:00.000Z');
const T1 = new Date('2026-01-01T00:00:01.000Z');

/** Records a bot through a unit of work (the one write path). */
const insertBot = (database: BotledgerDatabase, bot: Bot) => UnitOfWork.run(database, async (uow) => uow.insertBot(bot));
const nextOrderSequence = (database: BotledgerDatabase, botId: string) => UnitOfWork.run(database, (uow) => uow.nextOrderSequence(botId));

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
      await insertBot(ledger, bot);
      assert.deepEqual(await getBot(ledger.db, 'scalper1'), bot);
      assert.equal(await getBot(ledger.db, 'nope'), undefined);
    } finally {
      await ledger.close();
    }
  });

  test('order sequences are per bot, consecutive, and make parseable client order ids', async () => {
    const ledger = await openLedgerDatabase(target);
    try {
      await insertBot(ledger, createBot({ id: 'a', pluginId: 'p', symbol: 's' }, T0));
      await insertBot(ledger, createBot({ id: 'b', pluginId: 'p', symbol: 's' }, T0));
      const a = [await nextOrderSequence(ledger, 'a'), await nextOrderSequence(ledger, 'a'), await nextOrderSequence(ledger, 'a')];
      assert.deepEqual(a, [1, 2, 3]);
      assert.equal(await nextOrderSequence(ledger, 'b'), 1);
      const id = makeClientOrderId({ botId: 'a', sequence: a[2], maxLength: 32 });
      assert.deepEqual(parseClientOrderId(id), { botId: 'a', sequence: 3 });
      await assert.rejects(nextOrderSequence(ledger, 'ghost'), /bot "ghost" does not exist/);
    } finally {
      await ledger.close();
    }
  });

  test('optimistic update: the outside-cancel auto-stop and a concurrent update cannot both win', async () => {
    const ledger = await openLedgerDatabase(target);
    const other = await openDatabase(ledger.test.url);
    try {
      await insertBot(ledger, createBot({ id: 'b1', pluginId: 'scalper', symbol: 'S' }, T0));
      const viaApi = (await getBot(ledger.db, 'b1')) as Bot;
      const viaWs = (await getBot(other.db, 'b1')) as Bot;
      const stopped = autoStopForCancelledOrder(
        viaWs,
        { clientOrderId: 'bl-b1-7', botId: 'b1', status: 'cancelled', cancellationReason: null },
        T1,
      );
      await UnitOfWork.run(other, async (uow) => uow.saveBot(viaWs, stopped.bot));
      await assert.rejects(
        UnitOfWork.run(ledger, async (uow) => uow.saveBot(viaApi, updateBotConfig(viaApi, { buyPrice: '1' }, T1).bot)),
        (error: unknown) => error instanceof StaleRowError && error.code === 'STALE_ROW' && /bot b1 \(read at version 1/.test(error.message),
        'the stale update is refused',
      );
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
      await insertBot(ledger, createBot({ id: 'a', pluginId: 'scalper', symbol: 's' }, T0));
      await insertBot(ledger, stopBot(createBot({ id: 'b', pluginId: 'scalper', symbol: 's' }, T0), 'by hand', T1).bot);
      await insertBot(ledger, createBot({ id: 'c', pluginId: 'grid', symbol: 's' }, T1));
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
