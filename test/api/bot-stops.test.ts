/**
 * What stopped a bot, on its wire form (GET /bots, GET /bots/:id and the command answers): a bot
 * botledger stopped because an order was cancelled outside it is `autoStopped` with that order;
 * a bot a person stopped is not; starting a bot clears it. The dashboard makes the first kind
 * stand out and links the order.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { forEachDialect } from '../support/dialects.ts';
import { openApi, SCALPER_CONFIG, SYMBOL } from './api-fixture.ts';

forEachDialect('what stopped a bot', (target) => {
  test('an outside cancel marks the bot auto-stopped with its order; a person stop or a start does not', async () => {
    const api = await openApi(await target.create());
    const admin = await api.user('admin');
    const create = async (id: string) => {
      const created = await api.call(admin, 'POST', '/api/v1/bots', { id, pluginId: 'scalper', symbol: SYMBOL, config: SCALPER_CONFIG });
      assert.equal(created.status, 201, created.body);
      assert.equal(created.json.bot.autoStopped, false);
      assert.equal(created.json.bot.stoppedByOrderId, null);
      return created.json.orders[0] as { id: string; clientOrderId: string };
    };
    const entry = await create('auto1');
    await create('user1');
    await create('live1');

    const cancel = await api.call(admin, 'POST', `/api/v1/paper/orders/${entry.clientOrderId}/cancel`);
    assert.equal(cancel.status, 200, cancel.body);
    await api.ledger.settle();
    const stop = await api.call(admin, 'POST', '/api/v1/bots/user1/stop', {});
    assert.equal(stop.status, 200, stop.body);
    assert.equal(stop.json.bot.autoStopped, false, 'a stop asked for by a person is no auto-stop');

    const bots = (await api.call(admin, 'GET', '/api/v1/bots')).json.items as Record<string, unknown>[];
    const byId = new Map(bots.map((bot) => [bot.id, bot]));
    assert.deepEqual(
      pick(byId.get('auto1')),
      { status: 'stopped', autoStopped: true, stoppedByOrderId: entry.id, stoppedByClientOrderId: entry.clientOrderId },
      'the outside cancel stopped it, naming the order',
    );
    assert.match(
      String(byId.get('auto1')?.stopReason),
      new RegExp(`Order ${entry.clientOrderId} cancelled outside botledger - bot stopped`),
    );
    assert.deepEqual(pick(byId.get('user1')), {
      status: 'stopped',
      autoStopped: false,
      stoppedByOrderId: null,
      stoppedByClientOrderId: null,
    });
    assert.deepEqual(pick(byId.get('live1')), {
      status: 'active',
      autoStopped: false,
      stoppedByOrderId: null,
      stoppedByClientOrderId: null,
    });
    assert.deepEqual(pick((await api.call(admin, 'GET', '/api/v1/bots?status=stopped')).json.items[0]), pick(byId.get('auto1')));

    const shown = (await api.call(admin, 'GET', '/api/v1/bots/auto1')).json.bot;
    assert.equal(shown.stoppedByOrderId, entry.id, 'GET /bots/:id says it too');
    const order = await api.call(admin, 'GET', `/api/v1/orders/${shown.stoppedByOrderId}`);
    assert.equal(order.json.order.cancellationReason, 'OUTSIDE', 'the linked order is the one cancelled outside');

    const started = await api.call(admin, 'POST', '/api/v1/bots/auto1/start');
    assert.equal(started.status, 200, started.body);
    assert.deepEqual(pick(started.json.bot), {
      status: 'active',
      autoStopped: false,
      stoppedByOrderId: null,
      stoppedByClientOrderId: null,
    });
    await api.ledger.settle();
    const stoppedAgain = await api.call(admin, 'POST', '/api/v1/bots/auto1/stop', {});
    assert.equal(stoppedAgain.json.bot.autoStopped, false, 'the last stop decides: this one was a person');
  });
});

function pick(bot: Record<string, unknown> | undefined) {
  return {
    status: bot?.status,
    autoStopped: bot?.autoStopped,
    stoppedByOrderId: bot?.stoppedByOrderId,
    stoppedByClientOrderId: bot?.stoppedByClientOrderId,
  };
}
