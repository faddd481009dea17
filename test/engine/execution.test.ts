/**
 * Execution: client order ids made first (deterministic, encoding the bot, within the venue's
 * limit), refusals that name what is wrong and store nothing, and a rejection kept whole.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseClientOrderId } from '../../src/domain/order/client-order-id.ts';
import { BotNotActiveError } from '../../src/engine/orders/execution.ts';
import { forEachDialect } from '../support/dialects.ts';
import { openEngineFixture, SYMBOL, scalperConfig } from './engine-fixture.ts';

forEachDialect('execution', (target) => {
  test('client order ids encode the bot and its sequence, and the venue echoes them', async () => {
    const f = await openEngineFixture(target);
    try {
      await f.bots.create({ id: 'scalp1', pluginId: 'scalper', symbol: SYMBOL, config: scalperConfig() });
      const second = await f.execution.placeOrder({ botId: 'scalp1', side: 'buy', type: 'limit', intent: 'entry', amount: '0.01', price: '58000' });
      const orders = await f.ordersOfBot('scalp1');
      assert.deepEqual(orders.map((order) => order.clientOrderId), ['bl-scalp1-1', 'bl-scalp1-2']);
      assert.deepEqual(parseClientOrderId(second.clientOrderId), { botId: 'scalp1', sequence: 2 });
      assert.equal(f.paper.control.order({ symbol: SYMBOL, clientOrderId: 'bl-scalp1-2' })?.exchangeOrderId, second.exchangeOrderId);
      const log = await f.eventsOf({ orderId: second.id });
      assert.equal(log[0]?.type, 'OrderSubmitted', 'the intent is the first thing logged, before any venue answer');
    } finally {
      await f.close();
    }
  });

  test('a client order id longer than the venue allows is refused before anything is stored or sent', async () => {
    const f = await openEngineFixture(target, { paper: { maxClientOrderIdLength: 16 } });
    try {
      await assert.rejects(
        f.bots.create({ id: 'a-long-bot-name1', pluginId: 'scalper', symbol: SYMBOL, config: scalperConfig() }),
        /client order id "bl-a-long-bot-name1-1" is 21 characters; the venue allows at most 16/,
      );
      assert.equal((await f.ordersOfBot('a-long-bot-name1')).length, 0, 'no half-written order');
      assert.deepEqual(await f.paper.fetchOpenOrders(SYMBOL), [], 'nothing reached the venue');
    } finally {
      await f.close();
    }
  });

  test('a stopped bot cannot place orders; the error names the bot and why it stopped', async () => {
    const f = await openEngineFixture(target);
    try {
      await f.bots.create({ id: 'scalp1', pluginId: 'scalper', symbol: SYMBOL, config: scalperConfig() });
      await f.bots.stop('scalp1', 'Stopped by alice');
      await assert.rejects(
        f.execution.placeOrder({ botId: 'scalp1', side: 'buy', type: 'limit', intent: 'entry', amount: '0.01', price: '58000' }),
        (error: unknown) => error instanceof BotNotActiveError && /bot scalp1 is stopped, so it cannot place orders \(Stopped by alice\)/.test(error.message),
      );
      assert.equal((await f.ordersOfBot('scalp1')).length, 1);
    } finally {
      await f.close();
    }
  });

  test('replace: the old order is cancelled with REPLACED (committed first), the new one placed; the bot keeps running', async () => {
    const f = await openEngineFixture(target);
    try {
      await f.bots.create({ id: 'scalp1', pluginId: 'scalper', symbol: SYMBOL, config: scalperConfig() });
      const [order] = await f.ordersOfBot('scalp1');
      const { cancelled, placed } = await f.execution.replaceOrder(order?.id as string, { price: '58500' });
      assert.equal(cancelled.status, 'cancelled');
      assert.equal(cancelled.cancellationReason, 'REPLACED');
      assert.equal(placed.status, 'pending');
      assert.equal(placed.price, '58500');
      assert.equal(placed.intent, 'entry');
      assert.equal((await f.bots.get('scalp1')).status, 'active');
      assert.equal(f.paper.control.order({ symbol: SYMBOL, clientOrderId: placed.clientOrderId })?.state, 'open');
    } finally {
      await f.close();
    }
  });

  test("a rejection keeps the venue's words whole, however long", async () => {
    const f = await openEngineFixture(target);
    try {
      const words = `Insufficient margin: ${'x'.repeat(5_000)} (end)`;
      f.paper.control.rejectNext('placeOrder', { retCode: 110007, retMsg: words });
      await f.bots.create({ id: 'scalp1', pluginId: 'scalper', symbol: SYMBOL, config: scalperConfig() });
      const [order] = await f.ordersOfBot('scalp1');
      assert.equal(order?.status, 'failed');
      assert.ok(order?.reason.startsWith('Paper exchange rejected the order: '));
      assert.ok(order?.reason.includes(words), 'the 5,000-character message is stored whole');
      assert.ok(order?.reason.includes('110007'));
    } finally {
      await f.close();
    }
  });
});
