/**
 * Reconciliation at start (src/engine/adoption.ts) from the library: venue orders with this
 * ledger's client order ids that the ledger does not know are adopted with their fills; those of a
 * bot the ledger does not have are reported, and their ids are never used again; a venue that does
 * not know the ledger's acknowledged orders is refused, with nothing changed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StartReconciler } from '../../src/engine/recovery/adoption.ts';
import type { Order } from '../../src/domain/order/order.ts';
import { ExecutionEngine } from '../../src/engine/orders/execution.ts';
import { Reconciler } from '../../src/engine/recovery/reconciliation.ts';
import { PaperExchange } from '../../src/exchange/paper/index.ts';
import { forEachDialect } from '../support/dialects.ts';
import { openEngineFixture, SYMBOL, scalperConfig } from './engine-fixture.ts';

forEachDialect('reconciliation at start', (target) => {
  test('adopts unknown orders of known bots with their fills, reports those of unknown bots, and never reuses their ids', async () => {
    const f = await openEngineFixture(target);
    try {
      await f.bots.create({ id: 'b1', pluginId: 'scalper', symbol: SYMBOL, config: scalperConfig() });
      await f.settle();
      // Orders the venue has and the ledger never heard of (its commits lost to a restore): their events are lost too.
      f.paper.control.dropNextEvents(100);
      await f.paper.placeOrder({ clientOrderId: 'bl-b1-5', symbol: SYMBOL, side: 'sell', type: 'limit', amount: '0.01', price: '61000' });
      await f.paper.placeOrder({ clientOrderId: 'bl-ghost-3', symbol: SYMBOL, side: 'buy', type: 'limit', amount: '0.01', price: '50000' });
      await f.paper.placeOrder({ clientOrderId: 'manual-1', symbol: SYMBOL, side: 'buy', type: 'limit', amount: '0.01', price: '50000' });
      f.paper.control.fillByHand({ symbol: SYMBOL, clientOrderId: 'bl-b1-5' });
      await f.paper.control.drain();

      const quiet = ExecutionEngine.open(f.caller, { exchange: f.paper, clock: f.clock, venueName: 'Paper exchange' });
      const report = await new StartReconciler(quiet).run();
      assert.deepEqual(report.adopted, ['bl-b1-5']);
      assert.deepEqual(report.unknownBotOrders, [{ clientOrderId: 'bl-ghost-3', botId: 'ghost', state: 'open' }]);
      assert.deepEqual(report.sequencesRaised, [{ botId: 'b1', sequence: 5 }]);
      assert.equal(report.venueOrders, 3, 'the hand-placed order is not botledger\'s and is left alone');

      const adopted = (await f.ordersOfBot('b1')).find((o) => o.clientOrderId === 'bl-b1-5');
      assert.ok(adopted);
      assert.equal(adopted.status, 'closed', 'a filled exit');
      assert.equal(adopted.filledAmount, '0.01');
      assert.equal(adopted.intent, 'exit');
      const events = await f.eventsOf({ orderId: adopted.id });
      assert.equal(events[0]?.type, 'OrderAdopted');
      assert.equal(events[0]?.source, 'reconciliation');
      assert.match(events[0]?.message ?? '', /^Order bl-b1-5 adopted from Paper exchange: the venue has it \(filled, filled 0\.01 of 0\.01\)/);
      assert.ok(events.some((e) => e.type === 'OrderFilled' && e.source === 'reconciliation'), 'its fill is recorded, from reconciliation');
      assert.ok((await f.eventsOf({ botId: 'ghost' })).some((e) => e.type === 'UnknownBotOrder' && /bl-ghost-3 \(open\) of bot ghost, which this ledger does not have - reported, not adopted/.test(e.message)));

      const again = await new StartReconciler(quiet).run();
      assert.deepEqual([again.adopted, again.sequencesRaised], [[], []], 'a second start finds nothing new');
      assert.deepEqual(again.unknownBotOrders.map((o) => o.clientOrderId), ['bl-ghost-3'], 'still reported');
      assert.equal((await f.eventsOf({ botId: 'ghost' })).filter((e) => e.type === 'UnknownBotOrder').length, 1, 'but logged once');

      // The next ids continue after what the venue has, also for a bot made later with the unknown id.
      const next = await f.execution.placeOrder({ botId: 'b1', side: 'buy', type: 'limit', intent: 'entry', amount: '0.01', price: '50000' });
      assert.equal(next.clientOrderId, 'bl-b1-6');
      f.clock.advance(60_000);
      await f.bots.create({ id: 'ghost', pluginId: 'scalper', symbol: SYMBOL, config: scalperConfig() });
      await f.settle();
      const [first] = await f.ordersOfBot('ghost');
      assert.equal(first?.clientOrderId, 'bl-ghost-4');
      assert.equal(first?.status, 'pending', 'not refused as a duplicate');
      // The new bot ghost does not inherit the order of the earlier bot of that id.
      const later = await new StartReconciler(quiet).run();
      assert.deepEqual(later.adopted, []);
      assert.deepEqual(later.unknownBotOrders.map((o) => o.clientOrderId), ['bl-ghost-3']);
      assert.deepEqual((await f.ordersOfBot('ghost')).map((o) => o.clientOrderId), ['bl-ghost-4']);
    } finally {
      await f.close();
    }
  });

  test('a venue that does not know the orders it acknowledged is refused, and no order is changed', async () => {
    const f = await openEngineFixture(target);
    const elsewhere = new PaperExchange({ now: () => f.clock.now() });
    try {
      await f.bots.create({ id: 'b1', pluginId: 'scalper', symbol: SYMBOL, config: scalperConfig() });
      await f.settle();
      const before = await f.ordersOfBot('b1');
      assert.equal(before[0]?.status, 'pending');
      const quiet = ExecutionEngine.open(f.caller, { exchange: elsewhere, clock: f.clock, venueName: 'Paper exchange' });
      await assert.rejects(new StartReconciler(quiet).run(), (error: Error & { code?: string }) => {
        assert.equal(error.code, 'VENUE_MISMATCH');
        assert.match(error.message, /^Paper exchange does not know bl-b1-1 \(its order \d+\), which it acknowledged to this ledger: this is not the ledger's venue/);
        return true;
      });
      // The same from the reconciliation every step runs: loud, never "the placement never reached it".
      await assert.rejects(new Reconciler(quiet).reconcileOrder(before[0] as Order), /Paper exchange does not know bl-b1-1/);
      assert.deepEqual(await f.ordersOfBot('b1'), before, 'nothing was failed or changed');
    } finally {
      await elsewhere.close();
      await f.close();
    }
  });
});
