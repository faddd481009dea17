/**
 * Acceptance of issue 8, item 2 (stop-losses on the venue), on both dialects, with the runtime,
 * the scalper and the paper exchange: the stop is placed after the entry fills; three Bybit-shaped
 * failures lead to an emergency exit whose exit_reason holds the venue's whole message (compared in
 * full); an "immediately trigger" rejection exits at once; a stop cancelled by hand is placed
 * again and the bot is stopped; a triggered stop closes the position with its reason; the stop
 * left over after a take-profit is cancelled with POSITION_CLOSED.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Order } from '../../src/domain/order/order.ts';
import type { Position } from '../../src/domain/position/position.ts';
import { listTrades } from '../../src/storage/repositories/trades.ts';
import { forEachDialect } from '../support/dialects.ts';
import { openRuntimeFixture, SYMBOL } from './runtime-fixture.ts';

/** Buys 0.01 at 59000, takes profit at 59500, stop-loss at 58000; one cycle (no re-entry to muddle the checks). */
const CONFIG = { amount: '0.01', entryPrice: '59000', takeProfitPrice: '59500', stopLossPrice: '58000', repeat: false };

/** The paper exchange's Bybit-shaped rejection of a stop order (ccxt's message: `bybit <body>`), at venue time `time`. */
function bybitMessage(time: number): string {
  return `bybit {"retCode":10003,"retMsg":"API key is invalid. Check whether the key and secret are correct, the key has not expired and the IP is whitelisted.","result":{},"retExtInfo":{},"time":${time}}`;
}

type Fixture = Awaited<ReturnType<typeof openRuntimeFixture>>;

async function positionOf(f: Fixture): Promise<Position> {
  const ledger = f.runtime.execution.ledger;
  const open = await ledger.openPosition('s1', SYMBOL);
  if (open) return open;
  const [last] = (await listTrades(f.runtime.execution.database.ledger, { botId: 's1' })).items;
  const closed = last ? await ledger.positionById(last.positionId ?? '') : undefined;
  assert.ok(closed, 'the bot has a position');
  return closed;
}

async function orderOf(f: Fixture, id: string | null): Promise<Order> {
  assert.ok(id, 'an order id');
  const order = await f.runtime.execution.ledger.orderById(id);
  assert.ok(order, `order ${id}`);
  return order;
}

/** Creates the bot and fills its entry: a position of 0.01 opens. */
async function openPosition(f: Fixture, price = '59000'): Promise<void> {
  await f.runtime.bots.create({ id: 's1', pluginId: 'scalper', symbol: SYMBOL, config: CONFIG });
  await f.move(price);
}

forEachDialect('stop-losses on the venue', (target) => {
  test('the stop is placed after the entry fills, for the whole position, with intent before call', async () => {
    const f = await openRuntimeFixture(target);
    try {
      await openPosition(f);
      const position = await positionOf(f);
      assert.equal(position.status, 'open');
      assert.equal(position.amount, '0.01');
      assert.equal(position.stopLossPrice, '58000');
      const stop = await orderOf(f, position.slOrderId);
      assert.deepEqual([stop.intent, stop.side, stop.type, stop.amount, stop.stopPrice, stop.status], ['stop_loss', 'sell', 'market', '0.01', '58000', 'pending']);
      assert.ok(stop.exchangeOrderId, 'the venue acknowledged it');
      assert.equal(f.paper.control.order({ symbol: SYMBOL, clientOrderId: stop.clientOrderId })?.state, 'open', 'it rests at the venue');
      const types = (await f.events('s1')).map((event) => event.type);
      const filled = types.indexOf('OrderFilled');
      const placing = types.indexOf('StopLossPlacing');
      assert.ok(filled >= 0 && placing > filled, `the entry filled, then the stop was recorded: ${types.join(', ')}`);
      assert.ok(types.indexOf('StopLossPlaced') > placing, 'then the venue took it');
      await f.runtime.step();
      assert.equal((await positionOf(f)).slOrderId, stop.id, 'a step finds it protected: nothing placed twice');
      assert.equal((await f.paper.fetchOpenOrders(SYMBOL)).filter((order) => order.clientOrderId === stop.clientOrderId).length, 1);
    } finally {
      await f.close();
    }
  });

  test("three Bybit-shaped failures with backoff, then an emergency exit whose exit_reason holds the venue's whole message", async () => {
    const f = await openRuntimeFixture(target);
    try {
      f.paper.control.rejectStopOrders(3);
      const first = f.clock.now();
      await openPosition(f);
      let position = await positionOf(f);
      const stop = await orderOf(f, position.slOrderId);
      assert.equal(stop.status, 'failed');
      assert.equal(stop.reason, `Paper exchange rejected the order: ${bybitMessage(first)}`, 'the order keeps the whole text');
      assert.equal(position.retryCount, 1);
      assert.equal(position.lastErrorAt, new Date(first).toISOString());
      const details = position.errorDetails as { message: string; venueError: { retCode: number; retMsg: string } };
      assert.equal(details.venueError.retCode, 10003, 'error_details keeps the raw body');
      assert.equal(details.message, `Failed to place stop-loss (attempt 1 of 3): ${bybitMessage(first)}`);

      await f.runtime.step();
      assert.equal((await positionOf(f)).retryCount, 1, 'not yet due: the backoff holds');
      f.clock.advance(1_000);
      const second = f.clock.now();
      await f.runtime.step();
      position = await positionOf(f);
      assert.equal(position.retryCount, 2, 'the second attempt failed too');
      assert.equal((await orderOf(f, stop.id)).retryCount, 1, 'the same stop order was placed again');
      f.clock.advance(1_000);
      await f.runtime.step();
      assert.equal((await positionOf(f)).retryCount, 2, 'the second wait is 2 s');
      f.clock.advance(1_000);
      const third = f.clock.now();
      await f.runtime.step();

      position = await positionOf(f);
      const expected = `Emergency exit at market after the stop-loss could not be placed: ${bybitMessage(third)}`;
      assert.ok(expected.length > 100 + 66);
      assert.equal(position.status, 'closed', 'the market exit closed it');
      assert.equal(position.exitReason, expected);
      assert.equal(position.retryCount, 3);
      const [trade] = (await listTrades(f.runtime.execution.database.ledger, { botId: 's1' })).items;
      assert.equal(trade?.exitReason, expected, 'the trade keeps it whole too');
      const given = await orderOf(f, stop.id);
      assert.deepEqual([given.status, given.cancellationReason], ['cancelled', 'DROPPED']);
      const log = await f.events('s1');
      const failures = log.filter((event) => event.type === 'StopLossFailed').map((event) => event.message);
      assert.equal(failures.length, 3);
      assert.ok(failures[1]?.includes(`Failed to place stop-loss (attempt 2 of 3): ${bybitMessage(second)}`));
      assert.ok(failures[2]?.includes(`Failed to place stop-loss (attempt 3 of 3): ${bybitMessage(third)}`));
      const emergency = log.find((event) => event.type === 'EmergencyExit');
      assert.ok(emergency?.message.includes(expected), 'the event log says why in full');
      const exits = (await f.orders('s1')).filter((order) => order.intent === 'exit' && order.type === 'market');
      assert.deepEqual(exits.map((order) => [order.status, order.amount]), [['closed', '0.01']], 'one market exit for the position amount');
    } finally {
      await f.close();
    }
  });

  test('an "immediately trigger" rejection exits at once', async () => {
    const f = await openRuntimeFixture(target);
    try {
      // The price is already below the stop when the entry fills: the sell stop at 58000 would trigger at once.
      await openPosition(f, '57900');
      const position = await positionOf(f);
      assert.equal(position.status, 'closed');
      assert.equal(position.retryCount, 1, 'one attempt, no retry');
      assert.equal(
        position.exitReason,
        'Emergency exit at market after the stop-loss could not be placed: {"retCode":110093,"retMsg":"Order would immediately trigger: sell stop at 58000 is at or above the last price 57900 of BTC/USDT"}',
      );
      const failed = (await f.events('s1')).find((event) => event.type === 'StopLossFailed');
      assert.match(failed?.message ?? '', /attempt 1 of 3\): .* - it would trigger at once - giving the stop-loss up/);
    } finally {
      await f.close();
    }
  });

  test('a stop cancelled by hand at the venue is placed again at once, and the bot is stopped', async () => {
    const f = await openRuntimeFixture(target);
    try {
      await openPosition(f);
      const before = await orderOf(f, (await positionOf(f)).slOrderId);
      f.paper.control.cancelByHand({ symbol: SYMBOL, clientOrderId: before.clientOrderId });
      await f.paper.control.drain();
      await f.runtime.settle();
      const bot = await f.runtime.bots.get('s1');
      assert.equal(bot.status, 'stopped');
      assert.equal(bot.stopReason, `Order ${before.clientOrderId} cancelled outside botledger - bot stopped`);
      const old = await orderOf(f, before.id);
      assert.deepEqual([old.status, old.cancellationReason], ['cancelled', 'OUTSIDE']);
      const position = await positionOf(f);
      assert.equal(position.status, 'open');
      assert.notEqual(position.slOrderId, before.id);
      const replacement = await orderOf(f, position.slOrderId);
      assert.deepEqual([replacement.intent, replacement.amount, replacement.stopPrice, replacement.status], ['stop_loss', '0.01', '58000', 'pending']);
      assert.equal(f.paper.control.order({ symbol: SYMBOL, clientOrderId: replacement.clientOrderId })?.state, 'open', 'protected again, for the stopped bot');
      const log = await f.events('s1');
      assert.ok(log.some((event) => event.type === 'OrderCanceled' && event.message.includes('cancelled outside botledger - bot stopped')));
      assert.ok(log.some((event) => event.type === 'StopLossPlacing' && event.message.includes(`stop-loss ${before.clientOrderId} was cancelled outside botledger`)));
    } finally {
      await f.close();
    }
  });

  test('a triggered stop closes the position with its own exit reason', async () => {
    const f = await openRuntimeFixture(target);
    try {
      await openPosition(f);
      const stopId = (await positionOf(f)).slOrderId;
      await f.move('58000');
      const position = await positionOf(f);
      assert.equal(position.status, 'closed');
      assert.equal(position.exitReason, 'Stop-loss triggered at 58000');
      const [trade] = (await listTrades(f.runtime.execution.database.ledger, { botId: 's1' })).items;
      assert.equal(trade?.exitReason, 'Stop-loss triggered at 58000');
      assert.equal((await orderOf(f, stopId)).status, 'closed');
      const takeProfit = (await f.orders('s1')).find((order) => order.intent === 'exit');
      assert.deepEqual([takeProfit?.status, takeProfit?.cancellationReason], ['cancelled', 'POSITION_CLOSED'], 'the take-profit left over is taken down');
    } finally {
      await f.close();
    }
  });

  test('after a take-profit closes the position, the stop left over is cancelled with POSITION_CLOSED', async () => {
    const f = await openRuntimeFixture(target);
    try {
      await openPosition(f);
      const stop = await orderOf(f, (await positionOf(f)).slOrderId);
      await f.move('59500');
      const position = await positionOf(f);
      assert.equal(position.status, 'closed');
      assert.equal(position.exitReason, 'Take-profit filled at 59500');
      const leftover = await orderOf(f, stop.id);
      assert.deepEqual([leftover.status, leftover.cancellationReason], ['cancelled', 'POSITION_CLOSED']);
      assert.equal(f.paper.control.order({ symbol: SYMBOL, clientOrderId: stop.clientOrderId })?.state, 'cancelled', 'gone from the venue');
      await f.runtime.step();
      assert.equal((await f.orders('s1')).filter((order) => order.intent === 'stop_loss').length, 1, 'no new stop for a closed position');
    } finally {
      await f.close();
    }
  });

  test('a grown position gets its stop replaced for the new amount', async () => {
    const f = await openRuntimeFixture(target);
    try {
      await f.runtime.bots.create({ id: 's1', pluginId: 'scalper', symbol: SYMBOL, config: CONFIG });
      const [entry] = await f.orders('s1');
      assert.ok(entry);
      await f.move('59200'); // between the entry and the take-profit: the venue crosses neither
      f.paper.control.fillByHand({ symbol: SYMBOL, clientOrderId: entry.clientOrderId }, '0.004', '59000');
      await f.paper.control.drain();
      await f.runtime.settle();
      const first = await orderOf(f, (await positionOf(f)).slOrderId);
      assert.deepEqual([first.amount, first.status], ['0.004', 'pending'], 'the partial fill opened a position of 0.004, protected');
      f.paper.control.fillByHand({ symbol: SYMBOL, clientOrderId: entry.clientOrderId }, '0.006', '59000');
      await f.paper.control.drain();
      await f.runtime.settle();
      const position = await positionOf(f);
      assert.equal(position.amount, '0.01');
      const second = await orderOf(f, position.slOrderId);
      assert.deepEqual([second.amount, second.stopPrice, second.status], ['0.01', '58000', 'pending']);
      const old = await orderOf(f, first.id);
      assert.deepEqual([old.status, old.cancellationReason], ['cancelled', 'REPLACED']);
      const resting = (await f.paper.fetchOpenOrders(SYMBOL)).filter((report) => report.clientOrderId === first.clientOrderId || report.clientOrderId === second.clientOrderId);
      assert.deepEqual(resting.map((report) => report.clientOrderId), [second.clientOrderId], 'one stop rests at the venue, for the whole position');
    } finally {
      await f.close();
    }
  });

  test('a venue without stop orders: botledger watches the price and sells at market when it reaches the stop', async () => {
    const f = await openRuntimeFixture(target, undefined, { capabilities: { stopOrders: false } });
    try {
      await openPosition(f);
      let position = await positionOf(f);
      assert.equal(position.stopLossPrice, '58000', 'the stop price is kept on the position');
      assert.equal(position.slOrderId, null, 'no stop order at a venue that takes none');
      await f.runtime.step();
      assert.equal((await positionOf(f)).status, 'open', 'the price is above the stop');
      f.paper.control.setPrice(SYMBOL, '57990');
      await f.runtime.step();
      position = await positionOf(f);
      assert.equal(position.status, 'closed');
      const stop = await orderOf(f, position.slOrderId);
      assert.deepEqual([stop.intent, stop.type, stop.stopPrice, stop.status], ['stop_loss', 'market', null, 'closed']);
      assert.equal(position.exitReason, `Stop-loss triggered at ${stop.averagePrice}`);
    } finally {
      await f.close();
    }
  });
});
