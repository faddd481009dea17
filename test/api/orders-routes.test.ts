/**
 * The orders routes over a real ledger and paper exchange: filters and keyset paging (pages never
 * repeat or skip an order), one order with its fills and events, cancel, retry and drop (with the
 * acting user in the log), and bad ids and filters answered 400/404 with the field named.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createOrder, type Order } from '../../src/domain/order/order.ts';
import { venueOf } from '../../src/app/open-ledger.ts';
import { insertOrders } from '../../src/storage/repositories/orders-batch.ts';
import { writeTransaction } from '../../src/storage/sql/executor.ts';
import { tempDir } from '../support/dialects.ts';
import { openApi, SCALPER_CONFIG, SYMBOL } from './api-fixture.ts';

const api = await openApi({ url: `sqlite:${tempDir('api-orders')}/ledger.db`, dialect: 'sqlite', dir: tempDir('api-orders-venue') });
const STATUSES = ['pending', 'ongoing', 'closed', 'failed', 'cancelled'] as const;
const T0 = Date.parse('2026-01-01T00:00:00.000Z');

/** 300 stored orders of no bot: plugins p1/p2, two symbols, both sides, all statuses; every third shares its instant with the one before. */
async function seedOrders(userId: string): Promise<Order[]> {
  const orders: Order[] = [];
  for (let i = 0; i < 300; i += 1) {
    const at = new Date(T0 + (i - (i % 3 === 2 ? 1 : 0)) * 60_000);
    const base = createOrder(
      {
        id: `seed-${String(i).padStart(4, '0')}`,
        clientOrderId: `seed-c-${i}`,
        symbol: i % 4 === 0 ? 'ETH/USDT' : SYMBOL,
        side: i % 2 === 0 ? 'buy' : 'sell',
        type: 'limit',
        intent: 'entry',
        amount: '0.5',
        price: `100.${String(i).padStart(3, '0')}000000000000001`,
        pluginId: i % 7 === 0 ? 'p2' : 'p1',
        userId,
      },
      at,
    );
    orders.push({ ...base, status: STATUSES[i % 5] });
  }
  await writeTransaction(api.ledger.database, (q) => insertOrders(q, orders));
  return orders;
}

const newestFirst = (a: Order, b: Order) => (a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1);

async function walk(alice: Awaited<ReturnType<typeof api.user>>, query: string, limit: number): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const answer = await api.call(
      alice,
      'GET',
      `/api/v1/orders?${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    assert.equal(answer.status, 200, answer.body);
    assert.ok(answer.json.items.length <= limit);
    ids.push(...answer.json.items.map((order: Order) => order.id));
    cursor = answer.json.nextCursor;
    pages += 1;
  } while (cursor !== null && pages < 100);
  return { ids, pages };
}

test('filters and keyset paging: every matching order once, newest first, money as stored', async () => {
  const alice = await api.user('alice');
  const seeded = await seedOrders(alice.userId);
  const from = new Date(T0 + 30 * 60_000).toISOString();
  const to = new Date(T0 + 250 * 60_000).toISOString();
  const cases: [string, (order: Order) => boolean][] = [
    ['plugin=p1', (o) => o.pluginId === 'p1'],
    ['status=pending,failed&plugin=p1', (o) => o.pluginId === 'p1' && (o.status === 'pending' || o.status === 'failed')],
    ['symbol=BTC-USDT&side=sell', (o) => o.symbol === SYMBOL && o.side === 'sell'],
    [`symbol=${encodeURIComponent('ETH/USDT')}&status=ongoing`, (o) => o.symbol === 'ETH/USDT' && o.status === 'ongoing'],
    [`from=${from}&to=${to}&side=buy`, (o) => o.createdAt >= from && o.createdAt < to && o.side === 'buy'],
    ['status=cancelled&plugin=p2', (o) => o.status === 'cancelled' && o.pluginId === 'p2'],
  ];
  for (const [query, keep] of cases) {
    const expected = seeded
      .filter(keep)
      .sort(newestFirst)
      .map((order) => order.id);
    assert.ok(expected.length > 0, `${query} matches something`);
    for (const limit of [7, 50]) {
      const { ids, pages } = await walk(alice, query, limit);
      assert.deepEqual(ids, expected, `${query} limit ${limit}`);
      assert.equal(new Set(ids).size, ids.length, 'no order twice');
      assert.ok(pages >= Math.ceil(expected.length / limit));
    }
  }
  const one = await api.call(alice, 'GET', '/api/v1/orders?plugin=p1&limit=1');
  const stored = seeded.find((order) => order.id === one.json.items[0].id) as Order;
  assert.equal(one.json.items[0].price, stored.price, 'a price with 18 places comes back exactly');
  assert.equal(one.json.items[0].amount, '0.5');
  assert.equal(typeof one.json.nextCursor, 'string');
});

test('bad filters and ids: 400 with the field, 404 ORDER_NOT_FOUND', async () => {
  const alice = await api.user('alice');
  const cases: [string, string, string][] = [
    ['status=open', 'status', 'REQUEST_INVALID'],
    ['status=pending,,failed', 'status', 'REQUEST_INVALID'],
    ['side=up', 'side', 'REQUEST_INVALID'],
    ['from=yesterday', 'from', 'REQUEST_INVALID'],
    ['limit=0', 'limit', 'REQUEST_INVALID'],
    ['limit=abc', 'limit', 'REQUEST_INVALID'],
    ['limit=100000', 'limit', 'REQUEST_INVALID'],
    ['symbol=btc', 'symbol', 'REQUEST_INVALID'],
    ['colour=red', 'colour', 'REQUEST_INVALID'],
    ['cursor=not-a-cursor', 'cursor', 'CURSOR_INVALID'],
  ];
  for (const [query, field, code] of cases) {
    const answer = await api.call(alice, 'GET', `/api/v1/orders?${query}`);
    assert.equal(answer.status, 400, `${query}: ${answer.body}`);
    assert.equal(answer.json.error.code, code, query);
    assert.equal(answer.json.error.field, field, `${query}: ${answer.body}`);
  }
  const missing = await api.call(alice, 'GET', '/api/v1/orders/no-such-order');
  assert.equal(missing.status, 404);
  assert.equal(missing.json.error.code, 'ORDER_NOT_FOUND');
  const badId = await api.call(alice, 'GET', `/api/v1/orders/${encodeURIComponent('a b')}`);
  assert.equal(badId.status, 400);
  assert.equal(badId.json.error.field, 'id');
  for (const action of ['cancel', 'retry', 'drop']) {
    const answer = await api.call(alice, 'POST', `/api/v1/orders/no-such-order/${action}`);
    assert.equal(answer.status, 404, `${action}: ${answer.body}`);
    const extra = await api.call(alice, 'POST', `/api/v1/orders/no-such-order/${action}`, { force: true });
    assert.equal(extra.status, 400);
    assert.equal(extra.json.error.field, 'force');
  }
  const viewer = await api.user('vic', 'viewer');
  assert.equal((await api.call(viewer, 'POST', '/api/v1/orders/no-such-order/cancel')).status, 403);
  assert.equal((await api.call(undefined, 'GET', '/api/v1/orders')).status, 401);
});

test('show: an order with its fills and its events; cancel a pending order through the engine', async () => {
  const alice = await api.user('alice');
  const created = await api.call(alice, 'POST', '/api/v1/bots', {
    id: 'show1',
    pluginId: 'scalper',
    symbol: SYMBOL,
    config: SCALPER_CONFIG,
  });
  assert.equal(created.status, 201, created.body);
  const entry = created.json.orders[0];
  await api.move('59950');
  const shown = await api.call(alice, 'GET', `/api/v1/orders/${entry.clientOrderId}`);
  assert.equal(shown.status, 200, shown.body);
  assert.equal(shown.json.order.id, entry.id);
  assert.equal(shown.json.order.status, 'ongoing');
  assert.equal(shown.json.order.filledAmount, '0.01');
  assert.equal(shown.json.fills.length, 1);
  assert.equal(shown.json.fills[0].price, '59950');
  assert.equal(shown.json.fills[0].raw, undefined, "the venue's raw payload is not shown");
  const types = shown.json.events.map((event: { type: string }) => event.type);
  assert.ok(types.includes('OrderSubmitted') && types.includes('OrderFilled'), types.join(','));
  assert.ok(shown.json.events.every((event: { id: string }) => /^\d+$/.test(event.id)));

  const ongoing = await api.call(alice, 'POST', `/api/v1/orders/${entry.id}/cancel`);
  assert.equal(ongoing.status, 409);
  assert.equal(ongoing.json.error.code, 'ORDER_NOT_CANCELLABLE');
  assert.match(ongoing.json.error.message, /close its position/);

  const exit = (await api.call(alice, 'GET', '/api/v1/orders?bot=show1&status=pending')).json.items[0];
  assert.equal(exit.side, 'sell');
  const cancelled = await api.call(alice, 'POST', `/api/v1/orders/${exit.id}/cancel`);
  assert.equal(cancelled.status, 200, cancelled.body);
  assert.equal(cancelled.json.order.status, 'cancelled');
  assert.equal(cancelled.json.order.cancellationReason, 'REPLACED');
  const log = (await api.call(alice, 'GET', `/api/v1/orders/${exit.id}`)).json.events;
  const request = log.find((event: { type: string }) => event.type === 'OrderCancelRequested');
  assert.equal(request?.payload?.actor, 'api:alice', JSON.stringify(request));
  assert.equal(request?.source, 'api');
  const bot = (await api.call(alice, 'GET', '/api/v1/bots/show1')).json.bot;
  assert.equal(bot.status, 'active', 'a cancel through botledger does not stop the bot');
  const again = await api.call(alice, 'POST', `/api/v1/orders/${exit.id}/cancel`);
  assert.equal(again.status, 409);
  assert.equal(again.json.error.code, 'ORDER_NOT_CANCELLABLE');
});

test('retry and drop a failed order (the venue rejected it); a pending one is refused', async () => {
  const alice = await api.user('alice');
  const { paper } = venueOf(api.ledger);
  paper.control.rejectNext('placeOrder');
  const created = await api.call(alice, 'POST', '/api/v1/bots', {
    id: 'fail1',
    pluginId: 'scalper',
    symbol: SYMBOL,
    config: { ...SCALPER_CONFIG, entryPrice: '59000' },
  });
  assert.equal(created.status, 201, created.body);
  const failed = (await api.call(alice, 'GET', '/api/v1/orders?bot=fail1&status=failed')).json.items[0];
  assert.ok(failed, 'the rejected entry is failed');
  assert.match(failed.reason, /API key is invalid/);
  assert.ok(failed.firstFailedAt);

  const retried = await api.call(alice, 'POST', `/api/v1/orders/${failed.id}/retry`);
  assert.equal(retried.status, 200, retried.body);
  assert.equal(retried.json.order.status, 'pending');
  assert.equal(retried.json.order.retryCount, 1);
  const notFailed = await api.call(alice, 'POST', `/api/v1/orders/${failed.id}/drop`);
  assert.equal(notFailed.status, 409);
  assert.equal(notFailed.json.error.code, 'ORDER_NOT_FAILED');

  await api.call(alice, 'POST', '/api/v1/bots/fail1/stop');
  paper.control.rejectNext('placeOrder');
  await api.call(alice, 'POST', '/api/v1/bots/fail1/start');
  const failedAgain = (await api.call(alice, 'GET', '/api/v1/orders?bot=fail1&status=failed')).json.items[0];
  assert.ok(failedAgain, 'the restarted bot placed an order the venue rejected');
  const dropped = await api.call(alice, 'POST', `/api/v1/orders/${failedAgain.id}/drop`);
  assert.equal(dropped.status, 200, dropped.body);
  assert.equal(dropped.json.order.status, 'cancelled');
  assert.equal(dropped.json.order.cancellationReason, 'DROPPED');
  assert.equal(dropped.json.order.reason, 'Order dropped by api:alice');
});

test('GET /plugins: the config JSON Schema and an example that passes it; /openapi.json documents every route', async () => {
  const alice = await api.user('alice');
  const plugins = await api.call(alice, 'GET', '/api/v1/plugins');
  assert.equal(plugins.status, 200, plugins.body);
  const scalper = plugins.json.items.find((plugin: { id: string }) => plugin.id === 'scalper');
  assert.equal(scalper.configSchema.type, 'object');
  assert.deepEqual(scalper.configSchema.required, ['amount', 'entryPrice', 'takeProfitPrice']);
  assert.equal(scalper.configSchema.additionalProperties, false);
  assert.equal(scalper.configSchema.properties.repeat.default, true);
  const made = await api.call(alice, 'POST', '/api/v1/bots', {
    id: 'example1',
    pluginId: 'scalper',
    symbol: SYMBOL,
    config: scalper.exampleConfig,
  });
  assert.equal(made.status, 201, `the example config is accepted: ${made.body}`);

  const doc = (await api.call(undefined, 'GET', '/openapi.json')).json;
  const routes: [string, string][] = [
    ['/api/v1/orders', 'get'],
    ['/api/v1/orders/{id}', 'get'],
    ['/api/v1/orders/{id}/cancel', 'post'],
    ['/api/v1/orders/{id}/retry', 'post'],
    ['/api/v1/orders/{id}/drop', 'post'],
    ['/api/v1/positions', 'get'],
    ['/api/v1/positions/{id}', 'get'],
    ['/api/v1/positions/{id}/close', 'post'],
    ['/api/v1/plugins', 'get'],
    ['/api/v1/paper/markets', 'get'],
    ['/api/v1/paper/markets/{symbol}/price', 'post'],
    ['/api/v1/paper/orders/{id}/cancel', 'post'],
    ['/api/v1/paper/orders/{id}/fill', 'post'],
  ];
  for (const [path, method] of routes) {
    const operation = doc.paths[path]?.[method];
    assert.ok(operation, `${method} ${path} is documented`);
    assert.ok(operation.summary && operation.tags?.length, `${path} has a summary and tags`);
    assert.ok(operation.responses['200'].content['application/json'].schema, `${path} documents its answer`);
  }
  const order = doc.paths['/api/v1/orders/{id}'].get.responses['200'].content['application/json'].schema.properties.order;
  for (const field of [
    'clientOrderId',
    'exchangeOrderId',
    'cancellationReason',
    'retryCount',
    'firstFailedAt',
    'expiresAt',
    'filledAmount',
  ])
    assert.ok(order.properties[field], `Order.${field} is documented`);
});
