import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { VenueEvent } from '../../src/exchange/exchange-adapter.ts';
import { PaperOptionsError } from '../../src/exchange/paper/paper-options.ts';
import { SYMBOL, limitBuy, paperExchange, record, summarize } from './paper-support.ts';

describe('paper exchange event stream', () => {
  test('with eventsBeforeResponse, the cancel event is handled (listener awaited) before cancelOrder returns', async () => {
    const paper = paperExchange({ eventsBeforeResponse: true });
    await paper.placeOrder(limitBuy('race', '90'));
    let returned = false;
    const seen: string[] = [];
    paper.subscribe(async (event) => {
      await new Promise((resolve) => setImmediate(resolve)); // a handler that does I/O
      seen.push(`${summarize(event)} returned=${returned}`);
    });
    await paper.cancelOrder({ symbol: SYMBOL, clientOrderId: 'race' });
    returned = true;
    assert.deepEqual(seen, ['order race cancelled 0 returned=false']);
  });

  test('without it, the call returns first and the event follows on a later turn', async () => {
    const paper = paperExchange();
    await paper.placeOrder(limitBuy('later', '90'));
    await paper.control.drain();
    const { summary } = record(paper);
    await paper.cancelOrder({ symbol: SYMBOL, clientOrderId: 'later' });
    assert.deepEqual(summary(), []);
    await paper.control.drain();
    assert.deepEqual(summary(), ['order later cancelled 0']);
  });

  test('with latency, events arrive after the responses, in the order they happened', async () => {
    const paper = paperExchange({ latencyMs: 15, liquidity: '0.5' });
    const { summary } = record(paper);
    await paper.placeOrder(limitBuy('l1', '99'));
    await paper.placeOrder({ clientOrderId: 'l2', symbol: SYMBOL, side: 'buy', type: 'market', amount: '1' });
    await paper.cancelOrder({ symbol: SYMBOL, clientOrderId: 'l1' });
    assert.deepEqual(summary(), [], 'nothing arrives before the latency');
    await paper.control.drain();
    assert.deepEqual(summary(), [
      'order l1 open 0',
      'order l2 open 0',
      'fill l2 0.5@100',
      'order l2 partially_filled 0.5',
      'order l1 cancelled 0',
    ]);
  });

  test("delivery 'manual' holds events until control.deliver()", async () => {
    const paper = paperExchange({ delivery: 'manual' });
    const { summary } = record(paper);
    await paper.placeOrder(limitBuy('m1', '100'));
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.deepEqual(summary(), []);
    assert.deepEqual(paper.control.pendingEvents().map(summarize), ['order m1 open 0', 'fill m1 1@100', 'order m1 filled 1']);
    assert.equal(await paper.control.deliver(1), 1);
    assert.deepEqual(summary(), ['order m1 open 0']);
    await paper.control.drain();
    assert.equal(summary().length, 3);
    assert.throws(() => paper.control.configure({ eventsBeforeResponse: true }), PaperOptionsError);
  });

  test('a cancel and a fill by hand push events with no botledger call involved', async () => {
    const paper = paperExchange();
    const { summary } = record(paper);
    await paper.placeOrder(limitBuy('h1', '90', '2'));
    await paper.placeOrder(limitBuy('h2', '91'));
    const report = paper.control.cancelByHand({ symbol: SYMBOL, clientOrderId: 'h1' });
    assert.equal(report.state, 'cancelled');
    const fill = paper.control.fillByHand({ symbol: SYMBOL, clientOrderId: 'h2' }, '0.25', '90.5');
    assert.equal(fill.amount, '0.25');
    await paper.control.drain();
    assert.deepEqual(summary(), [
      'order h1 open 0',
      'order h2 open 0',
      'order h1 cancelled 0',
      'fill h2 0.25@90.5',
      'order h2 partially_filled 0.25',
    ]);
    assert.throws(() => paper.control.fillByHand({ symbol: SYMBOL, clientOrderId: 'h2' }, '5'), /at most 0.75 \(what remains of h2\)/);
    assert.throws(() => paper.control.cancelByHand({ symbol: SYMBOL, clientOrderId: 'h1' }), /already cancelled/);
  });

  test('dropped, duplicated and reordered events (explicit next-N)', async () => {
    const paper = paperExchange();
    const { summary } = record(paper);
    paper.control.dropNextEvents(1);
    await paper.placeOrder(limitBuy('e1', '90'));
    paper.control.duplicateNextEvents(1);
    await paper.placeOrder(limitBuy('e2', '90'));
    paper.control.reorderNextEvents(1);
    await paper.placeOrder(limitBuy('e3', '90'));
    await paper.placeOrder(limitBuy('e4', '90'));
    await paper.control.drain();
    assert.deepEqual(summary(), ['order e2 open 0', 'order e2 open 0', 'order e4 open 0', 'order e3 open 0']);
    assert.deepEqual(paper.control.stats, { delivered: 4, dropped: 1, duplicated: 1, reordered: 1, lost: 0 });
    assert.equal(
      (await paper.fetchOrder({ symbol: SYMBOL, clientOrderId: 'e1' }))?.state,
      'open',
      'a dropped event is recoverable by asking',
    );
  });

  test('a held-back event is released by drain() when nothing follows it', async () => {
    const paper = paperExchange();
    const { summary } = record(paper);
    paper.control.reorderNextEvents(1);
    await paper.placeOrder(limitBuy('alone', '90'));
    await paper.control.drain();
    assert.deepEqual(summary(), ['order alone open 0']);
  });

  test('disconnect: listeners are told, events meanwhile are lost, and fetches recover them after reconnect', async () => {
    const paper = paperExchange();
    const { summary } = record(paper);
    await paper.placeOrder(limitBuy('d1', '99', '1'));
    await paper.control.drain();
    await paper.control.disconnect('test outage');
    assert.equal(paper.control.connected, false);
    paper.control.setPrice(SYMBOL, '98');
    await paper.placeOrder(limitBuy('d2', '90'));
    await paper.control.reconnect();
    await paper.control.drain();
    assert.deepEqual(summary(), ['order d1 open 0', 'disconnected', 'reconnected']);
    assert.equal(paper.control.stats.lost, 3);
    const d1 = await paper.fetchOrder({ symbol: SYMBOL, clientOrderId: 'd1' });
    assert.equal(d1?.state, 'filled');
    assert.equal((await paper.fetchFills({ symbol: SYMBOL, clientOrderId: 'd1' })).length, 1);
    assert.deepEqual(
      (await paper.fetchOpenOrders(SYMBOL)).map((order) => order.clientOrderId),
      ['d2'],
    );
    await paper.cancelOrder({ symbol: SYMBOL, clientOrderId: 'd2' });
    await paper.control.drain();
    assert.equal(summary().at(-1), 'order d2 cancelled 0', 'delivery resumes after reconnect');
  });

  test('a listener that throws is recorded and the stream goes on', async () => {
    const failures: VenueEvent[] = [];
    const paper = paperExchange({ onListenerError: (_error, event) => failures.push(event) });
    paper.subscribe(() => {
      throw new Error('handler bug');
    });
    const { summary } = record(paper);
    await paper.placeOrder(limitBuy('x1', '90'));
    await paper.placeOrder(limitBuy('x2', '90'));
    await paper.control.drain();
    assert.equal(summary().length, 2);
    assert.equal(paper.control.listenerFailures.length, 2);
    assert.equal(failures.length, 2);
  });

  test('ticker events, when asked for, follow every price change', async () => {
    const paper = paperExchange({ tickerEvents: true });
    const { summary } = record(paper);
    paper.control.setPrice(SYMBOL, '101');
    await paper.control.drain();
    assert.deepEqual(summary(), ['ticker 101']);
  });
});

describe('paper exchange event stream, re-entry and live mode', () => {
  test('a listener that places an order (eventsBeforeResponse) does not deadlock; its events follow', async () => {
    const paper = paperExchange({ eventsBeforeResponse: true });
    const { summary } = record(paper);
    paper.subscribe(async (event) => {
      if (event.type === 'fill' && event.fill.clientOrderId === 'entry') {
        await paper.placeOrder({ clientOrderId: 'take-profit', symbol: SYMBOL, side: 'sell', type: 'limit', amount: '1', price: '105' });
        await assert.rejects(paper.control.drain(), /called from inside an event listener/);
      }
    });
    await paper.placeOrder(limitBuy('entry', '100'));
    await paper.control.drain();
    assert.deepEqual(summary(), ['order entry open 0', 'fill entry 1@100', 'order entry filled 1', 'order take-profit open 0']);
  });

  test('live mode moves the price by itself until closed', async () => {
    const paper = paperExchange({ tickIntervalMs: 1, tickerEvents: true });
    const keepAlive = setInterval(() => {}, 1000); // the venue's timer is unref'd: it never holds a process open
    const first = await new Promise((resolve) => {
      paper.subscribe((event) => {
        if (event.type === 'ticker') resolve(event.ticker.symbol);
      });
    });
    clearInterval(keepAlive);
    assert.equal(first, SYMBOL);
    await paper.close();
  });
});

describe('paper exchange control batches', () => {
  test('a batch commits once and announces after; when it throws, what it did is kept and announced', async () => {
    const paper = paperExchange();
    await paper.placeOrder(limitBuy('b1', '90'));
    await paper.placeOrder(limitBuy('b2', '90'));
    await paper.control.drain();
    const { summary } = record(paper);
    assert.throws(
      () =>
        paper.control.batch(() => {
          paper.control.fillByHand({ symbol: SYMBOL, clientOrderId: 'b1' });
          assert.equal(paper.control.pendingEvents().length, 0, 'nothing is announced before the commit');
          paper.control.fillByHand({ symbol: SYMBOL, clientOrderId: 'b1' });
        }),
      /already filled/,
    );
    await paper.control.drain();
    assert.deepEqual(summary(), ['fill b1 1@100', 'order b1 filled 1']);
    assert.equal((await paper.fetchOrder({ symbol: SYMBOL, clientOrderId: 'b1' }))?.state, 'filled');
    assert.equal((await paper.fetchOrder({ symbol: SYMBOL, clientOrderId: 'b2' }))?.state, 'open');
  });
});

test('control.deliver() is refused on a stream that delivers by itself', async () => {
  const paper = paperExchange();
  await assert.rejects(paper.control.deliver(1), /steps a delivery: 'manual' stream/);
});

describe('paper exchange self-healing outages', () => {
  test('disconnect with reconnectAfterEvents comes back by itself after that many lost events', async () => {
    const paper = paperExchange();
    const { summary } = record(paper);
    await paper.control.disconnect('blip', { reconnectAfterEvents: 2 });
    await paper.placeOrder(limitBuy('o1', '90'));
    await paper.placeOrder(limitBuy('o2', '90'));
    await paper.placeOrder(limitBuy('o3', '90'));
    await paper.control.drain();
    assert.deepEqual(summary(), ['disconnected', 'reconnected', 'order o3 open 0']);
    assert.equal(paper.control.stats.lost, 2);
  });

  test('random disconnects (faults.disconnect) are seeded, heal after outageEvents, and lose only what fetches recover', async () => {
    async function run(seed: number) {
      const paper = paperExchange({ seed, faults: { disconnect: 0.15, outageEvents: 2 } });
      const { summary } = record(paper);
      for (let i = 0; i < 20; i += 1) {
        await paper.placeOrder(limitBuy(`r${i}`, '90'));
        await paper.control.drain(); // nothing in flight: an outage loses exactly outageEvents events
      }
      return { lines: summary(), open: (await paper.fetchOpenOrders()).length, stats: paper.control.stats };
    }
    const first = await run(21);
    assert.deepEqual(await run(21), first);
    const outages = first.lines.filter((line) => line === 'disconnected').length;
    assert.ok(outages > 0, 'at least one outage happened');
    assert.equal(first.lines.filter((line) => line === 'reconnected').length, outages, 'every outage healed');
    assert.equal(first.stats.lost, outages * 2);
    assert.equal(first.lines.filter((line) => line.startsWith('order')).length, 20 - first.stats.lost);
    assert.equal(first.open, 20, 'the venue kept every order');
  });
});

test('events still in flight when the connection drops are lost with it', async () => {
  const paper = paperExchange({ latencyMs: 5 });
  const { summary } = record(paper);
  await paper.placeOrder(limitBuy('in-flight', '90'));
  await paper.control.disconnect('drop');
  await paper.control.reconnect();
  await paper.control.drain();
  assert.deepEqual(summary(), ['disconnected', 'reconnected']);
  assert.equal(paper.control.stats.lost, 1);
  assert.equal((await paper.fetchOrder({ symbol: SYMBOL, clientOrderId: 'in-flight' }))?.state, 'open');
});
