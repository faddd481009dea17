import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Decimal } from 'decimal.js';
import { OrderNotFoundError, OrderNotOpenError, OrderRejectedError } from '../../src/exchange/exchange-adapter.ts';
import { SYMBOL, limitBuy, paperExchange, record } from './paper-support.ts';

describe('paper exchange matching', () => {
  test('a limit buy below the market rests, then fills at its limit when the price crosses it', async () => {
    const paper = paperExchange();
    const placed = await paper.placeOrder(limitBuy('a1', '99.5', '2'));
    assert.equal(placed.state, 'open');
    assert.equal(placed.filledAmount, '0');
    paper.control.setPrice(SYMBOL, '99.6');
    assert.equal((await paper.fetchOrder({ symbol: SYMBOL, clientOrderId: 'a1' }))?.state, 'open', 'not crossed yet');
    paper.control.setPrice(SYMBOL, '99.2');
    const order = await paper.fetchOrder({ symbol: SYMBOL, clientOrderId: 'a1' });
    assert.equal(order?.state, 'filled');
    assert.equal(order?.filledAmount, '2');
    assert.equal(order?.averagePrice, '99.5', 'a resting (maker) order fills at its own limit');
    const fills = await paper.fetchFills({ symbol: SYMBOL, exchangeOrderId: placed.exchangeOrderId });
    assert.deepEqual(
      fills.map((fill) => [fill.amount, fill.price, fill.fee, fill.feeCurrency]),
      [['2', '99.5', '0.199', 'USDT']],
    );
    assert.deepEqual(await paper.fetchOpenOrders(SYMBOL), []);
  });

  test('a limit sell above the market fills when the price rises through it', async () => {
    const paper = paperExchange();
    await paper.placeOrder({ clientOrderId: 's1', symbol: SYMBOL, side: 'sell', type: 'limit', amount: '1', price: '101' });
    paper.control.setPrice(SYMBOL, '100.99');
    assert.equal((await paper.fetchOrder({ symbol: SYMBOL, clientOrderId: 's1' }))?.state, 'open');
    paper.control.setPrice(SYMBOL, '101.5');
    assert.equal((await paper.fetchOrder({ symbol: SYMBOL, clientOrderId: 's1' }))?.averagePrice, '101');
  });

  test('a marketable limit order fills at once at the touch (taker)', async () => {
    const paper = paperExchange();
    const placed = await paper.placeOrder(limitBuy('t1', '105'));
    assert.equal(placed.state, 'filled');
    assert.equal(placed.averagePrice, '100');
  });

  test('a market order fills at the current price, worsened by the configured slippage', async () => {
    const paper = paperExchange({ slippage: '0.001' });
    const buy = await paper.placeOrder({ clientOrderId: 'm1', symbol: SYMBOL, side: 'buy', type: 'market', amount: '0.5' });
    assert.equal(buy.state, 'filled');
    assert.equal(buy.averagePrice, '100.1');
    const sell = await paper.placeOrder({ clientOrderId: 'm2', symbol: SYMBOL, side: 'sell', type: 'market', amount: '0.5' });
    assert.equal(sell.averagePrice, '99.9');
    const [fill] = await paper.fetchFills({ symbol: SYMBOL, clientOrderId: 'm1' });
    assert.equal(fill.fee, '0.05005', 'fee = 0.001 of 0.5 x 100.1, in quote currency');
  });

  test('partial fills (liquidity per step) sum exactly to the amount, with unique trade ids', async () => {
    const paper = paperExchange({ liquidity: '0.3' });
    const placed = await paper.placeOrder({ clientOrderId: 'p1', symbol: SYMBOL, side: 'buy', type: 'market', amount: '1.1' });
    assert.equal(placed.state, 'partially_filled');
    assert.equal(placed.filledAmount, '0.3');
    paper.control.tick(10);
    const fills = await paper.fetchFills({ symbol: SYMBOL, clientOrderId: 'p1' });
    assert.deepEqual(
      fills.map((fill) => fill.amount),
      ['0.3', '0.3', '0.3', '0.2'],
    );
    assert.equal(fills.reduce((sum, fill) => sum.plus(fill.amount), new Decimal(0)).toFixed(), '1.1');
    assert.equal(new Set(fills.map((fill) => fill.tradeId)).size, 4);
    const order = await paper.fetchOrder({ symbol: SYMBOL, clientOrderId: 'p1' });
    assert.equal(order?.state, 'filled');
    assert.equal(order?.filledAmount, '1.1');
  });

  test('a sell stop rests untriggered, then executes at market once the price falls to it', async () => {
    const paper = paperExchange();
    const placed = await paper.placeOrder({
      clientOrderId: 'sl1',
      symbol: SYMBOL,
      side: 'sell',
      type: 'market',
      amount: '1',
      stopPrice: '95',
    });
    assert.equal(placed.state, 'open');
    assert.equal((placed.raw as any).info.orderStatus, 'Untriggered');
    paper.control.setPrice(SYMBOL, '96');
    assert.equal((await paper.fetchOrder({ symbol: SYMBOL, clientOrderId: 'sl1' }))?.state, 'open');
    paper.control.setPrice(SYMBOL, '94.5');
    const order = await paper.fetchOrder({ symbol: SYMBOL, clientOrderId: 'sl1' });
    assert.equal(order?.state, 'filled');
    assert.equal(order?.averagePrice, '94.5', 'a triggered stop takes the market price, not the stop price');
  });

  test('cancel removes an open order; cancelling it again, or a filled order, is an error naming its state', async () => {
    const paper = paperExchange();
    await paper.placeOrder(limitBuy('c1', '90'));
    const cancelled = await paper.cancelOrder({ symbol: SYMBOL, clientOrderId: 'c1' });
    assert.equal(cancelled.state, 'cancelled');
    assert.deepEqual(await paper.fetchOpenOrders(), []);
    paper.control.setPrice(SYMBOL, '80');
    assert.equal((await paper.fetchOrder({ symbol: SYMBOL, clientOrderId: 'c1' }))?.filledAmount, '0', 'a cancelled order never fills');
    await assert.rejects(paper.cancelOrder({ symbol: SYMBOL, clientOrderId: 'c1' }), (error: unknown) => {
      assert.ok(error instanceof OrderNotOpenError);
      assert.equal(error.state, 'cancelled');
      return true;
    });
    await paper.placeOrder(limitBuy('c2', '100'));
    await assert.rejects(paper.cancelOrder({ symbol: SYMBOL, clientOrderId: 'c2' }), (error: unknown) => {
      assert.ok(error instanceof OrderNotOpenError);
      assert.equal(error.state, 'filled');
      assert.match(error.message, /already filled and cannot be cancelled/);
      return true;
    });
    await assert.rejects(paper.cancelOrder({ symbol: SYMBOL, clientOrderId: 'never' }), OrderNotFoundError);
  });

  test('fetchOrder finds an order by either id and answers undefined for one never placed', async () => {
    const paper = paperExchange();
    const placed = await paper.placeOrder(limitBuy('f1', '90'));
    assert.equal((await paper.fetchOrder({ symbol: SYMBOL, exchangeOrderId: placed.exchangeOrderId }))?.clientOrderId, 'f1');
    assert.equal((await paper.fetchOrder({ symbol: SYMBOL, clientOrderId: 'f1' }))?.exchangeOrderId, placed.exchangeOrderId);
    assert.equal(await paper.fetchOrder({ symbol: SYMBOL, clientOrderId: 'nope' }), undefined);
    assert.equal(await paper.fetchOrder({ symbol: 'ETH/USDT', clientOrderId: 'f1' }), undefined, 'another symbol does not see it');
    assert.deepEqual(await paper.fetchFills({ symbol: SYMBOL, clientOrderId: 'nope' }), []);
  });

  test('a duplicate client order id is rejected and the first order is untouched', async () => {
    const paper = paperExchange();
    await paper.placeOrder(limitBuy('dup', '90'));
    await assert.rejects(paper.placeOrder(limitBuy('dup', '91', '5')), (error: unknown) => {
      assert.ok(error instanceof OrderRejectedError);
      assert.match(error.message, /duplicate clientOrderId/);
      assert.equal((error.raw as any).retCode, 110072);
      return true;
    });
    const open = await paper.fetchOpenOrders();
    assert.deepEqual(
      open.map((order) => [order.clientOrderId, order.price, order.amount]),
      [['dup', '90', '1']],
    );
  });

  test('a client order id over the limit is rejected with a message naming the limit, and nothing is stored', async () => {
    const paper = paperExchange();
    assert.equal(paper.capabilities.maxClientOrderIdLength, 36);
    const tooLong = 'x'.repeat(37);
    await assert.rejects(paper.placeOrder(limitBuy(tooLong, '90')), (error: unknown) => {
      assert.ok(error instanceof OrderRejectedError);
      assert.match(error.message, /clientOrderId is too long: 37 characters, the limit is 36/);
      return true;
    });
    assert.equal(await paper.fetchOrder({ symbol: SYMBOL, clientOrderId: tooLong }), undefined);
    await paper.placeOrder(limitBuy('y'.repeat(36), '90'));
  });

  test('bad requests are rejected with the field named: price off the grid, amount, missing price, unknown symbol', async () => {
    const paper = paperExchange({ createUnknownMarkets: false });
    await assert.rejects(paper.placeOrder(limitBuy('b1', '90.001')), /PRICE_FILTER: price 90.001 is not a multiple of the tick size 0.01/);
    await assert.rejects(paper.placeOrder(limitBuy('b2', '90', '-1')), /amount must be a positive decimal string, got '-1'/);
    await assert.rejects(paper.placeOrder({ ...limitBuy('b3', '90'), price: undefined }), /price is required for a limit order/);
    await assert.rejects(paper.placeOrder({ ...limitBuy('b4', '90'), symbol: 'DOGE/USDT' }), /Invalid symbol: 'DOGE\/USDT'/);
    await assert.rejects(paper.placeOrder(limitBuy('bad id!', '90')), /characters the venue does not accept/);
    assert.deepEqual(await paper.fetchOpenOrders(), []);
  });

  test('the raw payloads read like a real venue through ccxt', async () => {
    const paper = paperExchange();
    const { events } = record(paper);
    await paper.placeOrder(limitBuy('r1', '100'));
    await paper.control.drain();
    const fill = events.find((event) => event.type === 'fill');
    assert.ok(fill?.type === 'fill');
    const raw = fill.fill.raw as any;
    assert.equal(raw.order, fill.fill.exchangeOrderId);
    assert.equal(raw.info.orderLinkId, 'r1');
    assert.equal(raw.info.symbol, 'BTCUSDT');
    assert.equal(raw.takerOrMaker, 'taker');
    const last = events.at(-1);
    assert.ok(last?.type === 'order');
    assert.equal((last.report.raw as any).status, 'closed');
    assert.equal((last.report.raw as any).info.orderStatus, 'Filled');
  });
});

test('a market setting that is not a usable decimal is refused, naming the market and the setting', () => {
  assert.throws(
    () => paperExchange({ markets: { [SYMBOL]: { startPrice: '100', tickSize: '0' } } }),
    /markets\['BTC\/USDT'\].tickSize must be a decimal string above 0, got "0"/,
  );
  assert.throws(() => paperExchange({ markets: { [SYMBOL]: { startPrice: 'abc' } } }), /markets\['BTC\/USDT'\].startPrice/);
});
