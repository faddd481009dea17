/**
 * The paper exchange's net positions (issue 8, item 4): per symbol, from its own fills, exact
 * decimals, kept in its state file; and the account's fills since a time.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import type { PositionStatusReport } from '../../src/exchange/exchange-adapter.ts';
import { PaperExchange } from '../../src/exchange/paper/paper-exchange.ts';
import type { PaperExchangeOptions } from '../../src/exchange/paper/paper-options.ts';
import { applyFillToPosition, positionReport } from '../../src/exchange/paper/positions.ts';
import { tempDir } from '../support/dialects.ts';
import { SYMBOL } from './paper-support.ts';

const ETH = 'ETH/USDT';
const MARKETS = {
  [SYMBOL]: { startPrice: '100', tickSize: '0.01', volatility: '0.01' },
  [ETH]: { startPrice: '10', tickSize: '0.01', volatility: '0.01' },
};

function open(file: string, options: PaperExchangeOptions = {}): PaperExchange {
  let clock = 1_700_000_000_000;
  return new PaperExchange({ file, markets: MARKETS, now: () => (clock += 1), ...options });
}

/** 'BTC/USDT long 0.01 @ 89.94', 'BTC/USDT flat 0' */
function line(report: PositionStatusReport): string {
  return `${report.symbol} ${report.side} ${report.amount}${report.entryPrice === undefined ? '' : ` @ ${report.entryPrice}`}`;
}

async function positions(paper: PaperExchange, symbol?: string): Promise<string[]> {
  return (await paper.fetchPositions(symbol)).map(line);
}

const buy = (clientOrderId: string, amount: string, price: string, symbol = SYMBOL) =>
  ({ clientOrderId, symbol, side: 'buy', type: 'limit', amount, price }) as const;
const marketOrder = (clientOrderId: string, side: 'buy' | 'sell', amount: string, symbol = SYMBOL) =>
  ({ clientOrderId, symbol, side, type: 'market', amount }) as const;

/** Buys in two partial fills, sells part, buys more, sells through flat into a short; ETH beside it. */
async function trade(paper: PaperExchange): Promise<void> {
  await paper.placeOrder(buy('e1', '0.01', '90'));
  paper.control.fillByHand({ symbol: SYMBOL, clientOrderId: 'e1' }, '0.004', '90');
  assert.deepEqual(await positions(paper, SYMBOL), ['BTC/USDT long 0.004 @ 90'], 'a partial fill opens the position');
  paper.control.fillByHand({ symbol: SYMBOL, clientOrderId: 'e1' }, '0.006', '89.9');
  assert.deepEqual(await positions(paper, SYMBOL), ['BTC/USDT long 0.01 @ 89.94'], '(0.004 x 90 + 0.006 x 89.9) / 0.01');
  await paper.placeOrder(marketOrder('x1', 'sell', '0.003'));
  assert.deepEqual(await positions(paper, SYMBOL), ['BTC/USDT long 0.007 @ 89.94'], 'a reduction keeps the entry price');
  await paper.placeOrder(buy('e2', '0.003', '95'));
  paper.control.fillByHand({ symbol: SYMBOL, clientOrderId: 'e2' }, undefined, '95');
  assert.deepEqual(await positions(paper, SYMBOL), ['BTC/USDT long 0.01 @ 91.458'], '(0.007 x 89.94 + 0.003 x 95) / 0.01: averaged against what remained');
  await paper.placeOrder(marketOrder('x2', 'sell', '0.015'));
  await paper.placeOrder(marketOrder('h1', 'buy', '2', ETH));
}

describe('paper exchange positions', () => {
  test('buys add and sells subtract, partial fills included, exactly; through flat the rest opens a short at the fill price', async () => {
    const paper = open(join(tempDir(), 'paper.db'));
    try {
      await trade(paper);
      assert.deepEqual(await positions(paper), ['BTC/USDT short 0.005 @ 100', 'ETH/USDT long 2 @ 10']);
      const [btc] = await paper.fetchPositions(SYMBOL);
      assert.equal((btc.raw as any).info.side, 'Sell');
      assert.equal((btc.raw as any).info.size, '0.005');
      assert.ok(btc.timestamp > 1_700_000_000_000, 'venue time');
      await paper.placeOrder(marketOrder('x3', 'buy', '0.005'));
      assert.deepEqual(await positions(paper), ['ETH/USDT long 2 @ 10'], 'a flat position is not listed without a symbol');
      const flat = await paper.fetchPositions(SYMBOL);
      assert.deepEqual(flat.map(line), ['BTC/USDT flat 0'], 'asked by symbol, a flat position is reported');
      assert.equal(flat[0].entryPrice, undefined);
      assert.deepEqual(await positions(paper, 'ETH/USDT'), ['ETH/USDT long 2 @ 10']);
    } finally {
      await paper.close();
    }
  });

  test('positions survive a restart, and a state file made before positions gets them from its fills', async () => {
    const file = join(tempDir(), 'paper.db');
    let paper = open(file);
    await trade(paper);
    const before = await positions(paper);
    assert.deepEqual(before, ['BTC/USDT short 0.005 @ 100', 'ETH/USDT long 2 @ 10']);
    await paper.close();
    paper = open(file);
    assert.deepEqual(await positions(paper), before, 'reopened');
    await paper.close();
    // An older state file: no positions table, nothing in paper_meta about it.
    const db = new BetterSqlite3(file);
    db.exec("drop table paper_positions; delete from paper_meta where key = 'positions_built'");
    db.close();
    paper = open(file);
    try {
      assert.deepEqual(await positions(paper), before, 'built from the fills the file had');
      await paper.placeOrder(marketOrder('x4', 'buy', '0.002'));
      assert.deepEqual(await positions(paper, SYMBOL), ['BTC/USDT short 0.003 @ 100'], 'and kept up to date from there');
    } finally {
      await paper.close();
    }
  });

  test('with balances, the base currency held equals the position, the quote paid the fills and fees exactly', async () => {
    const paper = open(join(tempDir(), 'paper.db'), { balances: { USDT: '1000' } });
    try {
      await paper.placeOrder(buy('e1', '0.01', '90'));
      paper.control.fillByHand({ symbol: SYMBOL, clientOrderId: 'e1' }, '0.004', '90');
      paper.control.fillByHand({ symbol: SYMBOL, clientOrderId: 'e1' }, '0.006', '89.9');
      await paper.placeOrder(marketOrder('x1', 'sell', '0.003'));
      assert.deepEqual(await positions(paper), ['BTC/USDT long 0.007 @ 89.94']);
      // 1000 - 0.8994 - 0.0008994 (fee) + 0.3 - 0.0003 (fee)
      assert.deepEqual(await paper.fetchBalance(), [
        { currency: 'BTC', total: '0.007', free: '0.007', used: '0' },
        { currency: 'USDT', total: '999.3994006', free: '999.3994006', used: '0' },
      ]);
    } finally {
      await paper.close();
    }
  });

  test('fetchFillsSince: every execution of the account at or after a venue time, oldest first, by symbol when asked', async () => {
    const paper = open(join(tempDir(), 'paper.db'));
    try {
      await trade(paper);
      const all = await paper.fetchFillsSince(0);
      assert.deepEqual(
        all.map((fill) => `${fill.clientOrderId} ${fill.side} ${fill.amount}@${fill.price}`),
        ['e1 buy 0.004@90', 'e1 buy 0.006@89.9', 'x1 sell 0.003@100', 'e2 buy 0.003@95', 'x2 sell 0.015@100', 'h1 buy 2@10'],
      );
      for (let i = 1; i < all.length; i += 1) assert.ok(all[i].timestamp > all[i - 1].timestamp, 'oldest first');
      const perOrder = [];
      for (const id of ['e1', 'x1', 'e2', 'x2']) perOrder.push(...(await paper.fetchFills({ symbol: SYMBOL, clientOrderId: id })));
      assert.deepEqual(await paper.fetchFillsSince(0, SYMBOL), perOrder, 'the same reports as fetchFills by order');
      assert.deepEqual(await paper.fetchFillsSince(all[2].timestamp), all.slice(2), 'since is inclusive');
      assert.deepEqual(await paper.fetchFillsSince(all[2].timestamp + 1), all.slice(3));
      assert.deepEqual(
        (await paper.fetchFillsSince(all[2].timestamp, ETH)).map((fill) => fill.clientOrderId),
        ['h1'],
      );
      assert.deepEqual(await paper.fetchFillsSince(all[5].timestamp + 1), []);
    } finally {
      await paper.close();
    }
  });

  test('a person trades on the website (tradeByHand) or the position changes with no fill (setPosition); both persist', async () => {
    const file = join(tempDir(), 'paper.db');
    let paper = open(file);
    const events: string[] = [];
    paper.subscribe((event) => {
      if (event.type === 'fill') events.push(`fill ${event.fill.clientOrderId} ${event.fill.side} ${event.fill.amount}@${event.fill.price}`);
    });
    await paper.placeOrder(marketOrder('e1', 'buy', '0.5'));
    const closed = paper.control.tradeByHand(SYMBOL, 'sell', '0.5');
    assert.equal(closed.clientOrderId, 'web-1');
    assert.equal(closed.state, 'filled');
    assert.deepEqual(await positions(paper, SYMBOL), ['BTC/USDT flat 0'], 'closed behind the ledger');
    assert.equal(paper.control.tradeByHand(SYMBOL, 'buy', '0.1').clientOrderId, 'web-2');
    await paper.control.drain();
    assert.deepEqual(events, ['fill e1 buy 0.5@100', 'fill web-1 sell 0.5@100', 'fill web-2 buy 0.1@100']);
    const set = paper.control.setPosition(SYMBOL, '-0.25', '101.5');
    assert.equal(line(set), 'BTC/USDT short 0.25 @ 101.5');
    assert.deepEqual(await positions(paper, SYMBOL), ['BTC/USDT short 0.25 @ 101.5']);
    assert.equal((await paper.fetchFillsSince(0)).length, 3, 'no fill explains it');
    assert.equal(line(paper.control.setPosition(ETH, '3')), 'ETH/USDT long 3 @ 10', 'entry at the last price by default');
    assert.throws(() => paper.control.setPosition(SYMBOL, 'abc'), { code: 'PAPER_CONTROL_INVALID' });
    await paper.close();
    paper = open(file);
    try {
      assert.deepEqual(await positions(paper), ['BTC/USDT short 0.25 @ 101.5', 'ETH/USDT long 3 @ 10']);
      await paper.placeOrder(marketOrder('e2', 'buy', '0.05'));
      assert.deepEqual(await positions(paper, SYMBOL), ['BTC/USDT short 0.2 @ 101.5'], 'fills move it on from there');
      assert.equal(paper.control.setPosition(SYMBOL, '0').side, 'flat');
      assert.deepEqual(await positions(paper), ['ETH/USDT long 3 @ 10']);
    } finally {
      await paper.close();
    }
  });

  test('the position arithmetic: an average that does not terminate is given to 18 places; a flip opens at the fill price', () => {
    const fill = (side: 'buy' | 'sell', amount: string, price: string) => ({ symbol: SYMBOL, side, amount, price, timestamp: 1 });
    let position = applyFillToPosition(undefined, fill('buy', '1', '100'));
    position = applyFillToPosition(position, fill('buy', '2', '100.01'));
    assert.deepEqual(position, { symbol: SYMBOL, net: '3', entryCost: '300.02', entryAmount: '3', updatedAt: 1 });
    assert.equal(positionReport(position, SYMBOL, 2).entryPrice, '100.006666666666666667');
    position = applyFillToPosition(position, fill('sell', '4.5', '99'));
    assert.deepEqual(position, { symbol: SYMBOL, net: '-1.5', entryCost: '148.5', entryAmount: '1.5', updatedAt: 1 });
  });
});
