/**
 * What every route shares: authentication (401 without or with a bad token), scopes (403 for a
 * viewer's write), the error body with the catalogue's code naming the field, strict bodies (wrong
 * types and unknown fields refused, not coerced or dropped), unknown routes, health and the
 * OpenAPI document.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ERROR_CATALOG } from '../../src/app/error-catalog.ts';
import { tempDir } from '../support/dialects.ts';
import { openApi, SCALPER_CONFIG, SYMBOL } from './api-fixture.ts';

const api = await openApi({ url: `sqlite:${tempDir('api-core')}/ledger.db`, dialect: 'sqlite', dir: tempDir('api-core-venue') });

test('health, readiness and version answer without a token', async () => {
  assert.deepEqual((await api.call(undefined, 'GET', '/healthz')).json, { status: 'ok' });
  const ready = await api.call(undefined, 'GET', '/readyz');
  assert.equal(ready.status, 200);
  assert.equal(ready.json.checks.database, 'ok');
  assert.match((await api.call(undefined, 'GET', '/api/v1/version')).json.version, /^\d+\.\d+\.\d+/);
});

test('no token, a bad token: 401 UNAUTHENTICATED, and nothing is created', async () => {
  for (const headers of [{}, { authorization: 'Bearer nope' }, { authorization: 'Basic abc' }]) {
    const answer = await api.app.inject({
      method: 'POST',
      url: '/api/v1/bots',
      headers,
      payload: { id: 'x1', pluginId: 'scalper', symbol: SYMBOL, config: SCALPER_CONFIG },
    });
    assert.equal(answer.statusCode, 401);
    assert.equal(answer.json().error.code, 'UNAUTHENTICATED');
  }
  const admin = await api.user('root', 'admin');
  assert.deepEqual((await api.call(admin, 'GET', '/api/v1/bots')).json.items, []);
});

test('a viewer may read but not write: 403 FORBIDDEN', async () => {
  const viewer = await api.user('vera', 'viewer');
  assert.equal((await api.call(viewer, 'GET', '/api/v1/bots')).status, 200);
  const answer = await api.call(viewer, 'POST', '/api/v1/bots', { id: 'v1', pluginId: 'scalper', symbol: SYMBOL, config: SCALPER_CONFIG });
  assert.equal(answer.status, 403);
  assert.equal(answer.json.error.code, 'FORBIDDEN');
});

test('bad bodies: the code names the field; wrong types are not coerced; unknown fields are refused', async () => {
  const alice = await api.user('alice');
  const cases: [unknown, string][] = [
    [{ pluginId: 'scalper', symbol: SYMBOL, config: SCALPER_CONFIG }, 'id'],
    [{ id: 5, pluginId: 'scalper', symbol: SYMBOL, config: SCALPER_CONFIG }, 'id'],
    [{ id: 'b1', pluginId: 'scalper', symbol: SYMBOL, config: SCALPER_CONFIG, colour: 'red' }, 'colour'],
    [{ id: 'b1', pluginId: 'scalper', symbol: SYMBOL, config: SCALPER_CONFIG, orderTtlSeconds: '60' }, 'orderTtlSeconds'],
    [{ id: 'b1', pluginId: 'scalper', symbol: 'btc-usdt', config: SCALPER_CONFIG }, 'symbol'],
    [{ id: 'b1', pluginId: 'scalper', symbol: SYMBOL, config: { ...SCALPER_CONFIG, amount: '0.0100000000000000000001' } }, 'config.amount'],
  ];
  for (const [body, field] of cases) {
    const answer = await api.call(alice, 'POST', '/api/v1/bots', body);
    assert.equal(answer.status, 400, `${JSON.stringify(body)} -> ${answer.body}`);
    assert.equal(answer.json.error.field, field, answer.body);
    assert.ok(Object.hasOwn(ERROR_CATALOG, answer.json.error.code), `${answer.json.error.code} is in the catalogue`);
  }
  const notJson = await api.app.inject({
    method: 'POST',
    url: '/api/v1/bots',
    headers: { authorization: `Bearer ${alice.token}`, 'content-type': 'application/json' },
    payload: '{"id":',
  });
  assert.equal(notJson.statusCode, 400);
  assert.equal(notJson.json().error.code, 'REQUEST_INVALID');
  assert.deepEqual((await api.call(alice, 'GET', '/api/v1/bots')).json.items, []);
});

test('an unknown route is 404 ROUTE_NOT_FOUND; the OpenAPI document lists the routes', async () => {
  const missing = await api.call(undefined, 'GET', '/api/v1/nothing-here');
  assert.equal(missing.status, 404);
  assert.equal(missing.json.error.code, 'ROUTE_NOT_FOUND');
  const doc = await api.call(undefined, 'GET', '/openapi.json');
  assert.equal(doc.status, 200);
  assert.equal(doc.json.openapi, '3.0.3');
  assert.ok(doc.json.paths['/api/v1/bots/{id}'], 'bots/{id} is documented');
  const docs = await api.call(undefined, 'GET', '/docs/');
  assert.equal(docs.status, 200);
  assert.match(docs.body, /swagger/i);
});
