/**
 * Acceptance (issue 8): partial fills and bot updates, found when tried (about half the bots of a
 * soak with partial fills went wrong). An entry filled 0.004 of 0.01 and then cancelled by UPDATE
 * leaves a position of 0.004 that the bot's exit sells; an exit filled 0.004 and then cancelled by
 * UPDATE is replaced by an exit for the remaining amount only. A long-only bot never goes short,
 * and no coin is left outside every position. Real paper exchange, partial fills by its control.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { add, mul, sub, sum } from '../../src/domain/money.ts';
import type { Order } from '../../src/domain/order/order.ts';
import { listFills } from '../../src/storage/repositories/fills.ts';
import { listPositions } from '../../src/storage/repositories/positions.ts';
import { getTrade } from '../../src/storage/repositories/trades.ts';
import { forEachDialect } from '../support/dialects.ts';
import { openRuntimeFixture, SYMBOL } from './runtime-fixture.ts';

type Fixture = Awaited<ReturnType<typeof openRuntimeFixture>>;

const config = (entryPrice: string, takeProfitPrice: string) => ({ amount: '0.01', entryPrice, takeProfitPrice });

async function settle(f: Fixture): Promise<void> {
  for (let round = 0; round < 3; round++) {
    await f.paper.control.drain();
    await f.runtime.settle();
  }
}

/** The venue fills `amount` of the order at its limit price (the market stays at 60000). */
function fillAt(f: Fixture, order: Order | undefined, amount?: string): void {
  assert.ok(order, 'the order exists');
  f.paper.control.fillByHand({ symbol: SYMBOL, clientOrderId: order.clientOrderId }, amount, order.price ?? undefined);
}

const live = (orders: Order[], intent: Order['intent']) => orders.filter((o) => o.intent === intent && o.status === 'pending' && o.cancellationReason === null);

/** Every fill of the bot, with its side: bought minus sold must equal what its open positions hold. */
async function coinBalance(f: Fixture, botId: string): Promise<{ net: string; held: string; positions: { side: string; status: string; amount: string }[]; fees: string; cash: string }> {
  const db = f.runtime.execution.database.db;
  let net = '0';
  let fees = '0';
  let cash = '0';
  for (const order of await f.orders(botId)) {
    for (const fill of await listFills(db, order.id)) {
      net = order.side === 'buy' ? add(net, fill.amount) : sub(net, fill.amount);
      fees = add(fees, fill.fee);
      const value = mul(fill.amount, fill.price);
      cash = order.side === 'buy' ? sub(cash, value) : add(cash, value);
    }
  }
  const positions = (await listPositions(db, { botId }, { limit: 1000 })).items;
  const held = sum(positions.filter((p) => p.status === 'open').map((p) => p.amount));
  return { net, held, positions: positions.map((p) => ({ side: p.side, status: p.status, amount: p.amount })), fees, cash };
}

async function assertNoCoinOutside(f: Fixture, botId: string, label: string): Promise<void> {
  const balance = await coinBalance(f, botId);
  assert.equal(balance.net, balance.held, `${label}: bought minus sold (${balance.net}) equals what the open positions hold (${balance.held})`);
  assert.ok(
    balance.positions.every((p) => p.side === 'long'),
    `${label}: a long-only bot never goes short: ${JSON.stringify(balance.positions)}`,
  );
  const [venue] = (await f.paper.fetchPositions?.(SYMBOL)) ?? [];
  assert.equal(venue?.side === 'short' ? `-${venue.amount}` : (venue?.amount ?? '0'), balance.net, `${label}: the venue's net position equals the ledger's`);
}

forEachDialect('partial fills and bot updates keep positions exact', (target) => {
  test('an entry filled 0.004 of 0.01 then cancelled by UPDATE leaves a position of 0.004 that the exit sells', async () => {
    const f = await openRuntimeFixture(target);
    try {
      await f.runtime.bots.create({ id: 'pe', pluginId: 'scalper', symbol: SYMBOL, config: config('59000', '60500') });
      await settle(f);
      const [entry] = live(await f.orders('pe'), 'entry');
      assert.ok(entry, 'the scalper placed its entry');
      fillAt(f, entry, '0.004');
      await settle(f);
      const opened = await f.runtime.execution.ledger.openPosition('pe', SYMBOL);
      assert.equal(opened?.amount, '0.004', 'the partial fill opened a position of 0.004');
      assert.deepEqual(live(await f.orders('pe'), 'exit'), [], 'no exit while the entry is still filling');
      await assertNoCoinOutside(f, 'pe', 'after the partial entry');

      await f.runtime.bots.update('pe', config('58900', '60400'));
      await settle(f);
      const orders = await f.orders('pe');
      const cancelled = orders.find((o) => o.id === entry.id);
      assert.equal(cancelled?.status, 'cancelled');
      assert.equal(cancelled?.cancellationReason, 'UPDATE');
      assert.equal(cancelled?.filledAmount, '0.004');
      const position = await f.runtime.execution.ledger.openPosition('pe', SYMBOL);
      assert.equal(position?.amount, '0.004', 'the position keeps the 0.004 bought');
      assert.deepEqual(live(orders, 'entry'), [], 'holding a position, the scalper places no new entry');
      const exits = live(orders, 'exit');
      assert.deepEqual(
        exits.map((o) => [o.side, o.type, o.price, o.amount]),
        [['sell', 'limit', '60400', '0.004']],
        'one exit for exactly what is held, at the new take-profit',
      );
      await assertNoCoinOutside(f, 'pe', 'after the update');

      fillAt(f, exits[0]);
      await settle(f);
      const closed = await f.runtime.execution.ledger.positionById(position?.id as string);
      assert.equal(closed?.status, 'closed');
      assert.equal(closed?.amount, '0');
      assert.equal(closed?.closedAmount, '0.004');
      assert.equal(closed?.exitReason, 'Take-profit filled at 60400');
      const trade = await getTrade(f.runtime.execution.database.db, `t-${closed?.id}`);
      const balance = await coinBalance(f, 'pe');
      assert.equal(trade?.amount, '0.004');
      assert.equal(trade?.fees, balance.fees, 'the trade carries every fee of its fills');
      assert.equal(trade?.pnl, sub(balance.cash, balance.fees), 'pnl = what the sale brought minus what the buy cost, minus fees, exactly');
      // 0.004 x (60400 - 59000) = 5.6; fees 0.1% of 236 and of 241.6.
      assert.equal(trade?.pnl, '5.1224');
      await assertNoCoinOutside(f, 'pe', 'after the exit');
      assert.deepEqual(f.runtime.errors, []);
    } finally {
      await f.close();
    }
  });

  test('an exit filled 0.004 then cancelled by UPDATE is replaced by an exit for the remaining 0.006 only', async () => {
    const f = await openRuntimeFixture(target);
    try {
      await f.runtime.bots.create({ id: 'px', pluginId: 'scalper', symbol: SYMBOL, config: config('59000', '60500') });
      await settle(f);
      const [entry] = live(await f.orders('px'), 'entry');
      fillAt(f, entry);
      await settle(f);
      const [exit] = live(await f.orders('px'), 'exit');
      assert.equal(exit?.amount, '0.01', 'the take-profit offers the whole position');
      fillAt(f, exit, '0.004');
      await settle(f);
      assert.equal((await f.runtime.execution.ledger.openPosition('px', SYMBOL))?.amount, '0.006');
      await assertNoCoinOutside(f, 'px', 'after the partial exit');

      await f.runtime.bots.update('px', config('59000', '60600'));
      await settle(f);
      const orders = await f.orders('px');
      const old = orders.find((o) => o.id === exit?.id);
      assert.equal(old?.status, 'cancelled');
      assert.equal(old?.cancellationReason, 'UPDATE');
      assert.equal(old?.filledAmount, '0.004');
      const replacements = live(orders, 'exit');
      assert.deepEqual(
        replacements.map((o) => [o.side, o.price, o.amount]),
        [['sell', '60600', '0.006']],
        'replaced by an exit for the remaining amount only',
      );
      assert.deepEqual(live(orders, 'entry'), [], 'no new entry while holding');
      await assertNoCoinOutside(f, 'px', 'after the update');

      fillAt(f, replacements[0]);
      await settle(f);
      const balance = await coinBalance(f, 'px');
      const positions = (await listPositions(f.runtime.execution.database.db, { botId: 'px' }, { limit: 10 })).items;
      assert.equal(positions.length, 1, 'one position: the round trip');
      const first = positions[0];
      assert.equal(first?.status, 'closed');
      assert.equal(first?.closedAmount, '0.01', 'the position sold exactly what it bought');
      const trade = await getTrade(f.runtime.execution.database.db, `t-${first?.id}`);
      assert.equal(trade?.amount, '0.01');
      // 0.004 x 1500 + 0.006 x 1600 = 15.6; fees 0.59 + 0.242 + 0.3636.
      assert.equal(trade?.pnl, sub(balance.cash, balance.fees), 'pnl = sales minus cost minus fees, exactly');
      assert.equal(trade?.pnl, '14.4044');
      assert.equal(trade?.exitReason, 'Take-profit filled at 60560', 'the exit price averages the two sales');
      await assertNoCoinOutside(f, 'px', 'after the replacement exit filled');
      assert.deepEqual(f.runtime.errors, []);
    } finally {
      await f.close();
    }
  });

  test('the same with the partial fill still unseen on the stream when the UPDATE cancels: the cancel answer brings it, and the exit sells 0.004', async () => {
    const f = await openRuntimeFixture(target, undefined, { delivery: 'manual', eventsBeforeResponse: false });
    try {
      await f.runtime.bots.create({ id: 'pd', pluginId: 'scalper', symbol: SYMBOL, config: config('59000', '60500') });
      await settle(f);
      const [entry] = live(await f.orders('pd'), 'entry');
      fillAt(f, entry, '0.004');
      // No delivery: the update acts on a ledger that has not seen the fill yet.
      await f.runtime.bots.update('pd', config('58900', '60400'));
      await settle(f);
      const orders = await f.orders('pd');
      assert.equal((await f.runtime.execution.ledger.openPosition('pd', SYMBOL))?.amount, '0.004');
      assert.deepEqual(live(orders, 'entry'), [], 'no second entry beside the position');
      assert.deepEqual(live(orders, 'exit').map((o) => o.amount), ['0.004']);
      await assertNoCoinOutside(f, 'pd', 'after the update');
      assert.deepEqual(f.runtime.errors, []);
    } finally {
      await f.close();
    }
  });
});
