import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createBot } from '../../../src/domain/bot/bot.ts';
import { applyOrderEvent, createOrder, type NewOrderInput, type Order } from '../../../src/domain/order/order.ts';
import { type BotledgerDatabase, openDatabase } from '../../../src/storage/database.ts';
import {
  countOrdersByStatus,
  findOrderByRef,
  getOrder,
  getOrderByClientOrderId,
  getOrderByExchangeOrderId,
  listFailedOrdersDue,
  listOrders,
} from '../../../src/storage/repositories/orders.ts';
import { StaleRowError } from '../../../src/storage/stale-row-error.ts';
import { UnitOfWork } from '../../../src/storage/unit-of-work.ts';
import { forEachDialect } from '../../support/dialects.ts';
import { openLedgerDatabase } from '../../support/ledger-database.ts';

const T0 = new Date('2026-01-01T00:00:00.000Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);

function input(n: number, overrides: Partial<NewOrderInput> = {}): NewOrderInput {
  return {
    id: `o${n}`,
    clientOrderId: `bl-b1-${n.toString(36)}`,
    botId: 'b1',
    pluginId: 'scalper',
    symbol: 'BTC/USDT',
    side: 'buy',
    type: 'limit',
    intent: 'entry',
    amount: '1',
    price: '100',
    ...overrides,
  };
}

/** Records an order through a unit of work (the one write path). */
const insertOrder = (database: BotledgerDatabase, order: Order) => UnitOfWork.run(database, async (uow) => uow.insertOrder(order));
/** Saves `next` over `previous` (as read) through a unit of work. */
const updateOrder = (database: BotledgerDatabase, previous: Order, next: Order) => UnitOfWork.run(database, async (uow) => uow.saveOrder(previous, next));

forEachDialect('orders repository', (target) => {
  async function ledgerWithBot() {
    const ledger = await openLedgerDatabase(target);
    await UnitOfWork.run(ledger, async (uow) => uow.insertBot(createBot({ id: 'b1', pluginId: 'scalper', symbol: 'BTC/USDT' }, T0)));
    return ledger;
  }

  test('an order round-trips exactly, found by id, client order id and exchange order id', async () => {
    const ledger = await ledgerWithBot();
    try {
      const order = createOrder(
        input(1, { amount: '12345678901234567890.123456789012345678', price: '0.000000000000000001', stopPrice: '99.5' }),
        T0,
      );
      await insertOrder(ledger, order);
      assert.deepEqual(await getOrder(ledger.db, 'o1'), order);
      assert.deepEqual(await getOrderByClientOrderId(ledger.db, order.clientOrderId), order);
      const accepted = applyOrderEvent(order, { type: 'OrderAccepted', exchangeOrderId: 'x-77' }, at(1)).order;
      await updateOrder(ledger, order, accepted);
      const stored = await getOrderByExchangeOrderId(ledger.db, 'x-77');
      assert.deepEqual(stored, { ...accepted, version: 2 });
      assert.equal((await findOrderByRef(ledger.db, { exchangeOrderId: 'x-77' }))?.id, 'o1');
      assert.equal((await findOrderByRef(ledger.db, { clientOrderId: order.clientOrderId }))?.id, 'o1');
      assert.equal(await findOrderByRef(ledger.db, { clientOrderId: 'nope', exchangeOrderId: 'nope' }), undefined);
    } finally {
      await ledger.close();
    }
  });

  test('a 5,000-character venue rejection survives the database whole', async () => {
    const ledger = await ledgerWithBot();
    try {
      const venueMessage = `{'retCode':10003,'retMsg':'API key is invalid.'} ${'é'.repeat(5_000)}`;
      const order = createOrder(input(1), T0);
      await insertOrder(ledger, order);
      const failed = applyOrderEvent(order, { type: 'OrderRejected', venue: 'Bybit', venueMessage }, at(1)).order;
      await updateOrder(ledger, order, failed);
      const stored = await getOrder(ledger.db, 'o1');
      assert.equal(stored?.reason, `Bybit rejected the order: ${venueMessage}`);
      assert.equal(stored?.status, 'failed');
      assert.equal(stored?.firstFailedAt, at(1).toISOString());
    } finally {
      await ledger.close();
    }
  });

  test('optimistic update: a change made on another connection in between is detected and nothing is overwritten', async () => {
    const ledger = await ledgerWithBot();
    const other = await openDatabase(ledger.test.url);
    try {
      await insertOrder(ledger, createOrder(input(1), T0));
      const mine = (await getOrder(ledger.db, 'o1')) as Order;
      const theirs = (await getOrder(other.db, 'o1')) as Order;
      // The venue's cancel event is processed on the other connection first.
      const cancelled = applyOrderEvent(theirs, { type: 'OrderCanceled' }, at(1)).order;
      await updateOrder(other, theirs, cancelled);
      // Our stale copy tries to record a cancel request.
      const requested = applyOrderEvent(mine, { type: 'OrderCancelRequested', cancellationReason: 'UPDATE' }, at(2)).order;
      await assert.rejects(updateOrder(ledger, mine, requested), StaleRowError);
      const stored = (await getOrder(ledger.db, 'o1')) as Order;
      assert.equal(stored.status, 'cancelled');
      assert.equal(stored.cancellationReason, 'OUTSIDE');
      assert.equal(stored.version, 2);
      // Re-read and re-apply: the table now says it is a no-op.
      assert.equal(applyOrderEvent(stored, { type: 'OrderCancelRequested', cancellationReason: 'UPDATE' }, at(3)).outcome, 'no-op');
    } finally {
      await other.close();
      await ledger.close();
    }
  });

  test('a bad money value is refused naming the field, and nothing is stored', async () => {
    const ledger = await ledgerWithBot();
    try {
      const order = createOrder(input(1), T0);
      await assert.rejects(
        insertOrder(ledger, { ...order, filledAmount: '0.0000000000000000001' }),
        /filledAmount has 19 digits after the point/,
      );
      await assert.rejects(insertOrder(ledger, { ...order, averagePrice: '1e5' }), /averagePrice must be a decimal string/);
      assert.equal(await getOrder(ledger.db, 'o1'), undefined);
      await insertOrder(ledger, order);
      await assert.rejects(insertOrder(ledger, { ...order, id: 'o2' }), /unique|duplicate/i, 'client_order_id is unique');
    } finally {
      await ledger.close();
    }
  });

  test('list: filters by status, plugin and bot; keyset pages cover every order once, in order', async () => {
    const ledger = await ledgerWithBot();
    try {
      for (let n = 1; n <= 25; n++) {
        // Several orders share a created_at, so the id breaks ties.
        const order = createOrder(input(n, { pluginId: n % 2 ? 'scalper' : 'grid' }), at(Math.floor(n / 3)));
        await insertOrder(ledger, n % 5 === 0 ? { ...order, status: 'failed' } : order);
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await listOrders(ledger.db, {}, { limit: 7, cursor });
        seen.push(...page.items.map((order) => order.id));
        cursor = page.nextCursor;
      } while (cursor);
      assert.equal(seen.length, 25);
      assert.equal(new Set(seen).size, 25);
      const expected = Array.from({ length: 25 }, (_, i) => i + 1)
        .map((n) => ({ id: `o${n}`, at: Math.floor(n / 3) }))
        .sort((a, b) => b.at - a.at || (a.id < b.id ? 1 : -1))
        .map((x) => x.id);
      assert.deepEqual(seen, expected);
      const ascending = await listOrders(ledger.db, {}, { limit: 3, direction: 'asc' });
      assert.deepEqual(
        ascending.items.map((o) => o.id),
        ['o1', 'o2', 'o3'],
      );
      const failed = await listOrders(ledger.db, { status: 'failed' });
      assert.deepEqual(failed.items.map((o) => o.id).sort(), ['o10', 'o15', 'o20', 'o25', 'o5']);
      assert.equal((await listOrders(ledger.db, { pluginId: 'grid' }, { limit: 100 })).items.length, 12);
      assert.equal((await listOrders(ledger.db, { botId: 'other' })).items.length, 0);
      assert.deepEqual(await countOrdersByStatus(ledger.db, { botId: 'b1' }), {
        pending: 20,
        ongoing: 0,
        closed: 0,
        failed: 5,
        cancelled: 0,
      });
      await assert.rejects(listOrders(ledger.db, {}, { cursor: 'garbage' }), /cursor "garbage" is not a page cursor/);
    } finally {
      await ledger.close();
    }
  });

  test('list: filters by side and by a creation time range (from inclusive, to exclusive), paged', async () => {
    const ledger = await ledgerWithBot();
    try {
      for (let n = 1; n <= 20; n++) {
        await insertOrder(ledger, createOrder(input(n, { side: n % 2 ? 'buy' : 'sell' }), at(n)));
      }
      const sells = await listOrders(ledger.db, { side: 'sell' }, { limit: 100 });
      assert.equal(sells.items.length, 10);
      assert.ok(sells.items.every((order) => order.side === 'sell'));
      const from = at(5).toISOString();
      const to = at(12).toISOString();
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await listOrders(ledger.db, { from, to, side: 'buy' }, { limit: 2, cursor });
        seen.push(...page.items.map((order) => order.id));
        cursor = page.nextCursor;
      } while (cursor);
      assert.deepEqual(seen, ['o11', 'o9', 'o7', 'o5'], 'buys created in [5 s, 12 s), newest first');
    } finally {
      await ledger.close();
    }
  });

  test('failed orders due for a retry or past expiry are listed for the retry loop', async () => {
    const ledger = await ledgerWithBot();
    try {
      const fail = (order: Order, now: Date) => applyOrderEvent(order, { type: 'OrderPlacementFailed', error: 'timeout' }, now).order;
      await insertOrder(ledger, fail(createOrder(input(1, { ttlMs: 3_600_000 }), T0), T0)); // retry due at +5 s
      await insertOrder(ledger, fail(createOrder(input(2, { ttlMs: 1_000 }), T0), T0)); // expires at +1 s
      await insertOrder(ledger, createOrder(input(3), T0)); // pending: never listed
      assert.deepEqual(await listFailedOrdersDue(ledger.db, at(0.5)), []);
      assert.deepEqual(
        (await listFailedOrdersDue(ledger.db, at(2))).map((o) => o.id),
        ['o2'],
      );
      assert.deepEqual((await listFailedOrdersDue(ledger.db, at(6))).map((o) => o.id).sort(), ['o1', 'o2']);
    } finally {
      await ledger.close();
    }
  });
});
