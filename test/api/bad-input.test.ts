/**
 * Issue 9's bad-input acceptance: 10,000 generated bodies, query strings and path ids across every
 * write route (a trader's and an admin's), each breaking one thing. No answer is a 5xx; every error
 * has a code of the catalogue and a 400 names its field; a refused request changes no table
 * (fingerprinted after each one).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ERROR_CATALOG } from '../../src/app/error-catalog.ts';
import { tempDir } from '../support/dialects.ts';
import { tableFingerprint } from '../support/table-fingerprint.ts';
import { type ApiUser, openApi, SCALPER_CONFIG, SYMBOL } from './api-fixture.ts';
import { badRequests, type WriteRouteCase } from './bad-input.ts';

const REQUESTS = 10_000;

test(`${REQUESTS} generated bad requests across every write route: no 5xx, catalogue codes, fields named, nothing changed`, {
  timeout: 600_000,
}, async () => {
  const api = await openApi({ url: `sqlite:${tempDir('api-bad')}/ledger.db`, dialect: 'sqlite', dir: tempDir('api-bad-venue') });
  const alice = await api.user('alice');
  const root = await api.user('root', 'admin');
  const victim = await api.user('victim');
  // Alice's objects, so validation deeper than the schema is reached: a bot holding a position, its live orders, an account, a token.
  assert.equal(
    (await api.call(alice, 'POST', '/api/v1/bots', { id: 'fz1', pluginId: 'scalper', symbol: SYMBOL, config: SCALPER_CONFIG })).status,
    201,
  );
  await api.move('59900');
  const order = (await api.call(alice, 'GET', '/api/v1/orders?status=pending')).json.items[0];
  const position = (await api.call(alice, 'GET', '/api/v1/positions?status=open')).json.items[0];
  const account = (
    await api.call(alice, 'POST', '/api/v1/accounts', {
      name: 'main',
      exchange: 'bybit',
      sandbox: true,
      credentials: { apiKey: 'k', secret: 's' },
    })
  ).json;
  const token = (await api.call(alice, 'POST', '/api/v1/tokens', { name: 'laptop', scopes: ['read'] })).json.view;
  assert.ok(order && position && account.id && token.id, 'alice has an order, a position, an account and a token');
  const trader: WriteRouteCase[] = [
    {
      method: 'POST',
      path: '/api/v1/bots',
      body: { id: 'fz2', pluginId: 'scalper', symbol: SYMBOL, config: SCALPER_CONFIG, orderTtlSeconds: 60 },
      optional: ['orderTtlSeconds'],
      names: ['id'],
    },
    {
      method: 'PUT',
      path: '/api/v1/bots/{id}',
      id: 'fz1',
      body: { config: { ...SCALPER_CONFIG, takeProfitPrice: '60060' }, allowImmediateLoss: false },
      optional: ['allowImmediateLoss'],
    },
    {
      method: 'POST',
      path: '/api/v1/bots/{id}/stop',
      id: 'fz1',
      body: { closePosition: false },
      optional: ['closePosition'],
      bodyOptional: true,
    },
    { method: 'POST', path: '/api/v1/bots/{id}/start', id: 'fz1', bodyOptional: true },
    { method: 'DELETE', path: '/api/v1/bots/{id}', id: 'fz1', query: { closePosition: 'false' }, bodyOptional: true },
    { method: 'POST', path: '/api/v1/orders/{id}/cancel', id: order.id, bodyOptional: true },
    { method: 'POST', path: '/api/v1/orders/{id}/retry', id: order.id, bodyOptional: true },
    { method: 'POST', path: '/api/v1/orders/{id}/drop', id: order.id, bodyOptional: true },
    {
      method: 'POST',
      path: '/api/v1/positions/{id}/close',
      id: position.id,
      body: { limitPrice: '61000' },
      optional: ['limitPrice'],
      bodyOptional: true,
    },
    { method: 'POST', path: '/api/v1/sync', body: { account: 'nope' }, optional: ['account'], bodyOptional: true },
    {
      method: 'POST',
      path: '/api/v1/accounts',
      body: { name: 'second', exchange: 'okx', sandbox: true, credentials: { apiKey: 'k2', secret: 's2' } },
      names: ['name'],
      freeText: ['credentials.apiKey', 'credentials.secret'],
    },
    { method: 'DELETE', path: '/api/v1/accounts/{id}', id: account.id, bodyOptional: true },
    {
      method: 'POST',
      path: '/api/v1/tokens',
      body: { name: 'phone', scopes: ['read'], expiresInDays: 30 },
      optional: ['expiresInDays'],
      names: ['name'],
    },
    { method: 'DELETE', path: '/api/v1/tokens/{id}', id: token.id, bodyOptional: true },
    { method: 'POST', path: '/api/v1/auth/logout', bodyOptional: true },
  ];
  const admin: WriteRouteCase[] = [
    {
      method: 'POST',
      path: '/api/v1/users',
      body: { username: 'newbie', role: 'trader', password: 'a long password' },
      optional: ['password'],
      freeText: ['password'],
    },
    {
      method: 'PATCH',
      path: '/api/v1/users/{id}',
      id: victim.userId,
      body: { role: 'viewer', disabled: false },
      optional: ['role', 'disabled'],
    },
    { method: 'DELETE', path: '/api/v1/users/{id}', id: victim.userId, bodyOptional: true },
    { method: 'POST', path: '/api/v1/paper/markets/{id}/price', id: 'BTC-USDT', body: { price: '59950' } },
    { method: 'POST', path: '/api/v1/paper/orders/{id}/cancel', id: order.id, bodyOptional: true },
    {
      method: 'POST',
      path: '/api/v1/paper/orders/{id}/fill',
      id: order.id,
      body: { amount: '0.001', price: '59950' },
      optional: ['amount', 'price'],
      bodyOptional: true,
    },
    {
      method: 'POST',
      path: '/api/v1/paper/faults',
      body: { rejectOrders: 3, message: 'Insufficient margin' },
      optional: ['message'],
      names: ['message'],
    },
    { method: 'DELETE', path: '/api/v1/paper/faults', bodyOptional: true },
    { method: 'POST', path: '/api/v1/auth/login', body: { username: 'alice', password: 'wrong password' } },
  ];
  const db = api.ledger.database.db;
  let before = await tableFingerprint(db);
  const accepted: string[] = [];
  const statuses = new Map<number, number>();
  const send = async (user: ApiUser, routes: WriteRouteCase[], count: number, seed: number) => {
    for (const request of badRequests(routes, count, seed)) {
      const answer = await api.app.inject({
        method: request.method,
        url: request.url,
        headers: {
          authorization: `Bearer ${user.token}`,
          ...(request.payload !== undefined ? { 'content-type': 'application/json' } : {}),
        },
        payload: request.payload,
      });
      statuses.set(answer.statusCode, (statuses.get(answer.statusCode) ?? 0) + 1);
      const what = `${request.method} ${request.url.slice(0, 120)} (${request.broke}) -> ${answer.statusCode} ${answer.body.slice(0, 300)}`;
      assert.ok(answer.statusCode < 500, what);
      if (answer.statusCode < 300) {
        accepted.push(what);
        before = await tableFingerprint(db);
        continue;
      }
      const error = answer.json().error;
      assert.ok(error && Object.hasOwn(ERROR_CATALOG, error.code), `a catalogue code: ${what}`);
      if (answer.statusCode === 400) assert.ok(typeof error.field === 'string' && error.field.length > 0, `names the field: ${what}`);
      assert.deepEqual(await tableFingerprint(db), before, `nothing changed: ${what}`);
    }
  };
  const adminShare = Math.round((REQUESTS * admin.length) / (admin.length + trader.length));
  await send(alice, trader, REQUESTS - adminShare, 20261129);
  await send(root, admin, adminShare, 20261130);
  console.log(`statuses: ${JSON.stringify(Object.fromEntries(statuses))}`);
  assert.deepEqual(accepted, [], 'every generated request breaks one thing, so none is accepted');
});
