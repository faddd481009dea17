/**
 * Positions through the application core (what the CLI and the API call), on both dialects, with
 * the ledger's real paper exchange: a scalper round trip's position and trade, `positions show`,
 * closing by hand, and stopping or deleting a bot that holds a position.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createBot, deleteBot, stopBot } from '../../src/app/bots.ts';
import { exitCodeOf } from '../../src/app/error-catalog.ts';
import { type Ledger, openLedger, venueOf } from '../../src/app/open-ledger.ts';
import { listOrders } from '../../src/app/orders.ts';
import { closePosition, listPositions, showPosition } from '../../src/app/positions.ts';
import { setStopLoss, type Position } from '../../src/domain/position/position.ts';
import { getOrder } from '../../src/storage/repositories/orders.ts';
import { forEachDialect, tempDir } from '../support/dialects.ts';

const SYMBOL = 'BTC/USDT';
const CONFIG = { amount: '0.01', entryPrice: '59950', takeProfitPrice: '60050' };
const MARKETS = { [SYMBOL]: { startPrice: '60000', tickSize: '0.01', volatility: '0.001', spread: '0' } };

async function open(url: string, dir: string): Promise<Ledger> {
  return openLedger({ url, migrate: true, venue: { seed: 7, dir, markets: MARKETS } });
}

async function move(ledger: Ledger, price: string): Promise<void> {
  venueOf(ledger).paper.control.setPrice(SYMBOL, price);
  await ledger.settle();
}

/** A bot whose entry filled: it holds long 0.01 at 59950, with its take-profit resting at 60050. */
async function holding(ledger: Ledger, id: string): Promise<Position> {
  await createBot(ledger, { id, pluginId: 'scalper', symbol: SYMBOL, config: CONFIG });
  await move(ledger, '59900');
  await move(ledger, '60000');
  const [position] = (await listPositions(ledger, { botId: id, status: 'open' }, {})).items;
  assert.ok(position, `bot ${id} holds a position`);
  assert.equal(position.amount, '0.01');
  return position;
}

/**
 * Protects the position with a stop order at the venue as the engine's stop-loss manager does
 * (intent stop_loss, a stop-market sell, protective; sl_order_id and the price on the position).
 */
async function protect(ledger: Ledger, position: Position, stopPrice: string): Promise<string> {
  const { execution } = venueOf(ledger).runtime;
  const order = await execution.placeOrder(
    { botId: position.botId as string, symbol: SYMBOL, side: 'sell', type: 'market', intent: 'stop_loss', amount: position.amount, stopPrice, protective: true },
    'engine',
  );
  await execution.transact(async (uow) => {
    const held = await uow.positions.positionById(position.id);
    if (held) uow.positions.savePosition(held, setStopLoss(held, { stopLossPrice: stopPrice, slOrderId: order.id }, execution.now()));
  });
  await ledger.settle();
  return order.id;
}

const rejectsWith = (promise: Promise<unknown>, code: string, exit: number, message: RegExp) =>
  assert.rejects(promise, (error: Error & { code?: string }) => {
    assert.equal(error.code, code, error.message);
    assert.equal(exitCodeOf(error), exit);
    assert.match(error.message, message);
    return true;
  });

forEachDialect('positions through the application core', (target) => {
  test('a scalper round trip: one closed position, its trade with exact pnl (fees included), and its events', async () => {
    const { url } = await target.create();
    const ledger = await open(url, tempDir());
    try {
      await createBot(ledger, { id: 'rt', pluginId: 'scalper', symbol: SYMBOL, config: { ...CONFIG, repeat: false } });
      await move(ledger, '59900');
      const [held] = (await listPositions(ledger, { status: 'open' }, {})).items;
      assert.equal(held?.amount, '0.01');
      await move(ledger, '60100');
      const { items } = await listPositions(ledger, { botId: 'rt' }, {});
      assert.equal(items.length, 1);
      const [position] = items;
      assert.equal(position?.status, 'closed');
      assert.equal(position?.exitReason, 'Take-profit filled at 60050');
      const detail = await showPosition(ledger, position?.id as string);
      // 0.01 x (60050 - 59950) = 1; fees 0.1% of 599.5 and of 600.5.
      assert.equal(detail.trade?.pnl, '-0.2');
      assert.equal(detail.trade?.fees, '1.2');
      assert.equal(detail.trade?.exitReason, 'Take-profit filled at 60050');
      assert.equal(detail.stopLoss.state, 'none');
      assert.equal(detail.stopLoss.order, null);
      const types = detail.events.map((e) => e.type);
      for (const type of ['OrderSubmitted', 'OrderFilled', 'PositionOpened', 'PositionClosed']) assert.ok(types.includes(type), `${type} in ${types}`);
      assert.ok(detail.events.every((e) => e.botId === 'rt'), 'only the bot’s entries');
      assert.deepEqual((await listPositions(ledger, { pluginId: 'nobody' }, {})).items, []);
      assert.deepEqual((await listPositions(ledger, { symbol: 'ETH/USDT' }, {})).items, []);
      await rejectsWith(listPositions(ledger, {}, { cursor: 'garbage' }), 'CURSOR_INVALID', 2, /--cursor/);
    } finally {
      await ledger.close();
    }
  });

  test('closing by hand: at market with its own exit reason and trade; again -> POSITION_NOT_OPEN; unknown -> POSITION_NOT_FOUND', async () => {
    const { url } = await target.create();
    const ledger = await open(url, tempDir());
    try {
      const position = await holding(ledger, 'ch');
      const closed = await closePosition(ledger, position.id, { actor: 'cli' });
      assert.equal(closed.position.status, 'closed');
      assert.equal(closed.position.exitReason, 'Closed by hand at market (cli)');
      assert.equal(closed.order?.type, 'market');
      assert.equal(closed.order?.status, 'closed');
      // Bought 0.01 at 59950, sold at market at 60000: 0.5 - 0.5995 - 0.6 of fees.
      assert.equal(closed.trade?.pnl, '-0.6995');
      assert.equal(closed.trade?.exitReason, 'Closed by hand at market (cli)');
      const exits = (await listOrders(ledger, { botId: 'ch' }, {})).items.filter((o) => o.intent === 'exit');
      assert.deepEqual(
        exits.map((o) => [o.type, o.status, o.cancellationReason]).sort(),
        [['limit', 'cancelled', 'REPLACED'], ['market', 'closed', null]],
        'the take-profit was replaced by the closing order, and the plugin placed no exit of its own meanwhile',
      );
      const orders = (await showPosition(ledger, position.id)).events.map((e) => e.type);
      assert.ok(orders.includes('PositionCloseRequested'), orders.join(','));
      await rejectsWith(closePosition(ledger, position.id, { actor: 'cli' }), 'POSITION_NOT_OPEN', 4, /is already closed \(Closed by hand at market \(cli\)\)/);
      await rejectsWith(closePosition(ledger, 'p-ghost', { actor: 'cli' }), 'POSITION_NOT_FOUND', 2, /position p-ghost does not exist/);
      await rejectsWith(showPosition(ledger, 'p-ghost'), 'POSITION_NOT_FOUND', 2, /p-ghost/);
      await rejectsWith(closePosition(ledger, position.id, { actor: 'cli', limitPrice: 'cheap' }), 'INVALID_DECIMAL', 2, /--limit must be a price/);
    } finally {
      await ledger.close();
    }
  });

  test('bots stop keeps the stop-loss of a held position and says so; without one it says NOT protected', async () => {
    const { url } = await target.create();
    const ledger = await open(url, tempDir());
    try {
      const position = await holding(ledger, 'ks');
      const stopId = await protect(ledger, position, '59000');
      const change = await stopBot(ledger, 'ks');
      assert.equal(change.bot.status, 'stopped');
      const [held] = change.positions ?? [];
      assert.match(held?.message ?? '', new RegExp(`^Bot ks stopped; it still holds long 0\\.01 BTC/USDT \\(position ${position.id}\\), protected by its stop-loss at 59000`));
      assert.equal(held?.stopLossState, 'protected');
      assert.equal(held?.position.status, 'open');
      const stop = await getOrder(ledger.database.db, stopId);
      assert.equal(stop?.status, 'pending', 'the stop-loss stays at the venue');
      assert.equal(stop?.cancellationReason, null);
      const exits = (await showPosition(ledger, position.id)).events.filter((e) => e.type === 'BotHoldsPosition');
      assert.equal(exits.length, 1, 'the event log says what the bot holds');
      assert.equal(exits[0]?.message, held?.message);
      const detail = await showPosition(ledger, position.id);
      assert.equal(detail.stopLoss.state, 'protected');
      assert.equal(detail.stopLoss.order?.status, 'pending');
      assert.equal(detail.stopLoss.order?.stopPrice, '59000');

      const bare = await holding(ledger, 'ns');
      const deleted = await deleteBot(ledger, 'ns');
      assert.equal(deleted.bot.status, 'deleted');
      assert.equal(
        deleted.positions?.[0]?.message,
        `Bot ns deleted; it still holds long 0.01 BTC/USDT (position ${bare.id}), NOT protected: no stop-loss; close it with \`botledger positions close ${bare.id}\``,
      );
      // A deleted bot's position can still be closed by hand.
      const closed = await closePosition(ledger, bare.id, { actor: 'cli' });
      assert.equal(closed.position.status, 'closed');

      // The stopped bot's protected position, closed by hand at a limit: its stop-loss is left over and cancelled (POSITION_CLOSED).
      const atLimit = await closePosition(ledger, position.id, { actor: 'cli', limitPrice: '59990' });
      assert.equal(atLimit.position.status, 'closed');
      assert.equal(atLimit.position.exitReason, 'Closed by hand at limit 59990 (cli)');
      assert.equal(atLimit.order?.type, 'limit');
      const leftover = await getOrder(ledger.database.db, stopId);
      assert.equal(leftover?.status, 'cancelled');
      assert.equal(leftover?.cancellationReason, 'POSITION_CLOSED');
      assert.deepEqual(venueOf(ledger).runtime.errors, []);
    } finally {
      await ledger.close();
    }
  });

  test('bots stop --close-position takes the entries and exits down, then closes the position at market', async () => {
    const { url } = await target.create();
    const ledger = await open(url, tempDir());
    try {
      const position = await holding(ledger, 'cp');
      const change = await stopBot(ledger, 'cp', { closePosition: true });
      assert.equal(change.bot.status, 'stopped');
      const [held] = change.positions ?? [];
      assert.match(held?.message ?? '', /^Bot cp stopped; it still holds long 0\.01 BTC\/USDT \(position \S+\), which is being closed at market/);
      assert.equal(held?.position.status, 'closed');
      assert.equal(held?.position.exitReason, 'Closed at market when bot cp was stopped (cli)');
      assert.equal(held?.closingOrder?.status, 'closed');
      const detail = await showPosition(ledger, position.id);
      assert.equal(detail.trade?.exitReason, 'Closed at market when bot cp was stopped (cli)');
      const tp = detail.events.find((e) => e.type === 'OrderCancelRequested');
      assert.ok(tp === undefined || /STOP/.test(tp.message), 'the take-profit was taken down with STOP');
      assert.deepEqual((await listPositions(ledger, { botId: 'cp', status: 'open' }, {})).items, [], 'nothing left open');
    } finally {
      await ledger.close();
    }
  });
});
