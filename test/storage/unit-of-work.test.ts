/**
 * The unit of work publishes what it committed, after COMMIT, with the event-log ids; a rolled
 * back one publishes nothing; bot commands publish like order changes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createBot, stopBot } from '../../src/domain/bot/bot.ts';
import { applyOrderEvent, createOrder } from '../../src/domain/order/order.ts';
import { type CommittedChange, commitHubFor } from '../../src/storage/committed-changes.ts';
import { openDatabase } from '../../src/storage/database.ts';
import { readExecutor } from '../../src/storage/sql/executor.ts';
import { UnitOfWork } from '../../src/storage/unit-of-work.ts';
import { forEachDialect } from '../support/dialects.ts';
import { openLedgerDatabase } from '../support/ledger-database.ts';

const T0 = new Date('2026-01-01T00:00:00.000Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000).toISOString();

forEachDialect('unit of work', (target) => {
  test('publishes each committed change once, after COMMIT, with event-log ids, to every connection of the ledger; a rollback publishes nothing', async () => {
    const ledger = await openLedgerDatabase(target);
    const other = await openDatabase(ledger.test.url);
    const seen: CommittedChange[] = [];
    const stop = commitHubFor(other).subscribe((change) => seen.push(change));
    try {
      const bot = createBot({ id: 'b1', pluginId: 'scalper', symbol: 'BTC/USDT' }, T0);
      const order = createOrder({ id: 'o1', clientOrderId: 'bl-b1-1', symbol: 'BTC/USDT', side: 'buy', type: 'limit', intent: 'entry', amount: '1', price: '100', botId: 'b1', pluginId: 'scalper' }, T0);
      await UnitOfWork.run(ledger, async (uow) => {
        uow.insertBot(bot);
        uow.insertOrder(order);
        uow.appendEvent({ source: 'api', type: 'BotCreated', message: 'Bot b1 created', botId: 'b1', applied: true, at: at(0) });
        assert.equal(seen.length, 0, 'nothing is published before COMMIT');
      });
      assert.equal(seen.length, 1);
      const [created] = seen as [CommittedChange];
      assert.deepEqual(created.bots, [bot]);
      assert.deepEqual(created.orders, [order]);
      const stored = await readExecutor(ledger).all<{ id: unknown }>("select id from event_log where type = 'BotCreated'");
      assert.deepEqual(created.events.map((event) => [event.id, event.type, event.payload]), [[String(stored[0]?.id), 'BotCreated', null]]);

      // A bot command (stop) and an order change from the other connection, in one transaction.
      await UnitOfWork.run(other, async (uow) => {
        const held = (await uow.bot('b1')) ?? assert.fail('bot b1 is stored');
        uow.saveBot(held, stopBot(held, 'by hand', new Date(at(1))).bot);
        const locked = (await uow.orderById('o1')) ?? assert.fail('order o1 is stored');
        uow.saveOrder(locked, applyOrderEvent(locked, { type: 'OrderCancelRequested', cancellationReason: 'STOP' }, new Date(at(1))).order);
        uow.appendEvent({ source: 'api', type: 'BotStopped', message: 'Bot b1 stopped', botId: 'b1', applied: true, at: at(1) });
      });
      assert.equal(seen.length, 2);
      const stopped = seen[1] as CommittedChange;
      assert.deepEqual(stopped.bots.map((b) => [b.id, b.status, b.version]), [['b1', 'stopped', 2]]);
      assert.deepEqual(stopped.orders.map((o) => [o.id, o.cancellationReason, o.version]), [['o1', 'STOP', 2]]);
      assert.ok(Number(stopped.events[0]?.id) > Number(created.events[0]?.id), 'event ids grow in commit order');

      await assert.rejects(
        UnitOfWork.run(ledger, async (uow) => {
          uow.appendEvent({ source: 'api', type: 'Doomed', message: 'never committed', applied: true, at: at(2) });
          throw new Error('changed my mind');
        }),
        /changed my mind/,
      );
      assert.equal(seen.length, 2, 'a rolled back unit of work publishes nothing');
    } finally {
      stop();
      await other.close();
      await ledger.close();
    }
  });
});
