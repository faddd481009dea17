/**
 * What the stop-loss manager needs from execution: a protective order (a stop-loss, an exit) for
 * a bot that is no longer active, each placement error heard with its class and raw body, and
 * failed stop-loss orders left out of the generic retry loop (the manager retries them).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BotNotActiveError, type PlacementFailure } from '../../src/engine/orders/execution.ts';
import { RetryScheduler } from '../../src/engine/orders/retries.ts';
import { OrderRejectedError } from '../../src/exchange/exchange-adapter.ts';
import { forEachDialect } from '../support/dialects.ts';
import { openEngineFixture, SYMBOL, scalperConfig } from './engine-fixture.ts';

const LONG_MESSAGE = `API key is invalid. ${'The key has expired or lacks the permission for this contract. '.repeat(3)}`;

forEachDialect('protective orders and placement errors', (target) => {
  test('a stopped bot places a stop-loss or an exit when asked to protect its position, never an entry', async () => {
    const f = await openEngineFixture(target);
    try {
      await f.bots.create({ id: 'scalp1', pluginId: 'scalper', symbol: SYMBOL, config: scalperConfig() });
      await f.bots.stop('scalp1', 'Stopped by alice');
      const stop = { botId: 'scalp1', side: 'sell', type: 'market', intent: 'stop_loss', amount: '0.01', stopPrice: '55000' } as const;
      await assert.rejects(f.execution.placeOrder(stop), BotNotActiveError);
      const placed = await f.execution.placeOrder({ ...stop, protective: true });
      assert.equal(placed.status, 'pending');
      assert.ok(placed.exchangeOrderId, 'the venue has it');
      assert.equal(f.paper.control.order({ symbol: SYMBOL, clientOrderId: placed.clientOrderId })?.state, 'open', 'resting until 55000');
      const [submitted] = await f.eventsOf({ orderId: placed.id });
      assert.match(submitted?.message ?? '', /recorded \(sell 0\.01 BTC\/USDT market stop 55000, stop_loss\) for stopped bot scalp1, to protect its position/);
      await assert.rejects(
        f.execution.placeOrder({ botId: 'scalp1', side: 'buy', type: 'limit', intent: 'entry', amount: '0.01', price: '58000', protective: true }),
        /an entry order cannot be protective/,
      );
    } finally {
      await f.close();
    }
  });

  test('each placement error is heard with its class and the raw body, for placements and retries alike', async () => {
    const f = await openEngineFixture(target);
    try {
      const heard: PlacementFailure[] = [];
      f.execution.onPlacementError((failure) => heard.push(failure));
      await f.bots.create({ id: 'scalp1', pluginId: 'scalper', symbol: SYMBOL, config: scalperConfig() });
      f.paper.control.rejectNext('placeOrder', { retCode: 10003, retMsg: LONG_MESSAGE });
      const order = await f.execution.placeOrder({ botId: 'scalp1', side: 'sell', type: 'market', intent: 'stop_loss', amount: '0.01', stopPrice: '55000' });
      assert.equal(order.status, 'failed');
      assert.equal(heard.length, 1);
      assert.equal(heard[0]?.order.id, order.id);
      assert.equal(heard[0]?.order.status, 'failed', 'heard after the failure is recorded');
      assert.ok(heard[0]?.error instanceof OrderRejectedError);
      assert.equal((heard[0]?.raw as { retCode?: number } | undefined)?.retCode, 10003);
      assert.ok(order.reason.includes(LONG_MESSAGE), 'the reason holds the venue whole message');

      f.clock.advance(10 * 60_000);
      assert.deepEqual(await new RetryScheduler(f.execution).runDue(), { retried: [], expired: [] }, 'a failed stop-loss is the stop-loss manager\'s to retry');

      f.paper.control.timeoutNext('placeOrder', 'before');
      const retried = await f.execution.execute({ type: 'RetryOrder', orderId: order.id, actor: 'test' });
      assert.equal(retried.status, 'pending', 'an unclear answer leaves it pending');
      assert.equal(heard.length, 2);
      assert.equal(heard[1]?.order.status, 'pending');
      assert.equal((heard[1]?.error as { code?: string } | undefined)?.code, 'OUTCOME_UNCLEAR');
    } finally {
      await f.close();
    }
  });

  test('a stopped bot\'s failed exit is retried by the retry loop (it closes the position); its entries wait', async () => {
    const f = await openEngineFixture(target);
    try {
      await f.bots.create({ id: 'scalp1', pluginId: 'scalper', symbol: SYMBOL, config: scalperConfig() });
      await f.bots.stop('scalp1', 'Stopped by alice');
      f.paper.control.rejectNext('placeOrder');
      const exit = await f.execution.placeOrder({ botId: 'scalp1', side: 'sell', type: 'market', intent: 'exit', amount: '0.01', protective: true });
      assert.equal(exit.status, 'failed');
      f.clock.advance(5_000);
      const run = await new RetryScheduler(f.execution).runDue();
      assert.deepEqual(run.retried.map((order) => order.id), [exit.id]);
    } finally {
      await f.close();
    }
  });
});
