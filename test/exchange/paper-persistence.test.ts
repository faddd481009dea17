import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { PaperExchange, paperExchangeFile } from '../../src/exchange/paper/paper-exchange.ts';
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

// Where botledger puts each ledger's state file (its own folder, keyed by ledger id) is tested in test/cli/ledger-venue-location.test.ts.
test('the state file is paper-exchange.db in the folder it is given', () => {
  assert.equal(paperExchangeFile('/srv/bot/ledger-5f0c'), '/srv/bot/ledger-5f0c/paper-exchange.db');
});

test('a state file belongs to one ledger: it keeps the ledger id and refuses another, naming both', async () => {
  const file = join(tempDir(), 'paper.db');
  const mine = new PaperExchange({ file, ledgerId: 'ledger-a' });
  await mine.placeOrder(limitBuy('one', '90'));
  assert.equal(mine.ledgerId, 'ledger-a');
  await mine.close();
  assert.throws(
    () => new PaperExchange({ file, ledgerId: 'ledger-b' }),
    (error: Error & { code?: string }) =>
      error.code === 'PAPER_LEDGER_MISMATCH' && /paper.db belongs to ledger ledger-a, not to ledger ledger-b/.test(error.message),
  );
  const again = new PaperExchange({ file, ledgerId: 'ledger-a' });
  assert.equal((await again.fetchOpenOrders()).length, 1, 'refusing another ledger changed nothing, and the file still opens for its own');
  await again.close();
});

test('fetchOrders lists every order, whatever its state, oldest first, since a venue time', async () => {
  let now = 1_000;
  const paper = new PaperExchange({ now: () => now });
  await paper.placeOrder(limitBuy('first', '90'));
  now = 2_000;
  await paper.placeOrder(limitBuy('second', '91'));
  await paper.cancelOrder({ symbol: 'BTC/USDT', clientOrderId: 'first' });
  assert.deepEqual((await paper.fetchOrders()).map((o) => [o.clientOrderId, o.state, o.createdAt]), [
    ['first', 'cancelled', 1_000],
    ['second', 'open', 2_000],
  ]);
  assert.deepEqual((await paper.fetchOrders({ since: 1_500 })).map((o) => o.clientOrderId), ['second']);
  assert.deepEqual(await paper.fetchOrders({ symbol: 'ETH/USDT' }), []);
  await paper.close();
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
