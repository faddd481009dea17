import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COMMAND_EVENT_TYPES, decideOrderCommand, eventForCommand, type ExistingOrderCommand } from '../../src/domain/order/order-commands.ts';
import { applyOrderEvent, createOrder, type Order } from '../../src/domain/order/order.ts';
import { ORDER_STATUSES, type OrderStatus } from '../../src/domain/order/order-status.ts';

const T0 = new Date('2026-01-01T00:00:00.000Z');
const T1 = new Date('2026-01-01T00:00:01.000Z');

function orderIn(status: OrderStatus): Order {
  const order = createOrder(
    { id: 'o1', clientOrderId: 'bl-b1-1', botId: 'b1', symbol: 'BTC/USDT', side: 'buy', type: 'limit', intent: 'entry', amount: '1', price: '100' },
    T0,
  );
  const executed = status === 'ongoing' || status === 'closed';
  return { ...order, status, filledAmount: executed ? '1' : '0', averagePrice: executed ? '100' : null, firstFailedAt: status === 'failed' ? T0.toISOString() : null };
}

const COMMANDS: ExistingOrderCommand[] = [
  { type: 'CancelOrder', orderId: 'o1', cancellationReason: 'STOP', actor: 'cli' },
  { type: 'RetryOrder', orderId: 'o1', actor: 'alice' },
  { type: 'DropOrder', orderId: 'o1', actor: 'alice' },
  { type: 'ExpireOrder', orderId: 'o1' },
  { type: 'ClosePosition', orderId: 'o1', detail: 'take-profit filled at 110' },
];

test('every command is recorded as its past-tense event, carrying what the command said', () => {
  assert.deepEqual(
    COMMANDS.map(eventForCommand),
    [
      { type: 'OrderCancelRequested', cancellationReason: 'STOP', actor: 'cli' },
      { type: 'OrderRetried', actor: 'alice' },
      { type: 'OrderDropped', actor: 'alice' },
      { type: 'OrderExpired' },
      { type: 'PositionClosed', detail: 'take-profit filled at 110' },
    ],
  );
  for (const command of COMMANDS) assert.equal(eventForCommand(command).type, COMMAND_EVENT_TYPES[command.type]);
});

test('a command is decided by the one transition table: same outcome as its event, on every status', () => {
  for (const status of ORDER_STATUSES) {
    for (const command of COMMANDS) {
      const order = orderIn(status);
      const { event, result } = decideOrderCommand(order, command, T1);
      const direct = applyOrderEvent(order, event, T1);
      assert.deepEqual(result, direct, `${command.type} on ${status}`);
    }
  }
});

test('a command that does not fit is refused with the event it would have recorded named', () => {
  const { result } = decideOrderCommand(orderIn('closed'), { type: 'RetryOrder', orderId: 'o1', actor: 'alice' }, T1);
  assert.equal(result.outcome, 'rejected');
  assert.equal(result.explanation, 'OrderRetried was not applied to order bl-b1-1 (closed): only a failed order can be retried');
  const dropped = decideOrderCommand(orderIn('failed'), { type: 'DropOrder', orderId: 'o1', actor: 'alice' }, T1).result;
  assert.equal(dropped.outcome, 'applied');
  assert.equal(dropped.order.cancellationReason, 'DROPPED');
});
