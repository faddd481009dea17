/**
 * The paper exchange's market rules (issue 6, defects 2 and 9): it lists its markets with their
 * rules through the adapter contract (`loadMarkets`), enforces lot size, minimum notional and the
 * highest price like a real venue, and no longer invents a market for a symbol it does not list.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { OrderRejectedError } from '../../src/exchange/exchange-adapter.ts';
import { PaperExchange } from '../../src/exchange/paper/paper-exchange.ts';
import { tempDir } from '../support/dialects.ts';
import { limitBuy, paperExchange, SYMBOL } from './paper-support.ts';

describe('paper exchange market rules', () => {
  test('the built-in markets carry a real venue\'s rules, listed by loadMarkets', async () => {
    const paper = new PaperExchange({});
    try {
      assert.deepEqual(await paper.loadMarkets(), [
        { symbol: 'BTC/USDT', tickSize: '0.01', amountStep: '0.00001', minAmount: '0.00001', maxAmount: '9000', minNotional: '5', maxPrice: '1000000' },
        { symbol: 'ETH/USDT', tickSize: '0.01', amountStep: '0.0001', minAmount: '0.0001', maxAmount: '9000', minNotional: '5', maxPrice: '1000000' },
      ]);
    } finally {
      await paper.close();
    }
  });

  test('an unlisted symbol is rejected and no market is invented for it', async () => {
    const paper = new PaperExchange({});
    try {
      await assert.rejects(
        paper.placeOrder({ clientOrderId: 'd1', symbol: 'DOGE/USDT', side: 'buy', type: 'limit', amount: '100', price: '59950' }),
        (error: unknown) => error instanceof OrderRejectedError && /Invalid symbol: 'DOGE\/USDT' is not a market of this venue/.test(error.message),
      );
      assert.deepEqual((await paper.loadMarkets()).map((market) => market.symbol), ['BTC/USDT', 'ETH/USDT']);
      assert.equal(await paper.fetchOrder({ symbol: 'DOGE/USDT', clientOrderId: 'd1' }), undefined);
    } finally {
      await paper.close();
    }
  });

  test('a market an older venue invented keeps its orders but is no longer listed and takes no new order', async () => {
    const file = join(tempDir(), 'paper-exchange.db');
    const old = new PaperExchange({ file, createUnknownMarkets: true });
    await old.placeOrder({ clientOrderId: 'd1', symbol: 'DOGE/USDT', side: 'buy', type: 'limit', amount: '100', price: '90' });
    await old.close();
    const paper = new PaperExchange({ file });
    try {
      assert.deepEqual((await paper.loadMarkets()).map((market) => market.symbol), ['BTC/USDT', 'ETH/USDT']);
      await assert.rejects(
        paper.placeOrder({ clientOrderId: 'd2', symbol: 'DOGE/USDT', side: 'buy', type: 'limit', amount: '100', price: '90' }),
        /Invalid symbol: 'DOGE\/USDT' is not a market of this venue/,
      );
      paper.control.setPrice('DOGE/USDT', '80');
      assert.equal((await paper.fetchOrder({ symbol: 'DOGE/USDT', clientOrderId: 'd1' }))?.state, 'filled', 'its resting order still matches');
    } finally {
      await paper.close();
    }
  });

  test('lot size, minimum and maximum amount, minimum notional and the highest price are enforced', async () => {
    const paper = paperExchange({ markets: { [SYMBOL]: { startPrice: '100', tickSize: '0.01', amountStep: '0.001', minAmount: '0.01', maxAmount: '50', minNotional: '5', maxPrice: '1000' } } });
    await assert.rejects(paper.placeOrder(limitBuy('a1', '90', '0.0105')), /Filter failure: LOT_SIZE: amount 0\.0105 is not a multiple of the lot size 0\.001 of BTC\/USDT/);
    await assert.rejects(paper.placeOrder(limitBuy('a2', '90', '0.005')), /LOT_SIZE: amount 0\.005 is below the minimum amount 0\.01/);
    await assert.rejects(paper.placeOrder(limitBuy('a3', '90', '51')), /LOT_SIZE: amount 51 is above the maximum amount 50/);
    await assert.rejects(paper.placeOrder(limitBuy('a4', '90', '0.05')), /Filter failure: NOTIONAL: amount x price 4\.5 is below the minimum notional 5 of BTC\/USDT/);
    await assert.rejects(paper.placeOrder(limitBuy('a5', '1000.01', '1')), /PRICE_FILTER: price 1000\.01 is above the maximum price 1000 of BTC\/USDT/);
    assert.deepEqual(await paper.fetchOpenOrders(), []);
    await paper.placeOrder(limitBuy('ok', '90', '0.056'));
    assert.equal((await paper.fetchOpenOrders()).length, 1);
  });

  test('a market given only a price and a tick keeps the loose defaults (any amount of up to 18 decimals)', async () => {
    const paper = paperExchange();
    const [market] = await paper.loadMarkets();
    assert.deepEqual(market, { symbol: SYMBOL, tickSize: '0.01', amountStep: '0.000000000000000001', minAmount: '0.000000000000000001', minNotional: '0' });
    await paper.placeOrder(limitBuy('tiny', '90', '0.000000000000000001'));
  });
});
