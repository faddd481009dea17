/**
 * One order's page (by id or client order id): every fact the ledger records about it (amounts
 * exactly as stored, the reason and cancellation reason whole), its fills, and its event log with
 * each raw payload expandable. The same actions as the Orders page. Stream events about this
 * order refresh it in place.
 */
import { useQuery } from '@tanstack/react-query';
import { fetchOrder, type OrderDetail, ordersKey, useOrderStreamRefresh } from '../api/orders.ts';
import { Empty, ErrorBox, Loading } from '../components/feedback.tsx';
import { Amount, Badge, Facts, Time } from '../components/format.tsx';
import { PageTitle } from '../components/layout.tsx';
import { type Columns, DataTable } from '../components/table.tsx';
import { Link, seg } from '../router.tsx';
import { OrderActions } from './order-actions.tsx';
import { OrderReason } from './orders.tsx';
import './orders.css';

type Fill = OrderDetail['fills'][number];
type LogEntry = OrderDetail['events'][number];

const FILL_COLUMNS: Columns<Fill> = [
  { header: 'Time', cell: ({ row }) => <Time at={row.original.occurredAt} /> },
  { header: 'Trade id', cell: ({ row }) => <code>{row.original.exchangeTradeId}</code> },
  { header: 'Price', cell: ({ row }) => <Amount value={row.original.price} /> },
  { header: 'Amount', cell: ({ row }) => <Amount value={row.original.amount} /> },
  { header: 'Fee', cell: ({ row }) => <Amount value={row.original.fee} /> },
  { header: 'Fee currency', cell: ({ row }) => row.original.feeCurrency ?? <span className="muted">—</span> },
  { header: 'Recorded', cell: ({ row }) => <Time at={row.original.createdAt} /> },
];

const EVENT_COLUMNS: Columns<LogEntry> = [
  { header: 'Time', cell: ({ row }) => <Time at={row.original.occurredAt} /> },
  { header: 'Source', cell: ({ row }) => row.original.source },
  {
    header: 'Type',
    cell: ({ row }) => (
      <>
        {row.original.type}
        {row.original.applied ? null : (
          <div>
            <Badge value="not applied" tone="warn" />
          </div>
        )}
      </>
    ),
  },
  { header: 'Message', cell: ({ row }) => <div className="reason">{row.original.message}</div> },
  {
    header: 'Payload',
    cell: ({ row }) =>
      row.original.payload === null || row.original.payload === undefined ? (
        <span className="muted">—</span>
      ) : (
        <details>
          <summary>payload</summary>
          <pre>{JSON.stringify(row.original.payload, null, 2)}</pre>
        </details>
      ),
  },
];

function OrderFacts({ order }: { order: OrderDetail['order'] }) {
  const none = <span className="muted">—</span>;
  return (
    <Facts
      items={[
        ['Status', <Badge key="s" value={order.status} />],
        ['Reason', <OrderReason key="r" order={order} />],
        ['Cancellation reason', order.cancellationReason ?? none],
        ['Order id', <code key="i">{order.id}</code>],
        ['Client order id', <code key="c">{order.clientOrderId}</code>],
        ['Exchange order id', order.exchangeOrderId ? <code key="x">{order.exchangeOrderId}</code> : none],
        ['Bot', order.botId ? <Link key="b" to={`/bots/${seg(order.botId)}`}>{order.botId}</Link> : none],
        ['Plugin', order.pluginId ?? none],
        ['Symbol', order.symbol],
        ['Side', order.side],
        ['Type', order.type],
        ['Intent', order.intent],
        ['Price', <Amount key="p" value={order.price} />],
        ['Stop price', <Amount key="sp" value={order.stopPrice} />],
        ['Amount', <Amount key="a" value={order.amount} />],
        ['Filled', <Amount key="f" value={order.filledAmount} />],
        ['Average price', <Amount key="ap" value={order.averagePrice} />],
        ['Retries', String(order.retryCount)],
        ['First failed', <Time key="ff" at={order.firstFailedAt} />],
        ['Next retry', <Time key="nr" at={order.nextRetryAt} />],
        ['Expires', <Time key="e" at={order.expiresAt} />],
        ['Created', <Time key="ca" at={order.createdAt} />],
        ['Updated', <Time key="ua" at={order.updatedAt} />],
        ['Version', String(order.version)],
      ]}
    />
  );
}

export function OrderPage({ id }: { id: string }) {
  const detail = useQuery({ queryKey: [...ordersKey, 'detail', id], queryFn: () => fetchOrder(id) });
  const order = detail.data?.order;
  // Only this order's events refresh the page (the id in the path may be its client order id).
  useOrderStreamRefresh([[...ordersKey, 'detail', id]], (event) => event.orderId !== null && event.orderId === order?.id);
  if (detail.isPending) return <Loading what="Loading the order" />;
  if (!detail.data || !order)
    return (
      <>
        <PageTitle>Order {id}</PageTitle>
        <ErrorBox error={detail.error} />
        <p>
          <Link to="/orders">All orders</Link>
        </p>
      </>
    );
  return (
    <>
      <PageTitle actions={<OrderActions order={order} />}>
        Order <span className="mono">{order.clientOrderId}</span> <Badge value={order.status} />
      </PageTitle>
      <ErrorBox error={detail.error} />
      <section className="panel" aria-label="facts">
        <OrderFacts order={order} />
      </section>
      <h2>Fills</h2>
      {detail.data.fills.length ? (
        <DataTable rows={detail.data.fills} columns={FILL_COLUMNS} rowId={(fill) => fill.id} label="fills" />
      ) : (
        <Empty>No fills.</Empty>
      )}
      <h2>Event log</h2>
      {detail.data.events.length ? (
        <div className="event-log">
          <DataTable rows={detail.data.events} columns={EVENT_COLUMNS} rowId={(entry) => entry.id} label="event log" />
        </div>
      ) : (
        <Empty>No events.</Empty>
      )}
    </>
  );
}
