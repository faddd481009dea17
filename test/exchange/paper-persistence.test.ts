import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { PaperExchange, paperExchangeFile, paperExchangeFileForDatabase } from '../../src/exchange/paper/paper-exchange.ts';
import type { PaperExchangeOptions } from '../../src/exchange/paper/paper-options.ts';
import { tempDir } from '../support/dialects.ts';
import { SYMBOL, limitBuy, paperExchange, record } from './paper-support.ts';

const MARKETS = { [SYMBOL]: { startPrice: '100', tickSize: '0.01', volatility: '0.01' } };

function open(file: string, options: PaperExchangeOptions = {}): PaperExchange {
  let clock = 1_700_000_000_000;
  return new PaperExchange({ file, markets: MARKETS, now: () => (clock += 1), ...options });
}

describe('paper exchange determinism', () => {
  test('the same seed gives the same price path and the same events; another seed another path', async () => {
    async function run(seed: number) {
      const paper = paperExchange({ seed, liquidity: '0.4' });
      const { events } = record(paper);
      await paper.placeOrder(limitBuy('a', '99'));
      await paper.placeOrder({ clientOrderId: 'b', symbol: SYMBOL, side: 'sell', type: 'limit', amount: '1', price: '101' });
      const path = Array.from({ length: 40 }, () => paper.control.tick(1)[0].last);
      await paper.control.drain();
      return { path, events };
    }
    const first = await run(5);
    const second = await run(5);
    assert.deepEqual(second.path, first.path);
    assert.deepEqual(second.events, first.events);
    assert.ok(
      first.events.some((event) => event.type === 'fill'),
      'the walk crossed an order',
    );
    assert.ok(new Set(first.path).size > 10, 'the price moves');
    assert.notDeepEqual((await run(6)).path, first.path);
  });
});

describe('paper exchange persistence', () => {
  test('a reopened state file has the same open orders, fills, prices and id counters', async () => {
    const file = paperExchangeFile(join(tempDir(), 'data'));
    const before = open(file, { seed: 9, liquidity: '0.3' });
    await before.placeOrder(limitBuy('keep', '90'));
    await before.placeOrder({ clientOrderId: 'part', symbol: SYMBOL, side: 'buy', type: 'market', amount: '1' });
    before.control.setPrice(SYMBOL, '100.5');
    const openBefore = await before.fetchOpenOrders();
    const fillsBefore = await before.fetchFills({ symbol: SYMBOL, clientOrderId: 'part' });
    const tickerBefore = await before.fetchTicker(SYMBOL);
    await before.close();
    assert.ok(existsSync(file));

    const after = open(file, { seed: 1234 });
    assert.equal(after.seed, '9', 'the file keeps its seed');
    assert.deepEqual(await after.fetchOpenOrders(), openBefore);
    assert.deepEqual(await after.fetchFills({ symbol: SYMBOL, clientOrderId: 'part' }), fillsBefore);
    assert.equal((await after.fetchTicker(SYMBOL)).last, tickerBefore.last);
    await assert.rejects(after.placeOrder(limitBuy('keep', '90')), /duplicate clientOrderId/);
    const next = await after.placeOrder(limitBuy('new', '90'));
    assert.ok(!openBefore.some((order) => order.exchangeOrderId === next.exchangeOrderId), 'order ids are not reused');
    after.control.configure({ liquidity: undefined });
    after.control.setPrice(SYMBOL, '100');
    const fillsAfter = await after.fetchFills({ symbol: SYMBOL, clientOrderId: 'part' });
    assert.equal(fillsAfter.length, fillsBefore.length + 1, 'the reopened venue goes on matching the old order');
    assert.equal(new Set(fillsAfter.map((fill) => fill.tradeId)).size, fillsAfter.length, 'trade ids stay unique');
    assert.equal((await after.fetchOrder({ symbol: SYMBOL, clientOrderId: 'part' }))?.filledAmount, '1');
    await after.close();
  });

  test('the price walk continues after a restart exactly as without one', async () => {
    const dir = tempDir();
    const straight = open(join(dir, 'straight.db'), { seed: 3 });
    straight.control.tick(20);
    const pathStraight = Array.from({ length: 20 }, () => straight.control.tick(1)[0].last);
    await straight.close();

    const file = join(dir, 'restarted.db');
    const first = open(file, { seed: 3 });
    first.control.tick(20);
    const firstHalf = Array.from({ length: 10 }, () => first.control.tick(1)[0].last);
    await first.close();
    const second = open(file, { seed: 3 });
    const secondHalf = Array.from({ length: 10 }, () => second.control.tick(1)[0].last);
    await second.close();
    assert.deepEqual([...firstHalf, ...secondHalf], pathStraight);
  });

  test('events in flight at a restart are lost, but the state they announced is on file', async () => {
    const file = join(tempDir(), 'paper.db');
    const before = open(file, { latencyMs: 50 });
    const { summary } = record(before);
    await before.placeOrder(limitBuy('inflight', '100'));
    await before.close();
    assert.deepEqual(summary(), []);
    const after = open(file);
    assert.equal((await after.fetchOrder({ symbol: SYMBOL, clientOrderId: 'inflight' }))?.state, 'filled');
    await after.close();
  });

  test('a closed exchange refuses calls with a clear error', async () => {
    const paper = open(':memory:');
    await paper.close();
    await assert.rejects(paper.fetchOpenOrders(), /the paper exchange is closed/);
  });
});

test('the state file sits next to botledger database, in its data directory', () => {
  assert.equal(paperExchangeFileForDatabase('sqlite:/srv/bot/ledger.db', {}), '/srv/bot/paper-exchange.db');
  assert.equal(
    paperExchangeFileForDatabase('sqlite:/srv/bot/ledger.db', { BOTLEDGER_DATA_DIR: '/var/lib/botledger' }),
    '/var/lib/botledger/paper-exchange.db',
  );
});

test('a second venue on a state file that is open is refused with a clear error; after close it opens', async () => {
  const file = join(tempDir(), 'paper.db');
  const first = open(file);
  await first.placeOrder(limitBuy('one', '90'));
  assert.throws(() => open(file), /paper exchange state file .*paper.db is already open in another PaperExchange/);
  await first.close();
  const second = open(file);
  assert.equal((await second.fetchOpenOrders()).length, 1);
  await second.close();
});
