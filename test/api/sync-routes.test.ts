/**
 * GET /sync and POST /sync on the ledger's real paper exchange: a fill the venue's stream dropped
 * is found by "sync now" and applied once; the account's status shows it; a failed venue call is
 * SYNC_FAILED (503) with the account's status keeping the error.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createBot } from '../../src/app/bots.ts';
import { listOrders } from '../../src/app/orders.ts';
import { venueOf } from '../../src/app/open-ledger.ts';
import { tempDir } from '../support/dialects.ts';
import { openApi, SCALPER_CONFIG, SYMBOL } from './api-fixture.ts';

const api = await openApi({ url: `sqlite:${tempDir('api-sync')}/ledger.db`, dialect: 'sqlite', dir: tempDir('api-sync-venue') });
const alice = await api.user('alice');
const bob = await api.user('bob');

test('GET /sync lists the accounts; never synced is null', async () => {
  const answer = await api.call(alice, 'GET', '/api/v1/sync');
  assert.equal(answer.status, 200, answer.body);
  assert.deepEqual(answer.json.items, [{ accountId: 'paper', name: answer.json.items[0].name, exchange: 'paper', sync: null }]);
  assert.equal((await api.call(undefined, 'GET', '/api/v1/sync')).status, 401);
});

test('POST /sync finds a fill the stream dropped, applies it once, and GET /sync shows it', async () => {
  await createBot(api.ledger, { id: 'sy1', pluginId: 'scalper', symbol: SYMBOL, config: SCALPER_CONFIG, userId: alice.userId });
  venueOf(api.ledger).paper.control.dropNextEvents(1);
  await api.move('58990');
  const [entry] = (await listOrders(api.ledger, { botId: 'sy1' }, { limit: 10 })).items;
  assert.equal(entry?.filledAmount, '0', 'the fill event was dropped');

  const synced = await api.call(alice, 'POST', '/api/v1/sync', {});
  assert.equal(synced.status, 200, synced.body);
  const { report, status } = synced.json;
  assert.equal(report.status, 'ok');
  assert.equal(report.accountId, 'paper');
  // The account is shared: Alice's report holds the discrepancies of her bots (the order whose
  // fill was lost); the account's status counts every one (the position of the symbol too).
  assert.deepEqual(
    report.discrepancies.map((d: any) => [d.kind, d.botId, d.fixed]),
    [['order', 'sy1', true]],
  );
  assert.match(
    report.discrepancies[0].explanation,
    /^Order bl-sy1-1 is live in the ledger \(filled 0\) but Paper exchange no longer lists it as open/,
  );
  assert.deepEqual(
    [status.positionsSynced, status.discrepanciesFound, status.discrepanciesFixed, status.status, status.error],
    [1, 2, 2, 'ok', null],
  );
  const after = (await listOrders(api.ledger, { botId: 'sy1' }, { limit: 10 })).items.find((o) => o.id === entry?.id);
  assert.equal(after?.filledAmount, '0.01', 'the fill is applied');

  const listed = (await api.call(alice, 'GET', '/api/v1/sync')).json.items[0];
  assert.equal(listed.sync.discrepanciesFound, 2);
  assert.equal(listed.sync.status, 'ok');
  assert.ok(listed.sync.lastSyncAt);

  // Bob sees the shared account's status, but not Alice's discrepancies.
  const bobs = (await api.call(bob, 'GET', '/api/v1/sync')).json.items;
  assert.deepEqual(
    bobs.map((a: any) => a.accountId),
    ['paper'],
  );

  const again = await api.call(alice, 'POST', '/api/v1/sync', { account: 'paper' });
  assert.equal(again.status, 200, again.body);
  assert.equal(again.json.report.discrepanciesFound, 0, 'applied once: nothing left');
});

test('a failed venue call: 503 SYNC_FAILED, and the account keeps the error', async () => {
  venueOf(api.ledger).paper.control.failNext('fetchOpenOrders', { kind: 'timeout-before' });
  const failed = await api.call(alice, 'POST', '/api/v1/sync');
  assert.equal(failed.status, 503, failed.body);
  assert.equal(failed.json.error.code, 'SYNC_FAILED');
  const listed = (await api.call(alice, 'GET', '/api/v1/sync')).json.items[0];
  assert.equal(listed.sync.status, 'error');
  assert.match(listed.sync.error, /^sync of account paper with Paper exchange failed: /);
});

test('bad bodies: 400 naming the field; an unknown account 404; a viewer may not sync', async () => {
  for (const [body, field] of [
    [{ acount: 'paper' }, 'acount'],
    [{ account: 5 }, 'account'],
    [{ account: '' }, 'account'],
  ] as const) {
    const answer = await api.call(alice, 'POST', '/api/v1/sync', body);
    assert.equal(answer.status, 400, answer.body);
    assert.equal(answer.json.error.code, 'REQUEST_INVALID');
    assert.equal(answer.json.error.field, field, answer.body);
  }
  const unknown = await api.call(alice, 'POST', '/api/v1/sync', { account: 'binance-main' });
  assert.equal(unknown.status, 404, unknown.body);
  assert.equal(unknown.json.error.code, 'ACCOUNT_NOT_FOUND');
  assert.equal(unknown.json.error.field, 'account');
  const viewer = await api.user('vera', 'viewer');
  const refused = await api.call(viewer, 'POST', '/api/v1/sync', {});
  assert.equal(refused.status, 403);
  assert.equal(refused.json.error.code, 'FORBIDDEN');
});
