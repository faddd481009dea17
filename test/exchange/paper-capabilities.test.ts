/**
 * The paper exchange can be told to lack a capability, to behave like a venue that does: the
 * engine's tests of `capabilities` (test/engine/venue-capabilities.test.ts) run against it.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ExchangeError, OrderRejectedError } from '../../src/exchange/exchange-adapter.ts';
import { limitBuy, paperExchange, record, SYMBOL } from './paper-support.ts';

describe('paper exchange capabilities', () => {
  test('all capabilities are on by default, and the venue names itself "Paper exchange"', () => {
    const paper = paperExchange();
    assert.deepEqual(paper.capabilities, { maxClientOrderIdLength: 36, fetchByClientOrderId: true, streaming: true, stopOrders: true });
    assert.equal(paper.displayName, 'Paper exchange');
    assert.equal(paperExchange({ displayName: 'Sim venue' }).displayName, 'Sim venue');
  });

  test('without fetchByClientOrderId: a lookup by client order id alone is refused, naming the capability; by exchange order id it works', async () => {
    const paper = paperExchange({ capabilities: { fetchByClientOrderId: false } });
    assert.equal(paper.capabilities.fetchByClientOrderId, false);
    const placed = await paper.placeOrder(limitBuy('c1', '90'));
    for (const call of [
      () => paper.fetchOrder({ symbol: SYMBOL, clientOrderId: 'c1' }),
      () => paper.fetchFills({ symbol: SYMBOL, clientOrderId: 'c1' }),
      () => paper.cancelOrder({ symbol: SYMBOL, clientOrderId: 'c1' }),
    ]) {
      await assert.rejects(call(), (error: unknown) => {
        assert.ok(error instanceof ExchangeError);
        assert.equal(error.code, 'BAD_REQUEST');
        assert.match(error.message, /cannot find an order by client order id alone \(capability fetchByClientOrderId is off\); give the exchangeOrderId of c1/);
        return true;
      });
    }
    assert.equal((await paper.fetchOrder({ symbol: SYMBOL, exchangeOrderId: placed.exchangeOrderId }))?.clientOrderId, 'c1');
    const listed = await paper.fetchOrders({ symbol: SYMBOL });
    assert.deepEqual(
      listed.map((order) => order.clientOrderId),
      ['c1'],
      'listing still shows client order ids',
    );
    assert.equal((await paper.cancelOrder({ symbol: SYMBOL, clientOrderId: 'c1', exchangeOrderId: placed.exchangeOrderId })).state, 'cancelled');
  });

  test('without streaming: nothing is pushed, while the orders still fill', async () => {
    const paper = paperExchange({ capabilities: { streaming: false } });
    const recorder = record(paper);
    await paper.placeOrder(limitBuy('s1', '99'));
    paper.control.setPrice(SYMBOL, '98');
    await paper.control.drain();
    assert.deepEqual(recorder.summary(), []);
    assert.equal((await paper.fetchOrder({ symbol: SYMBOL, clientOrderId: 's1' }))?.state, 'filled');
  });

  test('without stopOrders: an order with a stop price is rejected naming the capability, and does not exist', async () => {
    const paper = paperExchange({ capabilities: { stopOrders: false } });
    await assert.rejects(
      paper.placeOrder({ clientOrderId: 'sl1', symbol: SYMBOL, side: 'sell', type: 'market', amount: '1', stopPrice: '95' }),
      (error: unknown) => {
        assert.ok(error instanceof OrderRejectedError);
        assert.match(error.message, /^Paper exchange takes no stop orders \(capability stopOrders is off\): BTC\/USDT clientOrderId=sl1 with stopPrice 95 refused$/);
        return true;
      },
    );
    assert.equal(await paper.fetchOrder({ symbol: SYMBOL, clientOrderId: 'sl1' }), undefined);
    assert.equal((await paper.placeOrder(limitBuy('l1', '90'))).state, 'open', 'orders without a stop price are taken');
  });
});
