/**
 * What a person may do to one order, each asked for in a dialog first: cancel a pending order
 * (through botledger: REPLACED, the bot keeps running), retry or drop a failed one. Shown on the
 * Orders page's rows and on the order's page; afterwards every orders query refreshes.
 */
import { useQueryClient } from '@tanstack/react-query';
import { type Order, orderAction, refreshAfterAction } from '../api/orders.ts';
import { ConfirmButton } from '../components/feedback.tsx';

export function OrderActions({ order }: { order: Order }) {
  const queryClient = useQueryClient();
  const act = (action: 'cancel' | 'retry' | 'drop') => async () => {
    await orderAction(order.id, action);
    await refreshAfterAction(queryClient);
  };
  const name = <code>{order.clientOrderId}</code>;
  if (order.status === 'pending')
    return (
      <div className="actions">
        <ConfirmButton
          label="Cancel"
          title="Cancel this order?"
          message={
            <p>
              {name} is cancelled at the venue with reason REPLACED. The bot keeps running: its strategy may place the order again (stop
              the bot to end its orders).
            </p>
          }
          confirmLabel="Cancel order"
          onConfirm={act('cancel')}
          danger
        />
      </div>
    );
  if (order.status === 'failed')
    return (
      <div className="actions">
        <ConfirmButton
          label="Retry"
          title="Retry this order?"
          message={
            <p>
              {name} is placed at the venue again (retry {order.retryCount + 1}).
            </p>
          }
          confirmLabel="Retry order"
          onConfirm={act('retry')}
        />
        <ConfirmButton
          label="Drop"
          title="Drop this order?"
          message={<p>{name} is given up: cancelled with reason DROPPED, never retried again.</p>}
          confirmLabel="Drop order"
          onConfirm={act('drop')}
          danger
        />
      </div>
    );
  return null;
}
