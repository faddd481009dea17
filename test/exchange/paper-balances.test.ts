import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { OrderRejectedError } from '../../src/exchange/exchange-adapter.ts';
import { PaperExchange } from '../../src/exchange/paper/paper-exchange.ts';
import { tempDir } from '../support/dialects.ts';
import { SYMBOL, limitBuy, paperExchange } from './paper-support.ts';

async function balance(paper: PaperExchange, currency: string) {
  return (await paper.fetchBalance()).find((entry) => entry.currency === currency);
}

describe('paper exchange balances', () => {
  test('without starting balances the wallet is endless and reports nothing', async () => {
    const paper = paperExchange();
    await paper.placeOrder(limitBuy('big', '100', '1000000'));
    assert.deepEqual(await paper.fetchBalance(), []);
  });

  test('a buy beyond the free balance is rejected in the venue words and nothing is stored or locked', async () => {
    const paper = paperExchange({ balances: { USDT: '1000' }, feeRate: '0.001' });
    await assert.rejects(paper.placeOrder(limitBuy('too-big', '99', '11')), (error: unknown) => {
      assert.ok(error instanceof OrderRejectedError);
      assert.equal((error.raw as any).retCode, 110007);
      assert.match(error.message, /Insufficient available balance: the order needs 1090.089 USDT, free is 1000 USDT/);
      return true;
    });
    assert.equal(await paper.fetchOrder({ symbol: SYMBOL, clientOrderId: 'too-big' }), undefined);
    assert.deepEqual(await balance(paper, 'USDT'), { currency: 'USDT', total: '1000', free: '1000', used: '0' });
  });

  test('an order locks funds, a fill settles them exactly, a cancel releases the rest', async () => {
    const paper = paperExchange({ balances: { USDT: '1000' }, feeRate: '0.001', liquidity: '1' });
    await paper.placeOrder(limitBuy('lock', '99', '4'));
    assert.deepEqual(await balance(paper, 'USDT'), { currency: 'USDT', total: '1000', free: '603.604', used: '396.396' });
    await assert.rejects(paper.placeOrder(limitBuy('second', '99', '7')), /Insufficient available balance/);
    paper.control.setPrice(SYMBOL, '98'); // one unit fills at 99 (maker), fee 0.099
    assert.deepEqual(await balance(paper, 'USDT'), { currency: 'USDT', total: '900.901', free: '603.604', used: '297.297' });
    assert.deepEqual(await balance(paper, 'BTC'), { currency: 'BTC', total: '1', free: '1', used: '0' });
    await paper.cancelOrder({ symbol: SYMBOL, clientOrderId: 'lock' });
    assert.deepEqual(await balance(paper, 'USDT'), { currency: 'USDT', total: '900.901', free: '900.901', used: '0' });
    await assert.rejects(
      paper.placeOrder({ clientOrderId: 'sell2', symbol: SYMBOL, side: 'sell', type: 'market', amount: '2' }),
      /needs 2 BTC, free is 1 BTC/,
    );
    const sold = await paper.placeOrder({ clientOrderId: 'sell1', symbol: SYMBOL, side: 'sell', type: 'market', amount: '1' });
    assert.equal(sold.state, 'filled');
    assert.deepEqual(await balance(paper, 'USDT'), { currency: 'USDT', total: '998.803', free: '998.803', used: '0' });
    assert.deepEqual(await balance(paper, 'BTC'), { currency: 'BTC', total: '0', free: '0', used: '0' });
  });

  test('balances survive a restart, and starting balances are not applied twice', async () => {
    const file = join(tempDir(), 'paper.db');
    const before = new PaperExchange({ file, balances: { USDT: '500' } });
    await before.placeOrder(limitBuy('kept', '90', '2'));
    const snapshot = await before.fetchBalance();
    await before.close();
    const after = new PaperExchange({ file, balances: { USDT: '500' } });
    assert.deepEqual(await after.fetchBalance(), snapshot);
    after.control.setBalance('USDT', '10000');
    assert.equal((await balance(after, 'USDT'))?.free, '9819.82');
    await after.close();
  });
});
