/**
 * Group commit: events that arrive together share one durable COMMIT, and none is acknowledged
 * before that commit: when `handle` resolves, another connection already sees the change.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createBot } from '../../src/domain/bot/bot.ts';
import { createOrder } from '../../src/domain/order/order.ts';
import { newOrderId } from '../../src/engine/orders/execution.ts';
import { GroupCommitter } from '../../src/engine/venue-events/group-commit.ts';
import type { FillReport } from '../../src/exchange/exchange-adapter.ts';
import { forEachDialect } from '../support/dialects.ts';
import { openEngineFixture, SYMBOL } from './engine-fixture.ts';

const ORDERS = 40;

forEachDialect('group commit of venue events', (target) => {
  test('40 fills arriving together: few commits, each acknowledged only once visible to another connection', async () => {
    const f = await openEngineFixture(target);
    try {
      const now = new Date(f.clock.now());
      const bot = createBot({ id: 'gc', pluginId: 'scalper', symbol: SYMBOL, config: {} }, now);
      const orders = Array.from({ length: ORDERS }, (_, index) =>
        createOrder({ id: newOrderId(f.clock.now()), clientOrderId: `bl-gc-${(index + 1).toString(36)}`, symbol: SYMBOL, side: 'buy', type: 'limit', intent: 'entry', amount: '1', price: '100', botId: 'gc', pluginId: 'scalper' }, now),
      );
      await f.execution.transact(async (uow) => {
        uow.insertBot(bot);
        for (const order of orders) uow.insertOrder(order);
      });
      const fill = (index: number, trade: string, amount: string): FillReport => ({
        tradeId: trade,
        exchangeOrderId: `x${index}`,
        clientOrderId: orders[index]?.clientOrderId as string,
        symbol: SYMBOL,
        side: 'buy',
        price: '100.5',
        amount,
        fee: '0',
        feeCurrency: 'USDT',
        timestamp: f.clock.now(),
        raw: { trade },
      });
      const before = f.processor.commits;
      const seenAtAck: string[] = [];
      await Promise.all(
        orders.flatMap((order, index) => [
          f.processor.handle({ type: 'fill', fill: fill(index, `t${index}a`, '0.25') }),
          f.processor.handle({ type: 'fill', fill: fill(index, `t${index}b`, '0.75') }).then(async () => {
            seenAtAck.push((await f.order(order.id)).status);
          }),
          // A repeat inside the same batch is a no-op.
          f.processor.handle({ type: 'fill', fill: fill(index, `t${index}a`, '0.25') }),
        ]),
      );
      const commits = f.processor.commits - before;
      assert.ok(commits >= 1 && commits <= 6, `${ORDERS * 3} events arriving together took ${commits} commits (at most one or two per commit lane)`);
      assert.deepEqual(seenAtAck, Array(ORDERS).fill('ongoing'), 'each acknowledgement came after its commit');
      for (const order of orders) {
        const stored = await f.order(order.id);
        assert.equal(stored.filledAmount, '1');
        assert.equal(stored.averagePrice, '100.5');
        assert.equal(stored.exchangeOrderId, `x${orders.indexOf(order)}`);
        const fills = await f.ledger.fillsOf(order.id);
        assert.equal(fills.length, 2, 'the repeated fill was not stored twice');
      }
      const duplicates = await f.observer.read((q) => q.get<{ n: unknown }>("select count(*) as n from event_log where type = 'FillDuplicate'"));
      assert.equal(Number(duplicates?.n), ORDERS);
    } finally {
      await f.close();
    }
  });
});

forEachDialect('group commit when a batch fails', (target) => {
  test('one bad item does not fail its neighbours: they are committed alone, it alone is rejected', async () => {
    const f = await openEngineFixture(target);
    try {
      const writer = new GroupCommitter<string, string>(f.execution.database, async (uow, items) => {
        for (const item of items) {
          // A source outside the event_log CHECK list makes the INSERT, and so the batch, fail.
          uow.appendEvent({ source: item as never, type: 'Probe', message: `probe ${item}`, applied: true, at: new Date().toISOString() });
        }
        return items.map((item) => `ok ${item}`);
      });
      const results = await Promise.allSettled(['engine', 'not-a-source', 'api', 'cli'].map((item) => writer.submit(item)));
      assert.deepEqual(results.map((result) => result.status), ['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
      const rows = await f.observer.read((q) => q.all<{ message: string }>("select message from event_log where type = 'Probe' order by id"));
      assert.deepEqual(rows.map((row) => row.message), ['probe engine', 'probe api', 'probe cli'], 'the failed batch left nothing half-written');
      assert.equal(writer.commits, 3);
    } finally {
      await f.close();
    }
  });
});
