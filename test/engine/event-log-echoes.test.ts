/**
 * Issue 6, defect 9 (fourth bullet): the event log records what happened, not every echo. A venue
 * report that restates what the ledger already has (the REST answer after its pushed event, the
 * venue's snapshot after a fill, a fetch during reconciliation) and a fetched fill that is already
 * stored write no row; a venue event that contradicts the ledger still does, and so does a fill
 * the stream delivers twice.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Reconciler } from '../../src/engine/recovery/reconciliation.ts';
import { forEachDialect } from '../support/dialects.ts';
import { type EngineFixture, openEngineFixture, SYMBOL, scalperConfig } from './engine-fixture.ts';

/** The event-log rows of an order as `source type` (with `NO` when not applied), oldest first. */
async function rows(f: EngineFixture, orderId: string): Promise<string[]> {
  return (await f.eventsOf({ orderId })).map((entry) => `${entry.source} ${entry.type}${entry.applied ? '' : ' NO'}`);
}

/** As {@link rows}, with the venue's two channels shown as one for the acknowledgement. */
async function roundTripRows(f: EngineFixture, orderId: string): Promise<string[]> {
  return (await rows(f, orderId)).map((row) => row.replace(/^exchange-(ws|rest) OrderAccepted$/, 'exchange-ws|rest OrderAccepted'));
}

/** Moves the price and lets the bot react, as `run` does. */
async function priceTo(f: EngineFixture, price: string): Promise<void> {
  f.paper.control.setPrice(SYMBOL, price);
  await f.settle();
  await f.bots.tick('rt');
  await f.settle();
}

forEachDialect('the event log records what happened, not every echo', (target) => {
  for (const eventsFirst of [true, false]) {
    // The acknowledgement is recorded by whichever comes first, the pushed event or the REST answer
    // (with the answer first, the stream may still win the race on another connection); once.
    const ack = 'exchange-ws|rest';
    test(`a round trip writes exactly its rows (venue events ${eventsFirst ? 'before' : 'after'} the REST answer)`, async () => {
      const f = await openEngineFixture(target, { paper: { eventsBeforeResponse: eventsFirst } });
      try {
        await f.bots.create({ id: 'rt', pluginId: 'scalper', symbol: SYMBOL, config: scalperConfig('59000', '59500') });
        await f.settle();
        await priceTo(f, '58990');
        await priceTo(f, '59510');
        await new Reconciler(f.execution).reconcilePending();
        await f.settle();
        const [entry, exit, next] = await f.ordersOfBot('rt');
        assert.equal(entry?.status, 'closed');
        assert.equal(exit?.status, 'closed');
        assert.deepEqual(await roundTripRows(f, entry?.id as string), [
          'engine OrderSubmitted',
          `${ack} OrderAccepted`,
          'exchange-ws OrderFilled',
          // The entry's fill opens the position; the exit's fill closes it, and with it the entry.
          'exchange-ws PositionOpened',
          'exchange-ws PositionClosed',
        ]);
        assert.deepEqual(await roundTripRows(f, exit?.id as string), [
          'engine OrderSubmitted',
          `${ack} OrderAccepted`,
          'exchange-ws OrderFilled',
          'exchange-ws PositionClosed',
        ]);
        assert.deepEqual(
          await roundTripRows(f, next?.id as string),
          ['engine OrderSubmitted', `${ack} OrderAccepted`],
          'the next entry rests; reconciliation found nothing new',
        );
      } finally {
        await f.close();
      }
    });
  }

  test('a fill seen once on the stream and once by reconciliation writes one row; fills are fetched once', async () => {
    const f = await openEngineFixture(target);
    let fetches = 0;
    const fetchFills = f.paper.fetchFills.bind(f.paper);
    f.paper.fetchFills = (ref) => {
      fetches++;
      return fetchFills(ref);
    };
    try {
      await f.bots.create({ id: 'rt', pluginId: 'scalper', symbol: SYMBOL, config: scalperConfig('59000', '59500') });
      const [order] = await f.ordersOfBot('rt');
      const ref = { symbol: SYMBOL, clientOrderId: order?.clientOrderId as string };
      f.paper.control.fillByHand(ref, '0.004');
      await f.settle();
      f.paper.control.dropNextEvents(2); // the second fill and its order report never arrive
      f.paper.control.fillByHand(ref);
      await f.settle();
      assert.equal((await f.order(order?.id as string)).filledAmount, '0.004');
      await new Reconciler(f.execution).reconcilePending();
      await f.settle();
      const after = await f.order(order?.id as string);
      assert.equal(after.filledAmount, '0.01');
      assert.equal(after.status, 'ongoing');
      assert.equal(fetches, 1, 'reconciliation asked the venue for the fills once');
      assert.deepEqual(await rows(f, after.id), [
        'engine OrderSubmitted',
        'exchange-ws OrderAccepted',
        'exchange-ws OrderPartiallyFilled',
        'exchange-ws PositionOpened',
        'reconciliation OrderFilled',
        'reconciliation PositionIncreased',
      ]);
    } finally {
      await f.close();
    }
  });

  test('a venue event that contradicts the ledger is still logged, and so is a fill the stream delivers twice', async () => {
    const f = await openEngineFixture(target);
    try {
      await f.bots.create({ id: 'rt', pluginId: 'scalper', symbol: SYMBOL, config: scalperConfig('59000', '59500') });
      const [order] = await f.ordersOfBot('rt');
      assert.ok(order?.exchangeOrderId);
      f.paper.control.duplicateNextEvents(1);
      f.paper.control.fillByHand({ symbol: SYMBOL, clientOrderId: order.clientOrderId });
      await f.settle();
      // The venue says cancelled; the ledger has the order executed.
      const venue = f.paper.control.order({ symbol: SYMBOL, clientOrderId: order.clientOrderId });
      assert.ok(venue);
      await f.processor.handle({ type: 'order', report: { ...venue, state: 'cancelled', reason: 'Cancelled by user' } });
      assert.deepEqual(await rows(f, order.id), [
        'engine OrderSubmitted',
        'exchange-ws OrderAccepted',
        'exchange-ws OrderFilled',
        'exchange-ws PositionOpened',
        'exchange-ws FillDuplicate NO',
        'exchange-ws OrderCanceled NO',
      ]);
      const log = await f.eventsOf({ orderId: order.id });
      assert.match(log.at(-1)?.message ?? '', /reported a cancel for an order that is completely filled/);
    } finally {
      await f.close();
    }
  });
});
