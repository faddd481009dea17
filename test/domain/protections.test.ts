import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkProtections, DEFAULT_PROTECTIONS, protectionLimits } from '../../src/domain/bot/protections.ts';
import { realizedFromFills, trailingLosses } from '../../src/domain/position/round-trips.ts';

const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, s)).toISOString();

test('protection limits: defaults, per-bot overrides, and errors naming the field', () => {
  assert.deepEqual(protectionLimits({ amount: '1' }), DEFAULT_PROTECTIONS);
  assert.deepEqual(protectionLimits({ protections: { maxConsecutiveLosses: 2 } }), { maxOrdersPerMinute: 60, maxConsecutiveLosses: 2, stopLossAttempts: 3 });
  assert.equal(protectionLimits({ protections: { stopLossAttempts: 5 } }).stopLossAttempts, 5);
  assert.throws(() => protectionLimits({ protections: { stopLossAttempts: 0 } }), /protections\.stopLossAttempts must be a whole number from 1/);
  assert.throws(() => protectionLimits({ protections: { stopLossAttempts: '3' } }), /protections\.stopLossAttempts must be a whole number/);
  assert.throws(() => protectionLimits({ protections: { maxOrdersPerMinute: 1.5 } }), /protections\.maxOrdersPerMinute must be a whole number/);
  assert.throws(() => protectionLimits({ protections: null }), /protections must be an object/);
});

test('the verdict names the protection and its numbers', () => {
  assert.deepEqual(checkProtections(DEFAULT_PROTECTIONS, { ordersInWindow: 59, consecutiveLosses: 4 }), { allowed: true });
  assert.deepEqual(checkProtections(DEFAULT_PROTECTIONS, { ordersInWindow: 60, consecutiveLosses: 0 }), {
    allowed: false,
    protection: 'orders-per-minute',
    reason: 'Stopped by protection: 60 orders in the last 60 s (limit 60)',
  });
  const streak = checkProtections(DEFAULT_PROTECTIONS, { ordersInWindow: 10, consecutiveLosses: 5, lossesTotal: '-1.2', quoteCurrency: 'USDT' });
  assert.equal(streak.allowed, false);
  assert.equal(!streak.allowed && streak.reason, 'Stopped by protection: 5 losing round trips in a row, -1.2 USDT in all (limit 5)');
});

test('round trips from fills: exact, net of fees in quote and base currency, other currencies apart', () => {
  const result = realizedFromFills('BTC/USDT', [
    { side: 'sell', intent: 'exit', price: '1', amount: '1', fee: '9', feeCurrency: 'USDT', occurredAt: at(0) }, // before the first entry: skipped
    { side: 'buy', intent: 'entry', price: '59950', amount: '0.01', fee: '0.5995', feeCurrency: 'USDT', occurredAt: at(1) },
    { side: 'sell', intent: 'exit', price: '60050', amount: '0.006', fee: '0.36030', feeCurrency: 'USDT', occurredAt: at(2) },
    { side: 'sell', intent: 'exit', price: '60050', amount: '0.004', fee: '0.2402', feeCurrency: 'USDT', occurredAt: at(3) },
    { side: 'buy', intent: 'entry', price: '60000', amount: '0.01', fee: '0.00001', feeCurrency: 'BTC', occurredAt: at(4) },
    { side: 'sell', intent: 'stop_loss', price: '59000', amount: '0.01', fee: '0.1', feeCurrency: 'BNB', occurredAt: at(5) },
    { side: 'buy', intent: 'entry', price: '59000', amount: '0.01', fee: '0.59', feeCurrency: 'USDT', occurredAt: at(6) }, // still open
  ]);
  assert.deepEqual(result.roundTrips.map((t) => [t.pnl, t.fees]), [
    ['-0.2', '1.2'],
    ['-10.6', '0.6'],
  ]);
  assert.equal(result.realizedPnl, '-10.8');
  assert.equal(result.fees, '1.8');
  assert.deepEqual(result.otherFees, { BNB: '0.1' });
  assert.deepEqual(trailingLosses(result.roundTrips), { count: 2, total: '-10.8' });
  assert.deepEqual(trailingLosses([{ pnl: '-1' }, { pnl: '0' }]), { count: 0, total: '0' });
});
