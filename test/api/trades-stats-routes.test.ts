/**
 * GET /trades, /stats, /stats/:pluginId and /stats/daily over real trades: scalper round trips on
 * the paper exchange (one bot that loses its fees, one that wins) and imported trades of past days,
 * on both dialects. Paging never repeats or skips a trade; statistics and daily pnl are exact.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createBot } from '../../src/app/bots.ts';
import type { Trade } from '../../src/domain/position/trade.ts';
import { recomputeAllPluginStats } from '../../src/storage/repositories/plugin-stats.ts';
import { insertTradesIfAbsent } from '../../src/storage/repositories/trades.ts';
import { forEachDialect } from '../support/dialects.ts';
import { type ApiFixture, type ApiUser, openApi, SYMBOL } from './api-fixture.ts';

/** Imported trades of two past days; three share one created_at, so paging must break ties by id. */
function importedTrades(userId: string): Trade[] {
  const trade = (id: string, pnl: string, closedAt: string, createdAt: string): Trade => ({
    id,
    positionId: null,
    userId,
    botId: null,
    pluginId: 'imported',
    symbol: 'ETH/USDT',
    side: 'long',
    amount: '1',
    entryPrice: '3000',
    exitPrice: '3000',
    pnl,
    fees: '0',
    exitReason: 'imported',
    openedAt: '2026-01-01T00:00:00.000Z',
    closedAt,
    createdAt,
  });
  const same = '2026-01-03T00:00:00.000Z';
  return [
    trade('imp-1', '0.1', '2026-01-01T10:00:00.000Z', same),
    trade('imp-2', '0.2', '2026-01-01T23:59:59.999Z', same),
    trade('imp-3', '-0.05', '2026-01-02T00:00:00.000Z', same),
    trade('imp-4', '1.000000000000000001', '2026-01-02T12:00:00.000Z', '2026-01-03T00:00:01.000Z'),
    trade('imp-5', '-2', '2026-01-02T13:00:00.000Z', '2026-01-03T00:00:02.000Z'),
  ];
}

/** Two scalper bots through `cycles` round trips: `loser` sells at 60050 (pnl -0.2 after fees), `winner` at 60250 (1.798). */
async function roundTrips(api: ApiFixture, user: ApiUser, cycles: number): Promise<void> {
  for (const [id, takeProfitPrice] of [
    ['loser', '60050'],
    ['winner', '60250'],
  ]) {
    await createBot(api.ledger, {
      id,
      pluginId: 'scalper',
      symbol: SYMBOL,
      config: { amount: '0.01', entryPrice: '59950', takeProfitPrice },
      userId: user.userId,
    });
  }
  for (let cycle = 0; cycle < cycles; cycle++) {
    await api.move('59900');
    await api.move('60300');
  }
}

async function allPages(api: ApiFixture, user: ApiUser, query: string, limit: number, from: string | null = null): Promise<any[]> {
  const items: any[] = [];
  let cursor: string | null = from;
  for (let pages = 0; pages < 100; pages++) {
    const url = `/api/v1/trades?limit=${limit}${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const page = await api.call(user, 'GET', url);
    assert.equal(page.status, 200, page.body);
    assert.ok(page.json.items.length <= limit);
    items.push(...page.json.items);
    cursor = page.json.nextCursor;
    if (cursor === null) return items;
  }
  throw new Error('paging does not end');
}

forEachDialect('trades and statistics routes', (target) => {
  test('trades: filters, keyset paging without repeats or gaps, exact statistics and daily pnl', async () => {
    const api = await openApi(await target.create());
    const alice = await api.user('alice');
    const bob = await api.user('bob');
    await roundTrips(api, alice, 3);
    assert.equal(await insertTradesIfAbsent(api.ledger.database, importedTrades(alice.userId)), 5);
    await recomputeAllPluginStats(api.ledger.database, ['imported']);

    const everything = await api.call(alice, 'GET', '/api/v1/trades?limit=1000');
    assert.equal(everything.status, 200, everything.body);
    assert.equal(everything.json.nextCursor, null);
    const all: any[] = everything.json.items;
    assert.equal(all.length, 11);
    const scalper = all.filter((trade) => trade.pluginId === 'scalper');
    assert.deepEqual(scalper.map((trade) => trade.pnl).sort(), ['-0.2', '-0.2', '-0.2', '1.798', '1.798', '1.798']);
    assert.ok(scalper.every((trade) => trade.side === 'long' && trade.amount === '0.01' && trade.entryPrice === '59950'));
    assert.ok(!('userId' in all[0]), 'the owner is not on the wire');
    // Newest recorded first: (createdAt, id) descending.
    const key = (trade: any) => `${trade.createdAt}|${trade.id}`;
    assert.deepEqual(all.map(key), [...all.map(key)].sort().reverse());

    for (const limit of [1, 2, 3, 4, 10]) {
      const paged = await allPages(api, alice, '', limit);
      assert.deepEqual(
        paged.map((trade) => trade.id),
        all.map((trade) => trade.id),
        `limit ${limit}: every trade once, in order`,
      );
    }
    // A trade recorded while a reader pages (newer than the first page) neither shifts nor repeats the rest.
    const first = await api.call(alice, 'GET', '/api/v1/trades?limit=4');
    await api.move('59900');
    await api.move('60300');
    const rest = await allPages(api, alice, '', 3, first.json.nextCursor);
    assert.deepEqual(
      [...first.json.items, ...rest].map((trade) => trade.id),
      all.map((trade) => trade.id),
    );

    const ids = async (query: string) => (await allPages(api, alice, query, 2)).map((trade) => trade.id).sort();
    assert.deepEqual(await ids('&plugin=imported'), ['imp-1', 'imp-2', 'imp-3', 'imp-4', 'imp-5']);
    assert.equal((await ids('&bot=winner')).length, 4);
    assert.equal((await ids(`&symbol=${encodeURIComponent('ETH/USDT')}`)).length, 5);
    assert.deepEqual(await ids('&plugin=imported&from=2026-01-02&to=2026-01-02T12:00:00Z'), ['imp-3']);
    assert.deepEqual(await ids('&plugin=imported&to=2026-01-02'), ['imp-1', 'imp-2']);
    assert.deepEqual(await ids('&plugin=nobody'), []);

    // Statistics: 4 scalper round trips of each bot now (3 + the one during paging).
    const stats = await api.call(alice, 'GET', '/api/v1/stats');
    assert.equal(stats.status, 200, stats.body);
    assert.deepEqual(
      stats.json.items.map((s: any) => s.pluginId),
      ['imported', 'scalper'],
    );
    const expectedScalper = {
      pluginId: 'scalper',
      total: 8,
      wins: 4,
      losses: 4,
      breakeven: 0,
      totalPnl: '6.392',
      avgPnl: '0.799',
      bestPnl: '1.798',
      worstPnl: '-0.2',
      winRate: '0.5',
      grossProfit: '7.192',
      grossLoss: '-0.8',
      profitFactor: '8.99',
      maxDrawdown: '0.2',
    };
    assert.deepEqual(stats.json.items[1], expectedScalper);
    const one = await api.call(alice, 'GET', '/api/v1/stats/scalper');
    assert.deepEqual(one.json, expectedScalper);
    // imported: +0.1 +0.2 -0.05 +1.000000000000000001 -2 in close order; peak 1.250000000000000001, then -0.749999999999999999.
    assert.deepEqual(stats.json.items[0], {
      pluginId: 'imported',
      total: 5,
      wins: 3,
      losses: 2,
      breakeven: 0,
      totalPnl: '-0.749999999999999999',
      avgPnl: '-0.15', // -0.1499999999999999998 rounded to 18 places
      bestPnl: '1.000000000000000001',
      worstPnl: '-2',
      winRate: '0.6',
      grossProfit: '1.300000000000000001',
      grossLoss: '-2.05',
      profitFactor: '0.634146341463414635', // 1.300000000000000001 / 2.05 = 0.63414634146341463463...
      maxDrawdown: '2',
    });
    const none = await api.call(alice, 'GET', '/api/v1/stats/grid');
    assert.equal(none.status, 200);
    assert.equal(none.json.total, 0);
    assert.equal(none.json.winRate, null);

    // Daily pnl: exact sums per UTC day of close.
    const daily = await api.call(alice, 'GET', '/api/v1/stats/daily?plugin=imported');
    assert.equal(daily.status, 200, daily.body);
    assert.deepEqual(daily.json.items, [
      { day: '2026-01-01', pnl: '0.3', trades: 2 },
      { day: '2026-01-02', pnl: '-1.049999999999999999', trades: 3 },
    ]);
    const ranged = await api.call(alice, 'GET', '/api/v1/stats/daily?plugin=imported&from=2026-01-01T12:00:00Z&to=2026-01-02T12:00:00Z');
    assert.deepEqual(ranged.json.items, [
      { day: '2026-01-01', pnl: '0.2', trades: 1 },
      { day: '2026-01-02', pnl: '-0.05', trades: 1 },
    ]);
    // The round trips closed today (or, around midnight UTC, over two days): 8 trades summing to 6.392.
    const today = await api.call(alice, 'GET', '/api/v1/stats/daily?plugin=scalper');
    const days = new Set(scalper.map((trade) => trade.closedAt.slice(0, 10)));
    assert.ok(today.json.items.every((d: any) => d.day >= [...days].sort()[0]));
    assert.equal(
      today.json.items.reduce((sum: number, d: any) => sum + d.trades, 0),
      8,
    );
    if (today.json.items.length === 1) assert.equal(today.json.items[0].pnl, '6.392');

    // Another user sees none of it: no trades, no statistics, no daily pnl.
    assert.deepEqual((await api.call(bob, 'GET', '/api/v1/trades')).json, { items: [], nextCursor: null });
    assert.deepEqual((await api.call(bob, 'GET', '/api/v1/stats')).json, { items: [] });
    assert.equal((await api.call(bob, 'GET', '/api/v1/stats/scalper')).json.total, 0);
    assert.deepEqual((await api.call(bob, 'GET', '/api/v1/stats/daily')).json, { items: [] });
    assert.deepEqual((await api.call(bob, 'GET', '/api/v1/trades?bot=winner')).json.items, []);
  });

  test('bad query strings: 400 naming the field, from the catalogue', async () => {
    const api = await openApi(await target.create());
    const alice = await api.user('alice');
    const cases: [string, string, string][] = [
      ['/api/v1/trades?limit=0', 'limit', 'REQUEST_INVALID'],
      ['/api/v1/trades?limit=1001', 'limit', 'REQUEST_INVALID'],
      ['/api/v1/trades?limit=ten', 'limit', 'REQUEST_INVALID'],
      ['/api/v1/trades?limit=-5', 'limit', 'REQUEST_INVALID'],
      ['/api/v1/trades?from=yesterday', 'from', 'REQUEST_INVALID'],
      ['/api/v1/trades?to=2026-13-45', 'to', 'REQUEST_INVALID'],
      ['/api/v1/trades?plugin=', 'plugin', 'REQUEST_INVALID'],
      [`/api/v1/trades?bot=${'x'.repeat(65)}`, 'bot', 'REQUEST_INVALID'],
      ['/api/v1/trades?colour=red', 'colour', 'REQUEST_INVALID'],
      ['/api/v1/trades?cursor=garbage', 'cursor', 'CURSOR_INVALID'],
      ['/api/v1/stats/daily?from=2026-01-01T25:00:00Z', 'from', 'REQUEST_INVALID'],
      ['/api/v1/stats/daily?bot=b1', 'bot', 'REQUEST_INVALID'],
      ['/api/v1/stats/bad%20id', 'pluginId', 'REQUEST_INVALID'],
    ];
    for (const [url, field, code] of cases) {
      const answer = await api.call(alice, 'GET', url);
      assert.equal(answer.status, 400, `${url} -> ${answer.body}`);
      assert.equal(answer.json.error.code, code, url);
      assert.equal(answer.json.error.field, field, `${url} -> ${answer.body}`);
    }
    assert.equal((await api.call(undefined, 'GET', '/api/v1/trades')).status, 401);
    assert.equal((await api.call(undefined, 'GET', '/api/v1/stats')).status, 401);
    const viewer = await api.user('vera', 'viewer');
    assert.equal((await api.call(viewer, 'GET', '/api/v1/stats/daily')).status, 200, 'reading needs the read scope only');
  });
});
