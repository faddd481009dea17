/**
 * Issue 9's isolation acceptance: every route of the OpenAPI document, walked as a second user
 * (bob, a trader) and as an anonymous client against the first user's (alice's) objects. Anonymous
 * gets 401 on everything but the public routes; bob gets 404 for each of alice's objects (never 403,
 * never data), 403 on admin routes, and lists without any of alice's ids; alice's objects are the
 * same afterwards.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tempDir } from '../support/dialects.ts';
import { type ApiUser, openApi, SCALPER_CONFIG, SYMBOL } from './api-fixture.ts';

const PUBLIC = new Set(['GET /healthz', 'GET /readyz', 'GET /api/v1/version', 'POST /api/v1/auth/login']);

/** A valid body per write route (so a refusal is about whose object it is, not about the body). */
const BODIES: Record<string, unknown> = {
  'POST /api/v1/bots': { id: 'bob1', pluginId: 'scalper', symbol: SYMBOL, config: SCALPER_CONFIG },
  'PUT /api/v1/bots/{id}': { config: { ...SCALPER_CONFIG, takeProfitPrice: '60070' } },
  'POST /api/v1/bots/{id}/stop': {},
  'POST /api/v1/positions/{id}/close': {},
  'POST /api/v1/accounts': { name: 'bobs', exchange: 'bybit', sandbox: true, credentials: { apiKey: 'k', secret: 's' } },
  'POST /api/v1/tokens': { name: 'bob-laptop', scopes: ['read'] },
  'POST /api/v1/sync': {},
  'POST /api/v1/users': { username: 'mallory', role: 'admin' },
  'PATCH /api/v1/users/{id}': { role: 'viewer' },
  'POST /api/v1/paper/markets/{symbol}/price': { price: '1' },
  'POST /api/v1/paper/orders/{id}/fill': {},
  'POST /api/v1/paper/faults': { rejectOrders: 1 },
  'POST /api/v1/auth/login': { username: 'alice', password: 'not-her-password' },
};

test('every route as another user and as nobody: 401 or 404 (403 on admin routes), never data, never a change', {
  timeout: 120_000,
}, async () => {
  const api = await openApi({ url: `sqlite:${tempDir('api-walk')}/ledger.db`, dialect: 'sqlite', dir: tempDir('api-walk-venue') });
  const alice = await api.user('alice');
  const bob = await api.user('bob');
  // Alice: a bot whose entry and take-profit filled (a trade), a second round's entry filled (an open position), an account, a token.
  assert.equal(
    (await api.call(alice, 'POST', '/api/v1/bots', { id: 'ali1', pluginId: 'scalper', symbol: SYMBOL, config: SCALPER_CONFIG })).status,
    201,
  );
  for (const price of ['59900', '60100', '59900']) await api.move(price);
  const account = (
    await api.call(alice, 'POST', '/api/v1/accounts', {
      name: 'alices',
      exchange: 'bybit',
      sandbox: true,
      credentials: { apiKey: 'alice-key', secret: 'alice-secret' },
    })
  ).json;
  const token = (await api.call(alice, 'POST', '/api/v1/tokens', { name: 'alice-laptop', scopes: ['read'] })).json.view;
  const snapshot = async (user: ApiUser) => {
    const read = async (url: string) => (await api.call(user, 'GET', url)).json;
    return {
      bots: await read('/api/v1/bots'),
      orders: await read('/api/v1/orders?limit=1000'),
      positions: await read('/api/v1/positions'),
      trades: await read('/api/v1/trades'),
      accounts: await read('/api/v1/accounts'),
      tokens: await read('/api/v1/tokens'),
      events: await read('/api/v1/events?limit=1000'),
      stats: await read('/api/v1/stats'),
    };
  };
  const before = await snapshot(alice);
  const order = before.orders.items[0];
  const position = before.positions.items.find((p: { status: string }) => p.status === 'open');
  assert.ok(
    order && position && before.trades.items.length > 0 && account.id && token.id,
    'alice has an order, an open position, a trade, an account and a token',
  );
  const aliceIds = [order.id, order.clientOrderId, position.id, before.trades.items[0].id, account.id, token.id, 'ali1', alice.userId];
  const idFor = (path: string): string => {
    if (path.startsWith('/api/v1/bots/')) return 'ali1';
    if (path.startsWith('/api/v1/orders/') || path.startsWith('/api/v1/paper/orders/')) return order.id;
    if (path.startsWith('/api/v1/positions/')) return position.id;
    if (path.startsWith('/api/v1/accounts/')) return account.id;
    if (path.startsWith('/api/v1/tokens/')) return token.id;
    if (path.startsWith('/api/v1/users/')) return alice.userId;
    return 'scalper';
  };

  const doc = (await api.call(undefined, 'GET', '/openapi.json')).json;
  let walked = 0;
  for (const [path, methods] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
    for (const method of Object.keys(methods).map((m) => m.toUpperCase())) {
      const route = `${method} ${path}`;
      if (method === 'HEAD' || route === 'POST /api/v1/auth/logout') continue;
      const url = path.replace('{symbol}', 'BTC-USDT').replace(/\{[a-zA-Z]+\}/, idFor(path));
      const body = BODIES[route] ?? (method === 'GET' || method === 'DELETE' ? undefined : {});
      const anonymous = await api.call(undefined, method as 'GET', url, body);
      if (!PUBLIC.has(route)) assert.equal(anonymous.status, 401, `anonymous ${route}: ${anonymous.body.slice(0, 200)}`);
      const answer = await api.call(bob, method as 'GET', url, body);
      const what = `bob ${route} (${url}): ${answer.status} ${answer.body.slice(0, 300)}`;
      assert.ok(answer.status < 500, what);
      if (path.startsWith('/api/v1/users') || path.startsWith('/api/v1/paper')) assert.equal(answer.status, 403, what);
      else if (/\{(id)\}/.test(path)) assert.equal(answer.status, 404, what);
      // The id bob sent may come back in the error; anything else of alice's may not.
      for (const id of aliceIds.filter((known) => !url.includes(known)))
        assert.ok(!answer.body.includes(id), `${what}: shows alice's ${id}`);
      walked++;
    }
  }
  assert.ok(walked >= 40, `walked ${walked} routes`);
  const after = await snapshot(alice);
  // Compared as alice sees them, less two marks: a token's last use (alice's own reads move it) and
  // a position's last sync (bob's "sync now" syncs the shared paper account, every position on it;
  // the runtime does the same every minute). Everything else must be exactly as it was.
  const comparable = (seen: typeof before) => ({
    ...seen,
    tokens: seen.tokens.items.map((t: { id: string; revokedAt: unknown }) => [t.id, t.revokedAt]),
    positions: seen.positions.items.map(({ lastSyncAt: _at, syncStatus: _status, ...rest }: Record<string, unknown>) => rest),
  });
  assert.deepEqual(comparable(after), comparable(before), "alice's objects are as they were");
  // Alice herself still reaches each of them (the 404s above were about bob, not about the ids).
  assert.equal((await api.call(alice, 'GET', `/api/v1/orders/${order.id}`)).status, 200);
  assert.equal((await api.call(alice, 'GET', `/api/v1/positions/${position.id}`)).status, 200);
});
