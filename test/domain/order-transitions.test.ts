import assert from 'node:assert/strict';
import { test } from 'node:test';
import { applyOrderEvent, createOrder, type Order } from '../../src/domain/order/order.ts';
import { ORDER_EVENT_TYPES, type OrderEvent, type OrderEventType } from '../../src/domain/order/order-events.ts';
import { allowedNextStatuses, ORDER_STATUSES, type OrderStatus, transitionFor } from '../../src/domain/order/order-status.ts';

const T0 = new Date('2026-01-01T00:00:00.000Z');
const T1 = new Date('2026-01-01T00:00:01.000Z');

/** An entry order of amount 1 in `status`, as the table's rows assume it (fully filled once executed). */
function orderIn(status: OrderStatus): Order {
  const order = createOrder(
    {
      id: 'o1',
      clientOrderId: 'bl-b1-1',
      botId: 'b1',
      symbol: 'BTC/USDT',
      side: 'buy',
      type: 'limit',
      intent: 'entry',
      amount: '1',
      price: '100',
    },
    T0,
  );
  const executed = status === 'ongoing' || status === 'closed';
  return {
    ...order,
    status,
    filledAmount: executed ? '1' : '0',
    averagePrice: executed ? '100' : null,
    firstFailedAt: status === 'failed' ? T0.toISOString() : null,
  };
}

function eventOf(type: OrderEventType): OrderEvent {
  switch (type) {
    case 'OrderSubmitted':
      return { type };
    case 'OrderAccepted':
      return { type, exchangeOrderId: 'x-1' };
    case 'OrderPartiallyFilled':
      return { type, fill: { tradeId: 't1', price: '101.25', amount: '0.4' } };
    case 'OrderFilled':
      return { type, fill: { tradeId: 't1', price: '101.25', amount: '1' } };
    case 'OrderRejected':
      return { type, venue: 'Bybit', venueMessage: 'no' };
    case 'OrderPlacementFailed':
      return { type, error: 'rate limited' };
    case 'OrderCancelRequested':
      return { type, cancellationReason: 'UPDATE' };
    case 'OrderCanceled':
      return { type };
    case 'OrderExpired':
      return { type };
    case 'OrderRetried':
      return { type, actor: 'engine' };
    case 'OrderDropped':
      return { type, actor: 'alice' };
    case 'PositionClosed':
      return { type };
  }
}

// Written out independently of the table, so an accidental edit of the table fails here.
// Columns follow ORDER_EVENT_TYPES: Submitted, Accepted, PartiallyFilled (0.4 of 1), Filled (all), Rejected,
// PlacementFailed, CancelRequested, Canceled, Expired, Retried, Dropped, PositionClosed.
const EXPECTED: Record<OrderStatus, string[]> = {
  pending: [
    'no-op',
    'pending',
    'pending',
    'ongoing',
    'failed',
    'failed',
    'pending',
    'cancelled',
    'cancelled',
    'no-op',
    'rejected',
    'rejected',
  ],
  ongoing: [
    'no-op',
    'no-op',
    'rejected',
    'rejected',
    'rejected',
    'rejected',
    'rejected',
    'rejected',
    'rejected',
    'rejected',
    'rejected',
    'closed',
  ],
  closed: [
    'no-op',
    'no-op',
    'rejected',
    'rejected',
    'rejected',
    'rejected',
    'rejected',
    'rejected',
    'rejected',
    'rejected',
    'rejected',
    'no-op',
  ],
  failed: [
    'no-op',
    'rejected',
    'pending',
    'ongoing',
    'no-op',
    'no-op',
    'cancelled',
    'rejected',
    'cancelled',
    'pending',
    'cancelled',
    'rejected',
  ],
  cancelled: ['no-op', 'no-op', 'cancelled', 'ongoing', 'no-op', 'no-op', 'no-op', 'no-op', 'no-op', 'rejected', 'no-op', 'no-op'],
};

for (const status of ORDER_STATUSES) {
  ORDER_EVENT_TYPES.forEach((type, column) => {
    const expected = EXPECTED[status][column];
    test(`${status} + ${type} -> ${expected}`, () => {
      const before = orderIn(status);
      const result = applyOrderEvent(before, eventOf(type), T1);
      if (expected === 'no-op' || expected === 'rejected') {
        assert.equal(result.outcome, expected, result.explanation);
        assert.equal(result.order, before, 'a no-op or rejection returns the order unchanged');
        assert.match(result.explanation, new RegExp(`^${type} .*${before.clientOrderId}`));
        assert.equal(transitionFor(status, type).outcome, expected);
      } else {
        assert.equal(result.outcome, 'applied', result.explanation);
        assert.equal(result.order.status, expected);
        assert.equal(result.order.updatedAt, T1.toISOString());
        assert.ok(allowedNextStatuses(status).includes(result.order.status));
      }
    });
  });
}

test('a rejected event explains itself in a sentence naming the event, the order and why', () => {
  const result = applyOrderEvent(orderIn('closed'), { type: 'OrderRetried', actor: 'alice' }, T1);
  assert.equal(result.explanation, 'OrderRetried was not applied to order bl-b1-1 (closed): only a failed order can be retried');
});

test('allowedNextStatuses: closed is final; cancelled can only become executed by a late fill', () => {
  assert.deepEqual(allowedNextStatuses('closed'), ['closed']);
  assert.deepEqual(allowedNextStatuses('cancelled'), ['ongoing', 'closed', 'cancelled']);
  assert.deepEqual(allowedNextStatuses('ongoing'), ['ongoing', 'closed']);
});
