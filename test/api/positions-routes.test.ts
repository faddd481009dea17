/**
 * The positions routes over a real ledger and paper exchange: a fill opens a position, the list
 * filters and pages it, show gives its stop-loss state with the venue's whole error, its sync state
 * and its events, and a close by hand ends it with its trade.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { venueOf } from '../../src/app/open-ledger.ts';
import { BYBIT_STOP_REJECTION } from '../../src/exchange/paper/paper-control.ts';
import { tempDir } from '../support/dialects.ts';
import { openApi, SCALPER_CONFIG, SYMBOL } from './api-fixture.ts';

const api = await openApi({ url: `sqlite:${tempDir('api-positions')}/ledger.db`, dialect: 'sqlite', dir: tempDir('api-positions-venue') });

test('a filled entry opens a position: list, filters, show with the stop-loss error in full', async () => {
  const alice = await api.user('alice');
  const { paper } = venueOf(api.ledger);
  for (const id of ['pos1', 'pos2']) {
    const created = await api.call(alice, 'POST', '/api/v1/bots', {
      id,
      pluginId: 'scalper',
      symbol: SYMBOL,
      config: { ...SCALPER_CONFIG, stopLossPrice: '59000' },
    });
    assert.equal(created.status, 201, created.body);
  }
  paper.control.rejectStopOrders(1);
  await api.move('59950');

  const open = await api.call(alice, 'GET', '/api/v1/positions?status=open');
  assert.equal(open.status, 200, open.body);
  assert.equal(open.json.items.length, 2);
  assert.ok(
    open.json.items.every(
      (position: { amount: string; entryPrice: string }) => position.amount === '0.01' && position.entryPrice === '59950',
    ),
  );
  const byBot = await api.call(alice, 'GET', '/api/v1/positions?bot=pos1&symbol=BTC-USDT');
  assert.equal(byBot.json.items.length, 1);
  assert.equal(byBot.json.items[0].botId, 'pos1');
  assert.equal((await api.call(alice, 'GET', '/api/v1/positions?status=closed')).json.items.length, 0);
  const first = await api.call(alice, 'GET', '/api/v1/positions?limit=1');
  assert.equal(first.json.items.length, 1);
  const second = await api.call(alice, 'GET', `/api/v1/positions?limit=1&cursor=${encodeURIComponent(first.json.nextCursor)}`);
  assert.equal(second.json.items.length, 1);
  assert.notEqual(second.json.items[0].id, first.json.items[0].id, 'the second page is the other position');

  const shown = await Promise.all(
    open.json.items.map((position: { id: string }) => api.call(alice, 'GET', `/api/v1/positions/${position.id}`)),
  );
  for (const answer of shown) assert.equal(answer.status, 200, answer.body);
  const rejected = shown.find((answer) => answer.json.stopLoss.errorDetails !== null);
  assert.ok(rejected, 'one stop-loss placement was rejected and its error kept');
  assert.equal(rejected.json.stopLoss.price, '59000');
  assert.ok(rejected.json.stopLoss.lastErrorAt);
  assert.ok(JSON.stringify(rejected.json.stopLoss.errorDetails).includes(BYBIT_STOP_REJECTION.retMsg), 'the whole venue message');
  const protectedOne = shown.find((answer) => answer.json.stopLoss.state === 'protected');
  assert.ok(protectedOne, 'the other position has its stop order');
  assert.equal(protectedOne.json.stopLoss.order.stopPrice, '59000');
  assert.ok('status' in protectedOne.json.sync && 'lastSyncAt' in protectedOne.json.sync);
  assert.ok(protectedOne.json.events.length > 0);
  assert.equal(protectedOne.json.trade, null);
});

test("an open position is marked to the venue's last price: its unrealized pnl is exact; a closed one has none", async () => {
  const alice = await api.user('alice');
  await api.move('59987.37');
  const open = await api.call(alice, 'GET', '/api/v1/positions?status=open');
  assert.equal(open.status, 200, open.body);
  for (const position of open.json.items) {
    assert.equal(position.markPrice, '59987.37');
    // 0.01 x 59987.37 - 0.01 x 59950 = 0.3737, exactly (a float sum would give 0.37369999...).
    assert.equal(position.unrealizedPnl, '0.3737', JSON.stringify(position));
  }
  const shown = await api.call(alice, 'GET', `/api/v1/positions/${open.json.items[0].id}`);
  assert.equal(shown.json.position.unrealizedPnl, '0.3737');
  assert.equal(shown.json.position.markPrice, '59987.37');
});

test('close by hand: the position closes with its trade; again is 409; bad input names the field', async () => {
  const alice = await api.user('alice');
  const [position] = (await api.call(alice, 'GET', '/api/v1/positions?bot=pos1&status=open')).json.items;
  assert.ok(position);
  for (const [body, field] of [
    [{ limitPrice: '-1' }, 'limitPrice'],
    [{ limitPrice: 60100 }, 'limitPrice'],
    [{ limitPrice: '0' }, 'limitPrice'],
    [{ price: '60100' }, 'price'],
  ] as const) {
    const answer = await api.call(alice, 'POST', `/api/v1/positions/${position.id}/close`, body);
    assert.equal(answer.status, 400, `${JSON.stringify(body)}: ${answer.body}`);
    assert.equal(answer.json.error.field, field, answer.body);
  }
  const closed = await api.call(alice, 'POST', `/api/v1/positions/${position.id}/close`);
  assert.equal(closed.status, 200, closed.body);
  assert.equal(closed.json.position.status, 'closed');
  assert.match(closed.json.position.exitReason, /api:alice/);
  assert.equal(closed.json.order.type, 'market');
  assert.equal(closed.json.trade.positionId, position.id);
  const closedShown = await api.call(alice, 'GET', `/api/v1/positions/${position.id}`);
  assert.equal(closedShown.json.position.unrealizedPnl, null, 'a closed position has no unrealized pnl');
  assert.equal(closedShown.json.position.markPrice, null);
  assert.equal((await api.call(alice, 'GET', `/api/v1/positions/${position.id}`)).json.trade.id, closed.json.trade.id);
  const again = await api.call(alice, 'POST', `/api/v1/positions/${position.id}/close`);
  assert.equal(again.status, 409);
  assert.equal(again.json.error.code, 'POSITION_NOT_OPEN');
  const missing = await api.call(alice, 'POST', '/api/v1/positions/nope/close');
  assert.equal(missing.status, 404);
  assert.equal(missing.json.error.code, 'POSITION_NOT_FOUND');
  const badStatus = await api.call(alice, 'GET', '/api/v1/positions?status=half');
  assert.equal(badStatus.status, 400);
  assert.equal(badStatus.json.error.field, 'status');
  const viewer = await api.user('vic', 'viewer');
  assert.equal((await api.call(viewer, 'POST', `/api/v1/positions/${position.id}/close`)).status, 403);
});
