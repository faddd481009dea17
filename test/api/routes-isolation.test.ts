/**
 * Isolation on the orders and positions routes: another user gets 404 (never 403, never data) on
 * every one of alice's orders and positions, sees none of them in lists, and changes nothing.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tempDir } from '../support/dialects.ts';
import { openApi, SCALPER_CONFIG, SYMBOL } from './api-fixture.ts';

const api = await openApi({ url: `sqlite:${tempDir('api-isolation')}/ledger.db`, dialect: 'sqlite', dir: tempDir('api-isolation-venue') });

test("another user's orders and positions are missing to bob: 404, empty lists, nothing changed", async () => {
  const alice = await api.user('alice');
  const bob = await api.user('bob');
  assert.equal(
    (await api.call(alice, 'POST', '/api/v1/bots', { id: 'iso1', pluginId: 'scalper', symbol: SYMBOL, config: SCALPER_CONFIG })).status,
    201,
  );
  await api.move('59950');
  const orders = (await api.call(alice, 'GET', '/api/v1/orders')).json.items;
  assert.equal(orders.length, 2, 'alice sees her entry and her take-profit');
  const [position] = (await api.call(alice, 'GET', '/api/v1/positions')).json.items;
  assert.ok(position);

  assert.deepEqual((await api.call(bob, 'GET', '/api/v1/orders')).json.items, []);
  assert.deepEqual((await api.call(bob, 'GET', '/api/v1/orders?bot=iso1')).json.items, []);
  assert.deepEqual((await api.call(bob, 'GET', '/api/v1/positions')).json.items, []);
  for (const order of orders) {
    for (const ref of [order.id, order.clientOrderId]) {
      const shown = await api.call(bob, 'GET', `/api/v1/orders/${ref}`);
      assert.equal(shown.status, 404, shown.body);
      assert.equal(shown.json.error.code, 'ORDER_NOT_FOUND');
      for (const action of ['cancel', 'retry', 'drop']) {
        const answer = await api.call(bob, 'POST', `/api/v1/orders/${ref}/${action}`);
        assert.equal(answer.status, 404, `${action}: ${answer.body}`);
        assert.equal(answer.json.error.code, 'ORDER_NOT_FOUND');
      }
    }
  }
  const shownPosition = await api.call(bob, 'GET', `/api/v1/positions/${position.id}`);
  assert.equal(shownPosition.status, 404);
  assert.equal(shownPosition.json.error.code, 'POSITION_NOT_FOUND');
  const close = await api.call(bob, 'POST', `/api/v1/positions/${position.id}/close`);
  assert.equal(close.status, 404);
  assert.equal(close.json.error.code, 'POSITION_NOT_FOUND');

  assert.deepEqual((await api.call(alice, 'GET', '/api/v1/orders')).json.items, orders, "nothing of alice's changed");
  assert.equal((await api.call(alice, 'GET', `/api/v1/positions/${position.id}`)).json.position.status, 'open');
  for (const url of ['/api/v1/orders', `/api/v1/orders/${orders[0].id}`, '/api/v1/positions', `/api/v1/positions/${position.id}`])
    assert.equal((await api.call(undefined, 'GET', url)).status, 401);
});
