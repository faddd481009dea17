/**
 * Issue 9's bad-input acceptance: 10,000 generated bodies, query strings and path ids across every
 * write route, each breaking one thing. No answer is a 5xx; every error has a code of the catalogue
 * and a 400 names its field; a refused request changes no table (fingerprinted after each one).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ERROR_CATALOG } from '../../src/app/error-catalog.ts';
import { tempDir } from '../support/dialects.ts';
import { tableFingerprint } from '../support/table-fingerprint.ts';
import { openApi, SCALPER_CONFIG, SYMBOL } from './api-fixture.ts';
import { badRequests, type WriteRouteCase } from './bad-input.ts';

const REQUESTS = 10_000;

test(`${REQUESTS} generated bad requests across every write route: no 5xx, catalogue codes, fields named, nothing changed`, {
  timeout: 300_000,
}, async () => {
  const api = await openApi({ url: `sqlite:${tempDir('api-bad')}/ledger.db`, dialect: 'sqlite', dir: tempDir('api-bad-venue') });
  const alice = await api.user('alice');
  const created = await api.call(alice, 'POST', '/api/v1/bots', { id: 'fz1', pluginId: 'scalper', symbol: SYMBOL, config: SCALPER_CONFIG });
  assert.equal(created.status, 201, created.body);
  const routes: WriteRouteCase[] = [
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
    { method: 'DELETE', path: '/api/v1/bots/{id}', id: 'fz1', query: { closePosition: 'false' }, bodyOptional: true },
  ];
  const db = api.ledger.database.db;
  let before = await tableFingerprint(db);
  const accepted: string[] = [];
  const statuses = new Map<number, number>();
  const slowest = new Map<string, number>();
  for (const request of badRequests(routes, REQUESTS, 20261129)) {
    const started = performance.now();
    const answer = await api.app.inject({
      method: request.method,
      url: request.url,
      headers: { authorization: `Bearer ${alice.token}`, ...(request.payload !== undefined ? { 'content-type': 'application/json' } : {}) },
      payload: request.payload,
    });
    const spent = performance.now() - started;
    const key = `${request.method} ${request.url.split('?')[0].replace(/fz1|nope/, '{id}')}`;
    slowest.set(key, Math.max(slowest.get(key) ?? 0, spent));
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
  console.log(`statuses: ${JSON.stringify(Object.fromEntries(statuses))}`);
  console.log(`slowest: ${JSON.stringify([...slowest].sort((a, b) => b[1] - a[1]).slice(0, 5))}`);
  assert.deepEqual(accepted, [], 'every generated request breaks one thing, so none is accepted');
});
