import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createOrder } from '../../../src/domain/order/order.ts';
import type { BotledgerDatabase } from '../../../src/storage/database.ts';
import * as events from '../../../src/storage/repositories/events.ts';
import { type EventEntry, listEvents } from '../../../src/storage/repositories/events.ts';
import { listFills, type NewFill, sumFills } from '../../../src/storage/repositories/fills.ts';
import { UnitOfWork } from '../../../src/storage/unit-of-work.ts';
import { forEachDialect } from '../../support/dialects.ts';
import { openLedgerDatabase } from '../../support/ledger-database.ts';

const T0 = new Date('2026-01-01T00:00:00.000Z');

/** A fill through a unit of work, as the engine records one: true when it was new, false for a repeat. */
const insertFill = (database: BotledgerDatabase, fill: NewFill) =>
  UnitOfWork.run(database, async (uow) => {
    if (await uow.hasFill(fill.orderId, fill.exchangeTradeId)) return false;
    uow.insertFill(fill);
    return true;
  });

/** Event-log rows through a unit of work; resolves to their ids. */
async function appendEvents(database: BotledgerDatabase, entries: readonly EventEntry[]): Promise<string[]> {
  const { change } = await UnitOfWork.commit(database, async (uow) => {
    for (const entry of entries) uow.appendEvent(entry);
  });
  return change.events.map((event) => event.id);
}
const appendEvent = async (database: BotledgerDatabase, entry: EventEntry) => (await appendEvents(database, [entry]))[0] as string;
const iso = (seconds: number) => new Date(T0.getTime() + seconds * 1000).toISOString();

forEachDialect('fills repository', (target) => {
  test('a fill is stored once: a duplicated venue event inserts nothing and the sum stays exact', async () => {
    const ledger = await openLedgerDatabase(target);
    try {
      await UnitOfWork.run(ledger, async (uow) =>
        uow.insertOrder(
          createOrder({ id: 'o1', clientOrderId: 'bl-b-1', symbol: 'S', side: 'buy', type: 'market', intent: 'entry', amount: '1' }, T0),
        ),
      );
      const raw = { e: 'executionReport', t: 17, list: [1, 2, 3], note: 'raw payload' };
      const fill = {
        orderId: 'o1',
        exchangeTradeId: 't1',
        price: '0.1',
        amount: '0.3',
        fee: '0.000000000000000001',
        feeCurrency: 'USDT',
        occurredAt: iso(1),
        raw,
      };
      assert.equal(await insertFill(ledger, fill), true);
      assert.equal(await insertFill(ledger, fill), false);
      assert.equal(await insertFill(ledger, { ...fill, price: '999' }), false, 'same trade id, whatever it says');
      assert.equal(await insertFill(ledger, { ...fill, exchangeTradeId: 't2', price: '0.2', amount: '0.3' }), true);
      assert.deepEqual(await sumFills(ledger.db, 'o1'), { filledAmount: '0.6', averagePrice: '0.15', fills: 2 });
      const stored = await listFills(ledger.db, 'o1');
      assert.deepEqual(
        stored.map((f) => [f.exchangeTradeId, f.price, f.amount, f.fee]),
        [
          ['t1', '0.1', '0.3', '0.000000000000000001'],
          ['t2', '0.2', '0.3', '0.000000000000000001'],
        ],
      );
      assert.deepEqual(stored[0].raw, raw);
      assert.deepEqual(await sumFills(ledger.db, 'none'), { filledAmount: '0', averagePrice: null, fills: 0 });
    } finally {
      await ledger.close();
    }
  });

  test('a fill of an unknown order is refused by the foreign key', async () => {
    const ledger = await openLedgerDatabase(target);
    try {
      await assert.rejects(
        insertFill(ledger, { orderId: 'missing', exchangeTradeId: 't', price: '1', amount: '1', occurredAt: iso(0) }),
        /foreign key/i,
      );
    } finally {
      await ledger.close();
    }
  });
});

forEachDialect('event log repository', (target) => {
  test('append-only API: entries keep source, payload (object, array, string, number), applied flag and whole message', async () => {
    assert.deepEqual(Object.keys(events).sort(), ['cancelRequestedAt', 'countEvents', 'eventsOf', 'insertEvents', 'listEvents'], 'no update or delete function exists');
    const ledger = await openLedgerDatabase(target);
    try {
      const message = `Order bl-b1-7 cancelled outside botledger - bot stopped ${'.'.repeat(5_000)}`;
      const payloads = [{ retCode: 10003, retMsg: 'API key is invalid.' }, [1, 'two'], '{"looks":"like json"}', 42];
      const ids: string[] = [];
      for (const [i, payload] of payloads.entries()) {
        ids.push(
          await appendEvent(ledger, {
            occurredAt: iso(i),
            at: iso(i),
            source: 'exchange-ws',
            type: 'OrderCanceled',
            orderId: 'o1',
            botId: 'b1',
            pluginId: 'scalper',
            message,
            payload,
            applied: i % 2 === 0,
          }),
        );
      }
      const { items } = await listEvents(ledger.db, { orderId: 'o1' }, { direction: 'asc' });
      assert.deepEqual(
        items.map((e) => e.id),
        ids,
      );
      assert.deepEqual(
        items.map((e) => e.payload),
        payloads,
      );
      assert.deepEqual(
        items.map((e) => e.applied),
        [true, false, true, false],
      );
      assert.equal(items[0].message, message);
      assert.equal(items[0].source, 'exchange-ws');
      assert.equal(items[0].occurredAt, iso(0));
      assert.equal((await listEvents(ledger.db, { applied: false })).items.length, 2);
      assert.equal((await listEvents(ledger.db, { botId: 'b2' })).items.length, 0);
    } finally {
      await ledger.close();
    }
  });

  test('a batch append keeps order; keyset pages by (created_at, id) newest first cover everything once', async () => {
    const ledger = await openLedgerDatabase(target);
    try {
      const entries = Array.from({ length: 23 }, (_, i) => ({
        occurredAt: iso(Math.floor(i / 4)),
        at: iso(Math.floor(i / 4)),
        source: 'engine' as const,
        type: 'Tick',
        botId: 'b1',
        message: `event ${i}`,
        applied: true,
      }));
      const ids = await appendEvents(ledger, entries);
      assert.equal(ids.length, 23);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await listEvents(ledger.db, { botId: 'b1' }, { limit: 5, cursor });
        seen.push(...page.items.map((e) => e.message));
        cursor = page.nextCursor;
      } while (cursor);
      assert.deepEqual(seen, entries.map((e) => e.message).reverse());
      await assert.rejects(
        appendEvent(ledger, { occurredAt: 'yesterday', at: iso(0), source: 'engine', type: 'x', message: 'x', applied: true }),
        /occurredAt must be an ISO-8601 instant/,
      );
    } finally {
      await ledger.close();
    }
  });
});
