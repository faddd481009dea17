/**
 * The paper exchange's faults over the API (admins only): POST /paper/faults arms rejections of
 * the next N order placements, so a bot's order becomes `failed` with the venue's words as its
 * reason and its retries fail too while rejections remain; GET shows what is armed, DELETE clears.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tempDir } from '../support/dialects.ts';
import { openApi, SCALPER_CONFIG, SYMBOL } from './api-fixture.ts';

const FAULTS = '/api/v1/paper/faults';

test('paper faults: armed rejections fail a bot order and its retry, DELETE clears, admins only, bad bodies named', async () => {
  const api = await openApi({ url: `sqlite:${tempDir('api-faults')}/ledger.db`, dialect: 'sqlite', dir: tempDir('api-faults-venue') });
  const root = await api.user('root', 'admin');
  const alice = await api.user('alice');

  for (const [method, body] of [['GET'], ['POST', { rejectOrders: 1 }], ['DELETE']] as const) {
    const answer = await api.call(alice, method, FAULTS, body);
    assert.equal(answer.status, 403, `${method}: ${answer.body}`);
    assert.equal(answer.json.error.code, 'FORBIDDEN');
    assert.equal((await api.call(undefined, method, FAULTS, body)).status, 401);
  }
  assert.equal((await api.call(root, 'GET', FAULTS)).json.faults.rejectOrders, 0, "a non-admin's attempt armed nothing");

  for (const [body, field] of [
    [{}, 'rejectOrders'],
    [{ rejectOrders: 0 }, 'rejectOrders'],
    [{ rejectOrders: 1001 }, 'rejectOrders'],
    [{ rejectOrders: '5' }, 'rejectOrders'],
    [{ rejectOrders: 1.5 }, 'rejectOrders'],
    [{ rejectOrders: 2, message: '' }, 'message'],
    [{ rejectOrders: 2, message: '   ' }, 'message'],
    [{ rejectOrders: 2, message: 'two\nlines' }, 'message'],
    [{ rejectOrders: 2, reject: 3 }, 'reject'],
  ] as const) {
    const answer = await api.call(root, 'POST', FAULTS, body);
    assert.equal(answer.status, 400, `${JSON.stringify(body)}: ${answer.body}`);
    assert.equal(answer.json.error.field, field, answer.body);
  }
  assert.equal((await api.call(root, 'GET', FAULTS)).json.faults.rejectOrders, 0, 'refused bodies armed nothing');

  const armed = await api.call(root, 'POST', FAULTS, { rejectOrders: 2, message: 'Insufficient margin for this order.' });
  assert.equal(armed.status, 200, armed.body);
  assert.deepEqual(armed.json.faults, {
    rejectOrders: 2,
    message: 'Insufficient margin for this order.',
    reason: 'Paper exchange rejected the order: {"retCode":10003,"retMsg":"Insufficient margin for this order."}',
    otherFaults: 0,
  });
  assert.equal((await api.call(root, 'GET', FAULTS)).json.faults.rejectOrders, 2);

  const created = await api.call(alice, 'POST', '/api/v1/bots', {
    id: 'rej1',
    pluginId: 'scalper',
    symbol: SYMBOL,
    config: SCALPER_CONFIG,
  });
  assert.equal(created.status, 201, created.body);
  const [order] = (await api.call(alice, 'GET', '/api/v1/orders?bot=rej1')).json.items;
  assert.equal(order.status, 'failed', JSON.stringify(order));
  assert.equal(order.reason, armed.json.faults.reason, "the venue's rejection, whole, is the order's reason");
  assert.equal((await api.call(root, 'GET', FAULTS)).json.faults.rejectOrders, 1, 'the placement used one rejection');

  // A retry is a placement too: it fails while a rejection remains.
  const retried = await api.call(alice, 'POST', `/api/v1/orders/${order.id}/retry`);
  assert.equal(retried.status, 200, retried.body);
  const afterRetry = (await api.call(alice, 'GET', `/api/v1/orders/${order.id}`)).json.order;
  assert.equal(afterRetry.status, 'failed');
  assert.equal(afterRetry.retryCount, 1);
  assert.equal((await api.call(root, 'GET', FAULTS)).json.faults.rejectOrders, 0);

  await api.call(root, 'POST', FAULTS, { rejectOrders: 1000 });
  assert.equal((await api.call(root, 'GET', FAULTS)).json.faults.message, 'API key is invalid.', 'the venue default without a message');
  const cleared = await api.call(root, 'DELETE', FAULTS);
  assert.equal(cleared.status, 200, cleared.body);
  assert.deepEqual(cleared.json.faults, { rejectOrders: 0, message: null, reason: null, otherFaults: 0 });
  const placed = await api.call(alice, 'POST', `/api/v1/orders/${order.id}/retry`);
  assert.equal(placed.status, 200, placed.body);
  assert.equal((await api.call(alice, 'GET', `/api/v1/orders/${order.id}`)).json.order.status, 'pending', 'cleared: the venue takes it');
});
