/**
 * GET /orders/counts on both dialects: per status, all five always present, with the filters of
 * GET /orders (bot, plugin, symbol, side, from, to); another user's orders are never counted; the
 * counts are those of the list (walking GET /orders?status=X gives the same numbers); bad filters
 * are 400 with the field named; a viewer may read them, nobody without a token may.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createOrder, type Order } from '../../src/domain/order/order.ts';
import { insertOrders } from '../../src/storage/repositories/orders-batch.ts';
import { writeTransaction } from '../../src/storage/sql/executor.ts';
import { forEachDialect } from '../support/dialects.ts';
import { type ApiFixture, openApi, SYMBOL } from './api-fixture.ts';

const STATUSES = ['pending', 'ongoing', 'closed', 'failed', 'cancelled'] as const;
const T0 = Date.parse('2026-01-01T00:00:00.000Z');

/** `count` orders of `userId`: two plugins, two symbols, both sides, statuses in an uneven cycle (so counts differ per status). */
async function seed(api: ApiFixture, userId: string, prefix: string, count: number): Promise<Order[]> {
  const orders: Order[] = [];
  for (let i = 0; i < count; i += 1) {
    const base = createOrder(
      {
        id: `${prefix}-${String(i).padStart(4, '0')}`,
        clientOrderId: `${prefix}-c-${i}`,
        symbol: i % 4 === 0 ? 'ETH/USDT' : SYMBOL,
        side: i % 3 === 0 ? 'buy' : 'sell',
        type: 'limit',
        intent: 'entry',
        amount: '0.5',
        price: '100.5',
        pluginId: i % 7 === 0 ? 'p2' : 'p1',
        userId,
      },
      new Date(T0 + i * 60_000),
    );
    orders.push({ ...base, status: STATUSES[(i % 7) % 5] });
  }
  await writeTransaction(api.ledger.database, (q) => insertOrders(q, orders));
  return orders;
}

const countBy = (orders: readonly Order[]) => Object.fromEntries(STATUSES.map((status) => [status, orders.filter((o) => o.status === status).length]));

forEachDialect('GET /orders/counts', (target) => {
  test('counts per status with every filter, only the caller\'s orders, equal to what the list pages give', async () => {
    const api = await openApi(await target.create());
    const alice = await api.user('alice');
    const bob = await api.user('bob');
    const mine = await seed(api, alice.userId, 'a', 240);
    await seed(api, bob.userId, 'b', 90);

    const from = new Date(T0 + 20 * 60_000).toISOString();
    const to = new Date(T0 + 200 * 60_000).toISOString();
    const cases: [string, (o: Order) => boolean][] = [
      ['', () => true],
      ['plugin=p2', (o) => o.pluginId === 'p2'],
      ['symbol=ETH-USDT&side=buy', (o) => o.symbol === 'ETH/USDT' && o.side === 'buy'],
      [`symbol=${encodeURIComponent(SYMBOL)}`, (o) => o.symbol === SYMBOL],
      [`from=${from}&to=${to}`, (o) => o.createdAt >= from && o.createdAt < to],
      [`from=${from}&side=sell&plugin=p1`, (o) => o.createdAt >= from && o.side === 'sell' && o.pluginId === 'p1'],
      ['bot=no-such-bot', () => false],
    ];
    for (const [query, keep] of cases) {
      const answer = await api.call(alice, 'GET', `/api/v1/orders/counts${query ? `?${query}` : ''}`);
      assert.equal(answer.status, 200, `${query}: ${answer.body}`);
      assert.deepEqual(answer.json, { counts: countBy(mine.filter(keep)) }, query || '(no filter)');
    }
    const all = (await api.call(alice, 'GET', '/api/v1/orders/counts')).json.counts;
    assert.ok(STATUSES.every((status) => all[status] > 0), 'the seed has every status');
    for (const status of STATUSES) {
      const listed = await api.call(alice, 'GET', `/api/v1/orders?status=${status}&limit=1000`);
      assert.equal(listed.json.items.length, all[status], `the ${status} count is the ${status} list's length`);
    }

    const bobs = await api.call(bob, 'GET', '/api/v1/orders/counts');
    assert.equal(bobs.status, 200);
    assert.equal(Object.values(bobs.json.counts as Record<string, number>).reduce((a, b) => a + b, 0), 90, "bob counts his 90, none of alice's");
    const viewer = await api.user('vic', 'viewer');
    assert.deepEqual((await api.call(viewer, 'GET', '/api/v1/orders/counts')).json, {
      counts: { pending: 0, ongoing: 0, closed: 0, failed: 0, cancelled: 0 },
    });
    assert.equal((await api.call(undefined, 'GET', '/api/v1/orders/counts')).status, 401);
  });

  test('bad filters: 400 REQUEST_INVALID naming the field; status and paging are not filters of the counts', async () => {
    const api = await openApi(await target.create());
    const alice = await api.user('alice');
    const cases: [string, string][] = [
      ['side=up', 'side'],
      ['from=yesterday', 'from'],
      ['to=2026-13-01', 'to'],
      ['symbol=btc', 'symbol'],
      ['status=failed', 'status'],
      ['limit=10', 'limit'],
    ];
    for (const [query, field] of cases) {
      const answer = await api.call(alice, 'GET', `/api/v1/orders/counts?${query}`);
      assert.equal(answer.status, 400, `${query}: ${answer.body}`);
      assert.equal(answer.json.error.code, 'REQUEST_INVALID', query);
      assert.equal(answer.json.error.field, field, `${query}: ${answer.body}`);
    }
  });
});
