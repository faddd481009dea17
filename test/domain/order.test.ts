import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { DomainError } from '../../src/domain/errors.ts';
import {
  applyOrderEvent,
  createOrder,
  fillEventFor,
  type NewOrderInput,
  type Order,
  summarizeFills,
} from '../../src/domain/order/order.ts';
import type { OrderEvent } from '../../src/domain/order/order-events.ts';

const T0 = new Date('2026-01-01T00:00:00.000Z');
const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const BASE: NewOrderInput = {
  id: 'o1',
  clientOrderId: 'bl-b1-1',
  botId: 'b1',
  pluginId: 'scalper',
  symbol: 'BTC/USDT',
  side: 'buy',
  type: 'limit',
  intent: 'entry',
  amount: '1',
  price: '100',
};

function run(order: Order, events: OrderEvent[]): Order {
  let current = order;
  events.forEach((event, index) => {
    const result = applyOrderEvent(current, event, at(index + 1));
    assert.notEqual(result.outcome, 'rejected', result.explanation);
    current = result.order;
  });
  return current;
}

test('createOrder records the intent: pending, "Order placed - waiting for fill", expires after the TTL', () => {
  const order = createOrder({ ...BASE, ttlMs: 60_000 }, T0);
  assert.equal(order.status, 'pending');
  assert.equal(order.reason, 'Order placed - waiting for fill');
  assert.equal(order.filledAmount, '0');
  assert.equal(order.expiresAt, '2026-01-01T00:01:00.000Z');
  assert.equal(order.version, 1);
});

test('createOrder names the bad field', () => {
  assert.throws(
    () => createOrder({ ...BASE, amount: '0' }, T0),
    (error: DomainError) => error.code === 'INVALID_DECIMAL' && /amount/.test(error.message),
  );
  assert.throws(() => createOrder({ ...BASE, price: 1.5 as unknown as string }, T0), /price must be a decimal string.*number 1.5/);
  assert.throws(() => createOrder({ ...BASE, price: null }, T0), /price is required for a limit order/);
  assert.throws(() => createOrder({ ...BASE, intent: 'hedge' as never }, T0), /intent must be one of entry, exit, stop_loss/);
  assert.throws(() => createOrder({ ...BASE, amount: '0.0000000000000000001' }, T0), /amount has 19 digits after the point/);
});

test('two partial fills: exact filled amount and average price, reasons as sentences, entry becomes ongoing', () => {
  const order = createOrder(BASE, T0);
  const half = run(order, [
    { type: 'OrderAccepted', exchangeOrderId: 'x1' },
    { type: 'OrderPartiallyFilled', fill: { tradeId: 't1', price: '101.25', amount: '0.5' } },
  ]);
  assert.equal(half.status, 'pending');
  assert.equal(half.reason, 'Order partially filled: 0.5 of 1 at 101.25');
  const done = run(half, [{ type: 'OrderFilled', fill: { tradeId: 't2', price: '101.5', amount: '0.5' } }]);
  assert.equal(done.status, 'ongoing');
  assert.equal(done.filledAmount, '1');
  assert.equal(done.averagePrice, '101.375');
  assert.equal(done.reason, 'Order executed at 101.375');
  assert.deepEqual(
    summarizeFills([
      { price: '101.25', amount: '0.5' },
      { price: '101.5', amount: '0.5' },
    ]),
    { filledAmount: '1', averagePrice: '101.375' },
  );
});

test('an exit or stop-loss order that fills is closed; PositionClosed closes an executed entry', () => {
  const exit = run(createOrder({ ...BASE, side: 'sell', intent: 'exit' }, T0), [
    { type: 'OrderFilled', fill: { tradeId: 't', price: '110', amount: '1' } },
  ]);
  assert.equal(exit.status, 'closed');
  const entry = run(createOrder(BASE, T0), [
    { type: 'OrderFilled', fill: { tradeId: 't', price: '100', amount: '1' } },
    { type: 'PositionClosed', detail: 'take-profit filled at 110' },
  ]);
  assert.equal(entry.status, 'closed');
  assert.equal(entry.reason, 'Position closed: take-profit filled at 110');
});

test('the amounts decide, not the label: an OrderPartiallyFilled that completes the order executes it', () => {
  const order = run(createOrder(BASE, T0), [{ type: 'OrderPartiallyFilled', fill: { tradeId: 't', price: '100', amount: '1' } }]);
  assert.equal(order.status, 'ongoing');
  assert.equal(fillEventFor(createOrder(BASE, T0), { tradeId: 't', price: '1', amount: '0.3' }).type, 'OrderPartiallyFilled');
  assert.equal(fillEventFor(createOrder(BASE, T0), { tradeId: 't', price: '1', amount: '1' }).type, 'OrderFilled');
});

test('a fill beyond the amount, or with a malformed amount, is rejected with a reason and nothing changes', () => {
  const order = createOrder(BASE, T0);
  const over = applyOrderEvent(order, { type: 'OrderFilled', fill: { tradeId: 't', price: '100', amount: '1.5' } }, at(1));
  assert.equal(over.outcome, 'rejected');
  assert.match(over.explanation, /filled amount 1.5, more than the order's 1/);
  const bad = applyOrderEvent(order, { type: 'OrderFilled', fill: { tradeId: 't', price: '100', amount: '1e3' } }, at(1));
  assert.equal(bad.outcome, 'rejected');
  assert.match(bad.explanation, /fill\.amount must be a decimal string/);
  assert.equal(bad.order, order);
});

test('a cancel requested for UPDATE, then the venue cancel: cancelled for bot update, not an outside cancel', () => {
  const order = run(createOrder(BASE, T0), [{ type: 'OrderCancelRequested', cancellationReason: 'UPDATE' }]);
  assert.equal(order.status, 'pending');
  assert.equal(order.cancellationReason, 'UPDATE');
  const cancelled = run(order, [{ type: 'OrderCanceled' }]);
  assert.equal(cancelled.status, 'cancelled');
  assert.equal(cancelled.cancellationReason, 'UPDATE');
  assert.equal(cancelled.reason, 'Order cancelled for bot update');
  assert.equal(
    run(createOrder(BASE, T0), [{ type: 'OrderCancelRequested', cancellationReason: 'STOP' }, { type: 'OrderCanceled' }]).reason,
    'Order cancelled for bot stop',
  );
  assert.equal(
    run(createOrder(BASE, T0), [{ type: 'OrderCancelRequested', cancellationReason: 'DELETE' }, { type: 'OrderCanceled' }]).reason,
    'Order cancelled for bot delete',
  );
  const repeat = applyOrderEvent(cancelled, { type: 'OrderCanceled' }, at(9));
  assert.equal(repeat.outcome, 'no-op');
});

test('a venue cancel nobody asked for is OUTSIDE, and its reason says the bot stopped', () => {
  const cancelled = run(createOrder(BASE, T0), [{ type: 'OrderCanceled' }]);
  assert.equal(cancelled.cancellationReason, 'OUTSIDE');
  assert.equal(cancelled.reason, 'Order bl-b1-1 cancelled outside botledger - bot stopped');
});

test('a venue cancel that was not botledger\'s is OUTSIDE even over a recorded UPDATE (issue 6, defect 4)', () => {
  const requested = run(createOrder(BASE, T0), [{ type: 'OrderCancelRequested', cancellationReason: 'UPDATE' }]);
  const cancelled = run(requested, [{ type: 'OrderCanceled', outside: true }]);
  assert.equal(cancelled.status, 'cancelled');
  assert.equal(cancelled.cancellationReason, 'OUTSIDE');
  assert.equal(cancelled.reason, 'Order bl-b1-1 cancelled outside botledger - bot stopped');
  assert.equal(applyOrderEvent(cancelled, { type: 'OrderCanceled' }, at(9)).outcome, 'no-op', 'the late event of the same cancel is a repeat');
});

test('a late fill after a cancel is recorded: a complete one executes the order, a partial one leaves it cancelled', () => {
  const cancelled = run(createOrder(BASE, T0), [{ type: 'OrderCancelRequested', cancellationReason: 'STOP' }, { type: 'OrderCanceled' }]);
  const partial = run(cancelled, [{ type: 'OrderPartiallyFilled', fill: { tradeId: 't1', price: '99', amount: '0.25' } }]);
  assert.equal(partial.status, 'cancelled');
  assert.equal(partial.filledAmount, '0.25');
  assert.equal(partial.reason, 'Order partially filled after it was cancelled: 0.25 of 1 at 99');
  const complete = run(partial, [{ type: 'OrderFilled', fill: { tradeId: 't2', price: '101', amount: '0.75' } }]);
  assert.equal(complete.status, 'ongoing');
  assert.equal(complete.averagePrice, '100.5');
  assert.equal(complete.cancellationReason, 'STOP', 'the cancel request stays on record');
});

test('rejection keeps the venue words verbatim and whole (5,000 characters), sets first_failed_at once and schedules a retry', () => {
  const venueMessage = `{'retCode':10003,'retMsg':'API key is invalid.'}${'x'.repeat(5_000)}`;
  const failed = run(createOrder(BASE, T0), [{ type: 'OrderRejected', venue: 'Bybit', venueMessage }]);
  assert.equal(failed.status, 'failed');
  assert.equal(failed.reason, `Bybit rejected the order: ${venueMessage}`);
  assert.equal(failed.firstFailedAt, at(1).toISOString());
  assert.equal(failed.nextRetryAt, at(6).toISOString(), 'first retry 5 s later');
  const again = run(failed, [
    { type: 'OrderRetried', actor: 'engine' },
    { type: 'OrderPlacementFailed', error: 'rate limited' },
  ]);
  assert.equal(again.retryCount, 1);
  assert.equal(again.firstFailedAt, at(1).toISOString(), 'first_failed_at is kept');
  assert.equal(again.reason, 'Order could not be placed: rate limited');
});

test('retry, expiry and drop of a failed order', () => {
  const failed = run(createOrder(BASE, T0), [{ type: 'OrderPlacementFailed', error: 'timeout' }]);
  const retried = run(failed, [{ type: 'OrderRetried', actor: 'alice' }]);
  assert.equal(retried.status, 'pending');
  assert.equal(retried.retryCount, 1);
  assert.equal(retried.reason, 'Order placed again (retry 1) - waiting for fill');
  const expired = run(failed, [
    { type: 'OrderRetried', actor: 'engine' },
    { type: 'OrderRejected', venue: 'Paper', venueMessage: 'no' },
    { type: 'OrderExpired' },
  ]);
  assert.equal(expired.status, 'cancelled');
  assert.equal(expired.cancellationReason, 'EXPIRED');
  assert.equal(expired.reason, `Order expired after 1 retry (first failed at ${at(1).toISOString()})`);
  const dropped = run(failed, [{ type: 'OrderDropped', actor: 'alice' }]);
  assert.equal(dropped.cancellationReason, 'DROPPED');
  assert.equal(dropped.reason, 'Order dropped by alice');
  assert.equal(applyOrderEvent(dropped, { type: 'OrderRetried', actor: 'alice' }, at(9)).outcome, 'rejected');
});

test('acknowledgements: recorded once, a repeat is a no-op, a different exchange id is rejected', () => {
  const accepted = run(createOrder(BASE, T0), [{ type: 'OrderAccepted', exchangeOrderId: 'x1' }]);
  assert.equal(accepted.exchangeOrderId, 'x1');
  assert.equal(applyOrderEvent(accepted, { type: 'OrderAccepted', exchangeOrderId: 'x1' }, at(5)).outcome, 'no-op');
  const other = applyOrderEvent(accepted, { type: 'OrderAccepted', exchangeOrderId: 'x2' }, at(5));
  assert.equal(other.outcome, 'rejected');
  assert.match(other.explanation, /already acknowledged as exchange order x1, not x2/);
});

test('a cancel requested for a failed order completes at once with its reason', () => {
  const failed = run(createOrder(BASE, T0), [{ type: 'OrderPlacementFailed', error: 'timeout' }]);
  const cancelled = run(failed, [{ type: 'OrderCancelRequested', cancellationReason: 'STOP' }]);
  assert.equal(cancelled.status, 'cancelled');
  assert.equal(cancelled.reason, 'Order cancelled for bot stop');
  assert.equal(cancelled.nextRetryAt, null);
});

test('applyOrderEvent never changes version (storage does) and never mutates its input', () => {
  const order = createOrder(BASE, T0);
  const frozen = JSON.stringify(order);
  const { order: next } = applyOrderEvent(order, { type: 'OrderCanceled' }, at(1));
  assert.equal(next.version, order.version);
  assert.equal(JSON.stringify(order), frozen);
});
