import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DomainError } from '../../src/domain/errors.ts';
import {
  applyFill,
  isStopLossHit,
  openPosition,
  recordPositionError,
  setStopLoss,
  stopLossState,
} from '../../src/domain/position/position.ts';
import { computePluginStats, computeStats } from '../../src/domain/position/stats.ts';
import { tradeFromClosedPosition } from '../../src/domain/position/trade.ts';

const T0 = new Date('2026-01-01T00:00:00.000Z');
const T1 = new Date('2026-01-01T00:01:00.000Z');
const long = () =>
  openPosition({ id: 'p1', pluginId: 'scalper', botId: 'b1', symbol: 'BTC/USDT', side: 'buy', price: '100', amount: '1', fee: '0.1' }, T0);

test('adding keeps an exact average entry price; fees reduce realized pnl', () => {
  const { position } = applyFill(long(), { side: 'buy', price: '103', amount: '0.5', fee: '0.05' }, T1);
  assert.equal(position.amount, '1.5');
  assert.equal(position.entryPrice, '101');
  assert.equal(position.fees, '0.15');
  assert.equal(position.realizedPnl, '-0.15');
});

test('closing in two fills: exact realized pnl, average exit, closed, and a trade with the pnl', () => {
  const half = applyFill(long(), { side: 'sell', price: '110', amount: '0.5' }, T1);
  assert.equal(half.closed, false);
  assert.equal(half.position.realizedPnl, '4.9');
  const done = applyFill(half.position, { side: 'sell', price: '90.2', amount: '0.5', fee: '0.1' }, T1, 'take-profit');
  assert.equal(done.closed, true);
  assert.equal(done.position.status, 'closed');
  assert.equal(done.position.exitPrice, '100.1');
  assert.equal(done.position.realizedPnl, '-0.1');
  assert.equal(done.position.exitReason, 'take-profit');
  const trade = tradeFromClosedPosition(done.position, 't1', T1);
  assert.deepEqual([trade.pnl, trade.amount, trade.entryPrice, trade.exitPrice, trade.pluginId], ['-0.1', '1', '100', '100.1', 'scalper']);
  assert.throws(
    () => applyFill(done.position, { side: 'sell', price: '1', amount: '1' }, T1),
    (error: DomainError) => error.code === 'POSITION_MISMATCH',
  );
  assert.throws(() => tradeFromClosedPosition(half.position, 't2', T1), /is not closed/);
});

test('a short profits when the price falls; a fill beyond the position returns the remainder', () => {
  const short = openPosition({ id: 'p2', pluginId: 'x', symbol: 'S', side: 'sell', price: '50', amount: '2' }, T0);
  const result = applyFill(short, { side: 'buy', price: '40', amount: '3' }, T1);
  assert.equal(result.position.realizedPnl, '20');
  assert.equal(result.closed, true);
  assert.equal(result.remainder, '1');
});

test('stop-loss state and trigger', () => {
  const position = long();
  assert.equal(stopLossState(position), 'none');
  const priced = setStopLoss(position, { stopLossPrice: '95' }, T1);
  assert.equal(stopLossState(priced), 'unprotected');
  assert.equal(stopLossState(setStopLoss(priced, { stopLossPrice: '95', slOrderId: 'sl-1' }, T1)), 'protected');
  assert.equal(isStopLossHit(priced, '95.01'), false);
  assert.equal(isStopLossHit(priced, '95'), true);
  assert.equal(isStopLossHit({ side: 'short', stopLossPrice: '105' }, '105.5'), true);
});

test('errors are recorded whole with a retry count', () => {
  const message = `Failed to place stop-loss after 3 attempts: bybit {'retCode':10003,'retMsg':'API key is invalid.'}${'!'.repeat(500)}`;
  const position = recordPositionError(long(), message, { attempt: 3 }, T1);
  assert.deepEqual(position.errorDetails, { message, attempt: 3 });
  assert.equal(position.retryCount, 1);
  assert.equal(position.lastErrorAt, T1.toISOString());
});

test('statistics are exact: 0.1 + 0.2 = 0.3', () => {
  const stats = computeStats([{ pnl: '0.1' }, { pnl: '0.2' }, { pnl: '-0.05' }, { pnl: '0' }]);
  assert.deepEqual(stats, {
    total: 4,
    wins: 2,
    losses: 1,
    breakeven: 1,
    totalPnl: '0.25',
    avgPnl: '0.0625',
    bestPnl: '0.2',
    worstPnl: '-0.05',
    winRate: '0.5',
    grossProfit: '0.3',
    grossLoss: '-0.05',
    profitFactor: '6',
    maxDrawdown: '0.05',
  });
  assert.deepEqual(computeStats([]), {
    total: 0,
    wins: 0,
    losses: 0,
    breakeven: 0,
    totalPnl: '0',
    avgPnl: null,
    bestPnl: null,
    worstPnl: null,
    winRate: null,
    grossProfit: '0',
    grossLoss: '0',
    profitFactor: null,
    maxDrawdown: '0',
  });
  const perPlugin = computePluginStats([
    { pluginId: 'b', pnl: '0.1' },
    { pluginId: 'a', pnl: '1' },
    { pluginId: 'b', pnl: '0.2' },
  ]);
  assert.deepEqual(
    perPlugin.map((s) => [s.pluginId, s.totalPnl, s.total]),
    [
      ['a', '1', 1],
      ['b', '0.3', 2],
    ],
  );
});
