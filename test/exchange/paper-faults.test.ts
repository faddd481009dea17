import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ExchangeUnclearError, OrderRejectedError, RateLimitedError } from '../../src/exchange/exchange-adapter.ts';
import { SYMBOL, limitBuy, paperExchange, record } from './paper-support.ts';

describe('paper exchange faults', () => {
  test('a timeout after acting: the call fails unclear, yet the order exists and fetchOrder by client order id finds it', async () => {
    const paper = paperExchange();
    const { summary } = record(paper);
    paper.control.timeoutNext('placeOrder', 'after');
    await assert.rejects(paper.placeOrder(limitBuy('t-after', '90')), (error: unknown) => {
      assert.ok(error instanceof ExchangeUnclearError);
      assert.match(error.message, /timed out .* may or may not have acted/);
      return true;
    });
    const found = await paper.fetchOrder({ symbol: SYMBOL, clientOrderId: 't-after' });
    assert.equal(found?.state, 'open');
    await paper.control.drain();
    assert.deepEqual(summary(), ['order t-after open 0'], 'the venue pushed its event as usual');
    await assert.rejects(paper.placeOrder(limitBuy('t-after', '90')), /duplicate clientOrderId/, 'a blind retry is refused, not doubled');
  });

  test('a cancel that times out after acting has cancelled the order', async () => {
    const paper = paperExchange({ eventsBeforeResponse: true });
    await paper.placeOrder(limitBuy('tc', '90'));
    const { summary } = record(paper);
    paper.control.timeoutNext('cancelOrder', 'after');
    await assert.rejects(paper.cancelOrder({ symbol: SYMBOL, clientOrderId: 'tc' }), ExchangeUnclearError);
    assert.deepEqual(summary(), ['order tc cancelled 0'], 'event delivered before the timeout surfaced');
    assert.equal((await paper.fetchOrder({ symbol: SYMBOL, clientOrderId: 'tc' }))?.state, 'cancelled');
  });

  test('a timeout before acting leaves nothing on the venue', async () => {
    const paper = paperExchange();
    paper.control.timeoutNext('placeOrder', 'before');
    await assert.rejects(paper.placeOrder(limitBuy('t-before', '90')), ExchangeUnclearError);
    assert.equal(await paper.fetchOrder({ symbol: SYMBOL, clientOrderId: 't-before' }), undefined);
    assert.equal((await paper.placeOrder(limitBuy('t-before', '90'))).state, 'open', 'the retry places it');
  });

  test("a rejection carries the venue's payload and message, and stores nothing", async () => {
    const paper = paperExchange();
    paper.control.rejectNext('placeOrder');
    await assert.rejects(paper.placeOrder(limitBuy('rej', '90')), (error: unknown) => {
      assert.ok(error instanceof OrderRejectedError);
      assert.equal(error.code, 'ORDER_REJECTED');
      assert.equal(error.message, '{"retCode":10003,"retMsg":"API key is invalid."}');
      assert.equal((error.raw as any).retMsg, 'API key is invalid.');
      return true;
    });
    assert.equal(await paper.fetchOrder({ symbol: SYMBOL, clientOrderId: 'rej' }), undefined);
    paper.control.rejectNext('placeOrder', { retCode: 110007, retMsg: 'Insufficient available balance' });
    await assert.rejects(paper.placeOrder(limitBuy('rej2', '90')), /Insufficient available balance/);
  });

  test('a rate limit says when to retry and does not act', async () => {
    const paper = paperExchange();
    paper.control.rateLimitNext('cancelOrder', 2500);
    await paper.placeOrder(limitBuy('rl', '90'));
    await assert.rejects(paper.cancelOrder({ symbol: SYMBOL, clientOrderId: 'rl' }), (error: unknown) => {
      assert.ok(error instanceof RateLimitedError);
      assert.equal(error.retryAfterMs, 2500);
      return true;
    });
    assert.equal((await paper.fetchOrder({ symbol: SYMBOL, clientOrderId: 'rl' }))?.state, 'open');
    paper.control.rateLimitNext('fetchOpenOrders');
    await assert.rejects(paper.fetchOpenOrders(), RateLimitedError);
    assert.equal((await paper.fetchOpenOrders()).length, 1, 'only the next call');
  });

  test('fault probabilities are seeded: the same seed gives the same faults, another seed others', async () => {
    async function run(seed: number): Promise<string[]> {
      const paper = paperExchange({
        seed,
        faults: { timeoutAfterActing: 0.2, reject: 0.1, rateLimit: 0.1, dropEvent: 0.2, duplicateEvent: 0.2, reorderEvent: 0.2 },
      });
      const { summary } = record(paper);
      const outcomes: string[] = [];
      for (let i = 0; i < 30; i += 1) {
        try {
          outcomes.push((await paper.placeOrder(limitBuy(`o${i}`, '90'))).state);
        } catch (error) {
          outcomes.push((error as Error).name);
        }
      }
      await paper.control.drain();
      return [...outcomes, ...summary()];
    }
    const first = await run(11);
    assert.deepEqual(await run(11), first);
    assert.notDeepEqual(await run(12), first);
    for (const name of ['ExchangeUnclearError', 'OrderRejectedError', 'RateLimitedError'])
      assert.ok(first.includes(name), `${name} happened`);
  });

  test('probabilities outside 0..1 are refused, naming the option', () => {
    assert.throws(
      () => paperExchange({ faults: { dropEvent: 2 } }),
      /faults.dropEvent is a probability and must be between 0 and 1, got 2/,
    );
  });
});
