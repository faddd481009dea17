/**
 * GET /events over a real scalper round trip: newest first by default, oldest first after an id,
 * paging by nextCursor that never repeats or skips an entry (also while entries are appended),
 * filters by bot, order (id or client order id), source and type, payloads whole.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createBot } from '../../src/app/bots.ts';
import { listOrders } from '../../src/app/orders.ts';
import { tempDir } from '../support/dialects.ts';
import { openApi, SCALPER_CONFIG, SYMBOL } from './api-fixture.ts';

const api = await openApi({ url: `sqlite:${tempDir('api-events')}/ledger.db`, dialect: 'sqlite', dir: tempDir('api-events-venue') });
const alice = await api.user('alice');
const bob = await api.user('bob');

async function pages(url: string, limit: number): Promise<any[]> {
  const items: any[] = [];
  let cursor: string | null = null;
  for (let n = 0; n < 500; n++) {
    const separator = url.includes('?') ? '&' : '?';
    const page = await api.call(alice, 'GET', `${url}${separator}limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
    assert.equal(page.status, 200, page.body);
    items.push(...page.json.items);
    cursor = page.json.nextCursor;
    if (cursor === null) return items;
  }
  throw new Error('paging does not end');
}

await createBot(api.ledger, { id: 'ev1', pluginId: 'scalper', symbol: SYMBOL, config: SCALPER_CONFIG, userId: alice.userId });
await api.move('59900');
await api.move('60100');

test('newest first by default; oldest first after an id; every page joins without repeat or gap', async () => {
  const newest = await api.call(alice, 'GET', '/api/v1/events?limit=1000');
  assert.equal(newest.status, 200, newest.body);
  const all: any[] = newest.json.items;
  assert.ok(all.length >= 8, `a round trip logs its orders, fills and position (${all.length})`);
  const ids = all.map((e) => BigInt(e.id));
  assert.deepEqual(
    ids,
    [...ids].sort((a, b) => (a < b ? 1 : -1)),
    'newest first',
  );
  const oldest = await pages('/api/v1/events?after=0', 3);
  assert.deepEqual(
    oldest.map((e) => e.id),
    [...all].reverse().map((e) => e.id),
  );
  const down = await pages('/api/v1/events', 4);
  assert.deepEqual(
    down.map((e) => e.id),
    all.map((e) => e.id),
  );
  const middle = all[Math.floor(all.length / 2)].id;
  const after = await pages(`/api/v1/events?after=${middle}`, 2);
  assert.deepEqual(
    after.map((e) => e.id),
    [...all]
      .reverse()
      .filter((e) => BigInt(e.id) > BigInt(middle))
      .map((e) => e.id),
  );
});

test('an oldest-first reader gets entries appended while it pages, once each', async () => {
  const first = await api.call(alice, 'GET', '/api/v1/events?after=0&limit=5');
  const seen: any[] = [...first.json.items];
  await api.move('59900'); // the bot enters again: new entries
  let cursor = first.json.nextCursor;
  while (cursor) {
    const page = await api.call(alice, 'GET', `/api/v1/events?limit=5&cursor=${cursor}`);
    seen.push(...page.json.items);
    cursor = page.json.nextCursor;
  }
  const all = (await api.call(alice, 'GET', '/api/v1/events?after=0&limit=1000')).json.items;
  assert.deepEqual(
    seen.map((e) => e.id),
    all.map((e: any) => e.id),
  );
});

test('filters: bot, order (id or client order id), source, type; payloads whole', async () => {
  const entry = (await listOrders(api.ledger, { botId: 'ev1' }, { limit: 100 })).items.find(
    (o) => o.intent === 'entry' && o.status === 'closed',
  );
  assert.ok(entry, 'the entry filled');
  const byId = (await api.call(alice, 'GET', `/api/v1/events?order=${entry.id}&after=0`)).json.items;
  const byClientId = (await api.call(alice, 'GET', `/api/v1/events?order=${entry.clientOrderId}&after=0`)).json.items;
  assert.ok(byId.length >= 2);
  assert.ok(byId.every((e: any) => e.orderId === entry.id));
  assert.deepEqual(byClientId, byId);
  const types = byId.map((e: any) => e.type);
  assert.ok(types.includes('OrderSubmitted') && types.includes('OrderFilled'), types.join(','));

  const fills = (await api.call(alice, 'GET', '/api/v1/events?type=OrderFilled&after=0')).json.items;
  assert.ok(fills.length >= 2);
  assert.ok(fills.every((e: any) => e.type === 'OrderFilled' && e.botId === 'ev1'));
  const filled = fills.find((e: any) => e.orderId === entry.id);
  assert.equal(typeof filled.payload, 'object', 'the payload is the venue report, whole');
  assert.ok(filled.payload !== null && JSON.stringify(filled.payload).includes('59950'), JSON.stringify(filled.payload));

  const bySource = (await api.call(alice, 'GET', '/api/v1/events?source=engine&limit=1000')).json.items;
  assert.ok(bySource.length > 0 && bySource.every((e: any) => e.source === 'engine'));
  assert.deepEqual((await api.call(alice, 'GET', '/api/v1/events?bot=nobody')).json, { items: [], nextCursor: null });
  const botOnly = (await api.call(alice, 'GET', '/api/v1/events?bot=ev1&limit=1000')).json.items;
  assert.ok(botOnly.length > 0 && botOnly.every((e: any) => e.botId === 'ev1'));
});

test('bad query strings: 400 naming the field; an unknown order 404', async () => {
  const cases: [string, string, string][] = [
    ['/api/v1/events?after=-1', 'after', 'REQUEST_INVALID'],
    ['/api/v1/events?after=1.5', 'after', 'REQUEST_INVALID'],
    ['/api/v1/events?after=99999999999999999999', 'after', 'REQUEST_INVALID'],
    ['/api/v1/events?source=telepathy', 'source', 'REQUEST_INVALID'],
    ['/api/v1/events?type=Order%20Filled', 'type', 'REQUEST_INVALID'],
    ['/api/v1/events?limit=0', 'limit', 'REQUEST_INVALID'],
    ['/api/v1/events?botId=ev1', 'botId', 'REQUEST_INVALID'],
    ['/api/v1/events?cursor=x12', 'cursor', 'CURSOR_INVALID'],
  ];
  for (const [url, field, code] of cases) {
    const answer = await api.call(alice, 'GET', url);
    assert.equal(answer.status, 400, `${url} -> ${answer.body}`);
    assert.equal(answer.json.error.code, code, url);
    assert.equal(answer.json.error.field, field, `${url} -> ${answer.body}`);
  }
  const missing = await api.call(alice, 'GET', '/api/v1/events?order=o-ghost');
  assert.equal(missing.status, 404);
  assert.equal(missing.json.error.code, 'ORDER_NOT_FOUND');
  assert.equal((await api.call(undefined, 'GET', '/api/v1/events')).status, 401);
});

test("another user sees none of these entries; the order filter answers 404 for another user's order", async () => {
  const entry = (await listOrders(api.ledger, { botId: 'ev1' }, { limit: 100 })).items[0];
  assert.ok(entry);
  assert.deepEqual((await api.call(bob, 'GET', '/api/v1/events?after=0&limit=1000')).json, { items: [], nextCursor: null });
  assert.deepEqual((await api.call(bob, 'GET', '/api/v1/events?bot=ev1')).json.items, []);
  const hidden = await api.call(bob, 'GET', `/api/v1/events?order=${entry.id}`);
  assert.equal(hidden.status, 404);
  assert.equal(hidden.json.error.code, 'ORDER_NOT_FOUND');
  const mine = (await api.call(alice, 'GET', '/api/v1/events?after=0&limit=1000')).json.items;
  assert.ok(mine.length > 0 && mine.every((e: any) => e.botId === 'ev1'), "entries of no bot are not a user's");
});
