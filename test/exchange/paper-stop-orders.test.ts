/**
 * Stop orders on the paper exchange (issue 8, item 4): a stop whose trigger is already crossed
 * is refused as a real venue refuses it, the faults a stop-loss placement can meet (Bybit's
 * long rejection, timeouts, "would immediately trigger") hit stop orders only, a person can
 * cancel an untriggered stop, and a triggered stop's fill is found by order and by time.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ExchangeUnclearError,
  OrderNotOpenError,
  OrderRejectedError,
  OrderWouldTriggerError,
} from '../../src/exchange/exchange-adapter.ts';
import { SYMBOL, limitBuy, paperExchange, record } from './paper-support.ts';

const stop = (clientOrderId: string, side: 'buy' | 'sell', stopPrice: string, amount = '1') =>
  ({ clientOrderId, symbol: SYMBOL, side, type: 'market', amount, stopPrice }) as const;

const BYBIT_MESSAGE =
  'bybit {"retCode":10003,"retMsg":"API key is invalid. Check whether the key and secret are correct, the key has not expired and the IP is whitelisted.","result":{},"retExtInfo":{},"time":1700000000000}';

describe('paper exchange stop orders', () => {
  test('a stop whose trigger is already crossed is refused with OrderWouldTriggerError (a rejection, code ORDER_WOULD_TRIGGER); nothing is stored', async () => {
    const paper = paperExchange({ now: () => 1_700_000_000_000 });
    const cases = [
      ['s1', 'sell', '100', 110093, 'sell stop at 100 is at or above the last price 100 of BTC/USDT'],
      ['s2', 'sell', '100.01', 110093, 'sell stop at 100.01 is at or above the last price 100 of BTC/USDT'],
      ['b1', 'buy', '100', 110092, 'buy stop at 100 is at or below the last price 100 of BTC/USDT'],
      ['b2', 'buy', '99.99', 110092, 'buy stop at 99.99 is at or below the last price 100 of BTC/USDT'],
    ] as const;
    for (const [id, side, price, retCode, detail] of cases) {
      await assert.rejects(paper.placeOrder(stop(id, side, price)), (error: unknown) => {
        assert.ok(error instanceof OrderWouldTriggerError);
        assert.ok(error instanceof OrderRejectedError, 'still a rejection: the order does not exist');
        assert.equal(error.code, 'ORDER_WOULD_TRIGGER');
        assert.equal(error.message, `{"retCode":${retCode},"retMsg":"Order would immediately trigger: ${detail}"}`);
        assert.deepEqual(error.raw, { retCode, retMsg: `Order would immediately trigger: ${detail}`, result: {}, retExtInfo: {}, time: 1_700_000_000_000 });
        return true;
      });
      assert.equal(await paper.fetchOrder({ symbol: SYMBOL, clientOrderId: id }), undefined, `${id} was not stored`);
    }
    assert.deepEqual(await paper.fetchFillsSince(0), [], 'nothing executed');
    assert.equal((await paper.placeOrder(stop('s1', 'sell', '99.99'))).state, 'open', 'a sell stop below the price rests (the id is free)');
    assert.equal((await paper.placeOrder(stop('b1', 'buy', '100.01'))).state, 'open', 'a buy stop above the price rests');
  });

  test("rejectStopOrders(n): the next n stop placements fail with Bybit's whole message (over 100 characters); entries still work", async () => {
    const paper = paperExchange({ now: () => 1_700_000_000_000 });
    paper.control.rejectStopOrders(2);
    assert.equal((await paper.placeOrder(limitBuy('entry', '90'))).state, 'open', 'an entry is not hit');
    for (const id of ['sl-1', 'sl-2']) {
      await assert.rejects(paper.placeOrder(stop(id, 'sell', '95')), (error: unknown) => {
        assert.ok(error instanceof OrderRejectedError);
        assert.ok(!(error instanceof OrderWouldTriggerError));
        assert.equal(error.code, 'ORDER_REJECTED');
        assert.equal(error.message, BYBIT_MESSAGE);
        assert.ok(error.message.length > 100, `${error.message.length} characters`);
        assert.deepEqual(error.raw, {
          retCode: 10003,
          retMsg: 'API key is invalid. Check whether the key and secret are correct, the key has not expired and the IP is whitelisted.',
          result: {},
          retExtInfo: {},
          time: 1_700_000_000_000,
        });
        return true;
      });
      assert.equal(await paper.fetchOrder({ symbol: SYMBOL, clientOrderId: id }), undefined);
    }
    assert.equal((await paper.placeOrder(stop('sl-3', 'sell', '95'))).state, 'open', 'the third placement works');
  });

  test('timeoutStopOrders: after, the stop exists and its event is pushed; before, nothing was placed; entries are not hit', async () => {
    const paper = paperExchange();
    const { summary } = record(paper);
    paper.control.timeoutStopOrders(1, 'after');
    await paper.placeOrder(limitBuy('entry', '90'));
    await assert.rejects(paper.placeOrder(stop('sl-a', 'sell', '95')), (error: unknown) => {
      assert.ok(error instanceof ExchangeUnclearError);
      assert.equal(error.message, 'paper placeOrder BTC/USDT clientOrderId=sl-a: request timed out after 10000 ms; the venue may or may not have acted');
      return true;
    });
    const placed = await paper.fetchOrder({ symbol: SYMBOL, clientOrderId: 'sl-a' });
    assert.ok(placed);
    assert.equal(placed.state, 'open');
    assert.equal((placed.raw as any).info.orderStatus, 'Untriggered');
    paper.control.timeoutStopOrders(2, 'before');
    for (const id of ['sl-b', 'sl-c']) {
      await assert.rejects(paper.placeOrder(stop(id, 'sell', '95')), ExchangeUnclearError);
      assert.equal(await paper.fetchOrder({ symbol: SYMBOL, clientOrderId: id }), undefined, `${id} was never placed`);
    }
    assert.equal((await paper.placeOrder(stop('sl-b', 'sell', '95'))).state, 'open', 'the retry places it');
    await paper.control.drain();
    assert.deepEqual(summary(), ['order entry open 0', 'order sl-a open 0', 'order sl-b open 0']);
  });

  test('wouldTriggerStopOrders(n): the next n stop placements are refused as would-trigger whatever the price', async () => {
    const paper = paperExchange({ now: () => 1_700_000_000_000 });
    paper.control.wouldTriggerStopOrders(1);
    await paper.placeOrder(limitBuy('entry', '90'));
    await assert.rejects(paper.placeOrder(stop('sl-w', 'sell', '95')), (error: unknown) => {
      assert.ok(error instanceof OrderWouldTriggerError);
      assert.equal(error.message, '{"retCode":110093,"retMsg":"Order would immediately trigger: BTC/USDT clientOrderId=sl-w sell stop at 95"}');
      return true;
    });
    assert.equal(await paper.fetchOrder({ symbol: SYMBOL, clientOrderId: 'sl-w' }), undefined);
    assert.equal((await paper.placeOrder(stop('sl-w', 'sell', '95'))).state, 'open');
  });

  test('a person cancels an untriggered stop: the pushed event says person; it never triggers afterwards', async () => {
    const paper = paperExchange({ balances: { BTC: '1', USDT: '0' } });
    const { events } = record(paper);
    await paper.placeOrder(stop('sl-h', 'sell', '95'));
    assert.deepEqual(await paper.fetchBalance(), [
      { currency: 'BTC', total: '1', free: '0', used: '1' },
      { currency: 'USDT', total: '0', free: '0', used: '0' },
    ]);
    const report = paper.control.cancelByHand({ symbol: SYMBOL, clientOrderId: 'sl-h' });
    assert.equal(report.state, 'cancelled');
    assert.equal(report.canceledBy, 'person');
    await paper.control.drain();
    const last = events.at(-1);
    assert.equal(last?.type, 'order');
    if (last?.type !== 'order') return;
    assert.equal(last.report.clientOrderId, 'sl-h');
    assert.equal(last.report.state, 'cancelled');
    assert.equal(last.report.canceledBy, 'person');
    assert.equal((last.report.raw as any).info.canceledBy, 'person');
    assert.equal((last.report.raw as any).info.orderStatus, 'Cancelled');
    assert.equal((await paper.fetchBalance())[0].free, '1', 'the lock is released');
    paper.control.setPrice(SYMBOL, '90');
    assert.equal((await paper.fetchOrder({ symbol: SYMBOL, clientOrderId: 'sl-h' }))?.filledAmount, '0');
    assert.deepEqual(await paper.fetchOpenOrders(), []);
    await assert.rejects(paper.cancelOrder({ symbol: SYMBOL, clientOrderId: 'sl-h' }), OrderNotOpenError);
  });

  test("a triggered stop's fill: fetchFills by order, fetchFillsSince, the position it closes", async () => {
    const paper = paperExchange();
    const { summary } = record(paper);
    await paper.placeOrder({ clientOrderId: 'entry', symbol: SYMBOL, side: 'buy', type: 'market', amount: '0.5' });
    assert.deepEqual((await paper.fetchPositions(SYMBOL)).map((p) => `${p.side} ${p.amount} @ ${p.entryPrice}`), ['long 0.5 @ 100']);
    const placed = await paper.placeOrder(stop('sl-t', 'sell', '95', '0.5'));
    paper.control.setPrice(SYMBOL, '96');
    assert.deepEqual(await paper.fetchFills({ symbol: SYMBOL, clientOrderId: 'sl-t' }), [], 'not triggered yet');
    paper.control.setPrice(SYMBOL, '94.5');
    const fills = await paper.fetchFills({ symbol: SYMBOL, clientOrderId: 'sl-t' });
    assert.deepEqual(
      fills.map((fill) => [fill.side, fill.amount, fill.price, fill.fee, (fill.raw as any).takerOrMaker]),
      [['sell', '0.5', '94.5', '0.04725', 'taker']],
    );
    assert.deepEqual(await paper.fetchFills({ symbol: SYMBOL, exchangeOrderId: placed.exchangeOrderId }), fills, 'by either id');
    assert.deepEqual((await paper.fetchFillsSince(fills[0].timestamp)).map((fill) => fill.tradeId), [fills[0].tradeId]);
    const order = await paper.fetchOrder({ symbol: SYMBOL, clientOrderId: 'sl-t' });
    assert.equal(order?.state, 'filled');
    assert.equal(order?.averagePrice, '94.5');
    assert.deepEqual((await paper.fetchPositions(SYMBOL)).map((p) => `${p.side} ${p.amount}`), ['flat 0']);
    await paper.control.drain();
    assert.deepEqual(summary(), [
      'order entry open 0',
      'fill entry 0.5@100',
      'order entry filled 0.5',
      'order sl-t open 0',
      'fill sl-t 0.5@94.5',
      'order sl-t filled 0.5',
    ]);
  });

  test('placeStopOrder faults through failNext/rejectNext; a placeOrder fault still hits a stop', async () => {
    const paper = paperExchange({ now: () => 1_700_000_000_000 });
    paper.control.rejectNext('placeStopOrder', { retCode: 110007, retMsg: 'Insufficient available balance' });
    await paper.placeOrder(limitBuy('entry', '90'));
    await assert.rejects(paper.placeOrder(stop('sl-1', 'sell', '95')), { message: '{"retCode":110007,"retMsg":"Insufficient available balance"}' });
    paper.control.failNext('placeOrder', { kind: 'timeout-before' });
    await assert.rejects(paper.placeOrder(stop('sl-2', 'sell', '95')), ExchangeUnclearError);
    assert.equal((await paper.placeOrder(stop('sl-2', 'sell', '95'))).state, 'open');
  });
});
