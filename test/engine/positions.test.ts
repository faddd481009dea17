/**
 * Issue 8, item 1: positions from fills, in the fill's transaction. A scalper round trip makes
 * one position and one trade with the exact pnl (fees included); several entries at different
 * prices and partial exits add up exactly; an exit never sells more than the position holds.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Decimal } from '../../src/domain/money.ts';
import type { Position } from '../../src/domain/position/position.ts';
import type { StrategyPlugin } from '../../src/plugins/plugin-api.ts';
import { z } from 'zod';
import { cancelLeftoversOfClosedPositions } from '../../src/engine/positions/position-exits.ts';
import { forEachDialect } from '../support/dialects.ts';
import { type EngineFixture, openEngineFixture, SYMBOL, scalperConfig } from './engine-fixture.ts';

/** A strategy that does nothing: the test places the orders. */
const MANUAL: StrategyPlugin<Record<string, never>> = {
  id: 'manual',
  description: 'test: orders placed by the test',
  configSchema: z.object({}).strict(),
  onStart: () => [],
  onTick: () => [],
  onOrderUpdate: () => [],
};

/** A bot `m` of the manual plugin, holding a long 0.01 bought at market when `holding`. */
async function manualBot(f: EngineFixture, holding: boolean): Promise<void> {
  f.bots.plugins.register(MANUAL);
  await f.bots.create({ id: 'm', pluginId: 'manual', symbol: SYMBOL, config: {} });
  if (!holding) return;
  await f.execution.placeOrder({ botId: 'm', side: 'buy', type: 'market', intent: 'entry', amount: '0.01' });
  await f.settle();
}

async function priceTo(f: EngineFixture, botId: string, price: string): Promise<void> {
  f.paper.control.setPrice(SYMBOL, price);
  await f.settle();
  await f.bots.tick(botId);
  await f.settle();
}

async function positionsOf(f: EngineFixture, botId: string): Promise<Position[]> {
  return f.observer.read(async (q) => {
    const rows = await q.all('select id from positions where bot_id = ? order by opened_at, id', [botId]);
    return Promise.all(rows.map(async (row) => (await f.ledger.positionById(String(row.id))) as Position));
  });
}

async function tradesOf(f: EngineFixture, botId: string) {
  return f.observer.read((q) => q.all<{ id: string; position_id: string; plugin_id: string; amount: unknown; pnl: unknown; fees: unknown; exit_reason: string; entry_price: unknown; exit_price: unknown }>('select * from trades where bot_id = ? order by closed_at, id', [botId]));
}

/** Every fill of the bot's orders: side, amount, price, fee, from the fills table. */
async function fillsOf(f: EngineFixture, botId: string) {
  return f.observer.read((q) => q.all<{ side: string; amount: unknown; price: unknown; fee: unknown }>('select o.side, f.amount, f.price, f.fee from fills f join orders o on o.id = f.order_id where o.bot_id = ? order by f.id', [botId]));
}

/** The pnl of a set of fills, by brute force: what was received minus what was paid minus every fee. */
function bruteForcePnl(fills: readonly { side: string; amount: unknown; price: unknown; fee: unknown }[]): string {
  let pnl = new Decimal(0);
  for (const fill of fills) {
    const value = new Decimal(String(fill.amount)).times(String(fill.price));
    pnl = (fill.side === 'sell' ? pnl.plus(value) : pnl.minus(value)).minus(String(fill.fee));
  }
  return pnl.toFixed();
}

const money = (value: unknown) => new Decimal(String(value)).toFixed();

forEachDialect('positions from fills', (target) => {
  test('a scalper round trip makes one position and one trade with the exact pnl, fees included', async () => {
    const f = await openEngineFixture(target);
    try {
      await f.bots.create({ id: 'rt', pluginId: 'scalper', symbol: SYMBOL, config: scalperConfig('59000', '59500') });
      await f.settle();
      await priceTo(f, 'rt', '58990');
      const [open] = await positionsOf(f, 'rt');
      assert.equal(open?.status, 'open');
      assert.equal(open?.side, 'long');
      assert.equal(open?.amount, '0.01');
      assert.equal(open?.pluginId, 'scalper');
      await priceTo(f, 'rt', '59510');
      const positions = await positionsOf(f, 'rt');
      assert.equal(positions.length, 1, 'one round trip, one position');
      const [closed] = positions;
      assert.equal(closed?.status, 'closed');
      assert.equal(closed?.amount, '0');
      const trades = await tradesOf(f, 'rt');
      assert.equal(trades.length, 1);
      const [trade] = trades;
      const fills = await fillsOf(f, 'rt');
      assert.equal(fills.length, 2);
      assert.equal(money(trade?.pnl), bruteForcePnl(fills), 'pnl = received - paid - fees');
      assert.equal(money(trade?.fees), new Decimal(String(fills[0]?.fee)).plus(String(fills[1]?.fee)).toFixed());
      assert.equal(trade?.plugin_id, 'scalper');
      assert.equal(trade?.position_id, closed?.id);
      assert.equal(trade?.exit_reason, `Take-profit filled at ${money(trade?.exit_price)}`);
      assert.equal(closed?.exitReason, trade?.exit_reason);
      const [entry, exit] = await f.ordersOfBot('rt');
      assert.equal(entry?.status, 'closed', 'the entry is done once its position closed');
      assert.equal(exit?.status, 'closed');
    } finally {
      await f.close();
    }
  });

  test('several entries at different prices, partial fills and partial exits add up exactly', async () => {
    const f = await openEngineFixture(target);
    try {
      await manualBot(f, false);
      const place = (input: { side: 'buy' | 'sell'; intent: 'entry' | 'exit'; amount: string; price?: string }) =>
        f.execution.placeOrder({ botId: 'm', type: input.price ? 'limit' : 'market', ...input });
      const entry1 = await place({ side: 'buy', intent: 'entry', amount: '0.01', price: '59000' });
      f.paper.control.fillByHand({ symbol: SYMBOL, clientOrderId: entry1.clientOrderId }, '0.004', '59000');
      f.paper.control.fillByHand({ symbol: SYMBOL, clientOrderId: entry1.clientOrderId }, '0.006', '58900.01');
      await f.settle();
      await place({ side: 'buy', intent: 'entry', amount: '0.005' });
      await f.settle();
      let [position] = await positionsOf(f, 'm');
      assert.equal(position?.amount, '0.015');
      // 0.004 x 59000 + 0.006 x 58900.01 + 0.005 x the market fill: the cost is kept exactly.
      const entryFills = await fillsOf(f, 'm');
      const cost = entryFills.reduce((total, fill) => total.plus(new Decimal(String(fill.amount)).times(String(fill.price))), new Decimal(0));
      assert.equal(position?.entryCost, cost.toFixed());
      const exit = await place({ side: 'sell', intent: 'exit', amount: '0.015', price: '61000.03' });
      f.paper.control.fillByHand({ symbol: SYMBOL, clientOrderId: exit.clientOrderId }, '0.007', '61000.03');
      await f.settle();
      [position] = await positionsOf(f, 'm');
      assert.equal(position?.status, 'open');
      assert.equal(position?.amount, '0.008', 'a partial exit reduces the position');
      f.paper.control.fillByHand({ symbol: SYMBOL, clientOrderId: exit.clientOrderId }, '0.008', '61000.03');
      await f.settle();
      [position] = await positionsOf(f, 'm');
      assert.equal(position?.status, 'closed');
      const [trade] = await tradesOf(f, 'm');
      assert.equal(money(trade?.amount), '0.015');
      assert.equal(money(trade?.pnl), bruteForcePnl(await fillsOf(f, 'm')), 'exact to the last digit, fees included');
      assert.equal(trade?.exit_reason, 'Take-profit filled at 61000.03');
    } finally {
      await f.close();
    }
  });

  test('an exit that sells more than the position holds closes it and never opens a short', async () => {
    const f = await openEngineFixture(target);
    try {
      await manualBot(f, true);
      await f.execution.placeOrder({ botId: 'm', side: 'sell', type: 'market', intent: 'exit', amount: '0.015' });
      await f.settle();
      const positions = await positionsOf(f, 'm');
      assert.deepEqual(positions.map((p) => [p.side, p.status]), [['long', 'closed']], 'no short was opened');
      const events = await f.eventsOf({ botId: 'm' });
      const overfill = events.find((event) => event.type === 'PositionOverfilled');
      assert.ok(overfill, 'the excess is in the event log');
      assert.match(overfill.message, /sold 0\.005 more than position .* held - not opened as a short/);
      assert.equal(overfill.applied, false);
      // A sell with no position at all is logged and applied to none.
      await f.execution.placeOrder({ botId: 'm', side: 'sell', type: 'market', intent: 'exit', amount: '0.001' });
      await f.settle();
      assert.equal((await positionsOf(f, 'm')).length, 1);
      assert.ok((await f.eventsOf({ botId: 'm' })).some((event) => event.type === 'PositionMissing' && !event.applied));
    } finally {
      await f.close();
    }
  });

  test('a stop-loss a closed position left live (a crash before its cancel) is found and cancelled with POSITION_CLOSED', async () => {
    const f = await openEngineFixture(target);
    try {
      await manualBot(f, true);
      const stop = await f.execution.placeOrder({ botId: 'm', side: 'sell', type: 'market', intent: 'stop_loss', amount: '0.01', stopPrice: '59000', protective: true });
      const exit = await f.execution.placeOrder({ botId: 'm', side: 'sell', type: 'limit', intent: 'exit', amount: '0.01', price: '61000' });
      // The take-profit fills; no runtime follows the commit here, as after a kill -9 at that point.
      f.paper.control.fillByHand({ symbol: SYMBOL, clientOrderId: exit.clientOrderId });
      await f.settle();
      assert.equal((await positionsOf(f, 'm'))[0]?.status, 'closed');
      assert.equal((await f.order(stop.id)).status, 'pending', 'the stop rests at the venue with nothing to protect');
      assert.equal(await cancelLeftoversOfClosedPositions(f.execution), 1);
      await f.settle();
      const cancelled = await f.order(stop.id);
      assert.equal(cancelled.status, 'cancelled');
      assert.equal(cancelled.cancellationReason, 'POSITION_CLOSED');
      assert.equal(f.paper.control.order({ symbol: SYMBOL, clientOrderId: stop.clientOrderId })?.state, 'cancelled', 'and at the venue');
      assert.equal(await cancelLeftoversOfClosedPositions(f.execution), 0, 'a second pass finds nothing');
    } finally {
      await f.close();
    }
  });
});
