/**
 * The Orders page: a tab per status with its live count, filters in the URL, the orders newest
 * first in keyset pages (fast at any depth: the API pages by (created_at, id), never by offset),
 * and per order what a person may do (cancel a pending one, retry or drop a failed one). Stream
 * events about orders and fills refresh the page in place: the first page shows new orders, a
 * later page keeps its cursor and refreshes its rows. While a page loads the previous rows stay.
 */
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import {
  countsKey,
  fetchOrderCounts,
  fetchOrders,
  ORDER_FILTERS,
  ORDER_STATUSES,
  type Order,
  type OrderFilters,
  type OrderStatus,
  ordersKey,
  useOrderStreamRefresh,
} from '../api/orders.ts';
import { Empty, ErrorBox, Loading } from '../components/feedback.tsx';
import { Amount, Badge, Time } from '../components/format.tsx';
import { PageTitle } from '../components/layout.tsx';
import { type Columns, DataTable, Pager, useCursorPages } from '../components/table.tsx';
import { Link, seg, useQueryState } from '../router.tsx';
import { OrderActions } from './order-actions.tsx';
import { OrderFiltersForm } from './orders-filters.tsx';
import './orders.css';

const DEFAULT_LIMIT = 50;

/** The reason, and the cancellation reason when there is one, both whole. */
export function OrderReason({ order }: { order: Order }) {
  return (
    <div className="reason">
      {order.reason}
      {order.cancellationReason ? (
        <div>
          <Badge value={order.cancellationReason} tone="muted" />
        </div>
      ) : null}
    </div>
  );
}

/** A failed order's retry state: how often, since when, when next, until when. */
function FailureFacts({ order }: { order: Order }) {
  if (order.status !== 'failed' && order.retryCount === 0) return <span className="muted">—</span>;
  return (
    <dl className="failure">
      <dt>retries</dt>
      <dd>{order.retryCount}</dd>
      <dt>first failed</dt>
      <dd>
        <Time at={order.firstFailedAt} />
      </dd>
      {order.status === 'failed' ? (
        <>
          <dt>next retry</dt>
          <dd>
            <Time at={order.nextRetryAt} />
          </dd>
          <dt>expires</dt>
          <dd>
            <Time at={order.expiresAt} />
          </dd>
        </>
      ) : null}
    </dl>
  );
}

const COLUMNS: Columns<Order> = [
  { header: 'Created', cell: ({ row }) => <Time at={row.original.createdAt} /> },
  {
    header: 'Order',
    cell: ({ row }) => (
      <Link to={`/orders/${seg(row.original.id)}`} className="mono" title={`order ${row.original.id}`}>
        {row.original.clientOrderId}
      </Link>
    ),
  },
  {
    header: 'Bot',
    cell: ({ row }) => (row.original.botId ? <Link to={`/bots/${seg(row.original.botId)}`}>{row.original.botId}</Link> : <span className="muted">—</span>),
  },
  { header: 'Plugin', cell: ({ row }) => row.original.pluginId ?? <span className="muted">—</span> },
  { header: 'Symbol', cell: ({ row }) => row.original.symbol },
  { header: 'Side', cell: ({ row }) => row.original.side },
  { header: 'Type', cell: ({ row }) => `${row.original.type}${row.original.intent === 'entry' ? '' : ` (${row.original.intent})`}` },
  { header: 'Price', cell: ({ row }) => <Amount value={row.original.price} /> },
  { header: 'Amount', cell: ({ row }) => <Amount value={row.original.amount} /> },
  { header: 'Filled', cell: ({ row }) => <Amount value={row.original.filledAmount} /> },
  { header: 'Status', cell: ({ row }) => <Badge value={row.original.status} /> },
  { header: 'Reason', cell: ({ row }) => <OrderReason order={row.original} /> },
  { header: 'Retries', cell: ({ row }) => <FailureFacts order={row.original} /> },
  { header: 'Actions', cell: ({ row }) => <OrderActions order={row.original} /> },
];

function StatusTabs({ status, counts, onSelect }: { status: OrderStatus | undefined; counts: Record<OrderStatus, number> | undefined; onSelect: (status: OrderStatus | undefined) => void }) {
  const total = counts ? ORDER_STATUSES.reduce((sum, each) => sum + counts[each], 0) : undefined;
  const tab = (value: OrderStatus | undefined, label: string, count: number | undefined) => (
    <button key={label} type="button" role="tab" aria-selected={status === value} onClick={() => onSelect(value)} data-status={value ?? 'all'}>
      {label}
      <span className="count">{count === undefined ? '…' : count.toLocaleString()}</span>
    </button>
  );
  return (
    <div className="tabs" role="tablist" aria-label="order status">
      {tab(undefined, 'all', total)}
      {ORDER_STATUSES.map((each) => tab(each, each, counts?.[each]))}
    </div>
  );
}

export function OrdersPage() {
  const [query, setQuery] = useQueryState();
  const status = (ORDER_STATUSES as readonly string[]).includes(query.status ?? '') ? (query.status as OrderStatus) : undefined;
  const limit = Number(query.limit) >= 1 && Number(query.limit) <= 1000 ? Math.floor(Number(query.limit)) : DEFAULT_LIMIT;
  const filters: OrderFilters = Object.fromEntries(ORDER_FILTERS.filter((name) => query[name]).map((name) => [name, query[name]]));
  const listKey = JSON.stringify({ status, limit, ...filters });
  const pages = useCursorPages(listKey);
  const list = useQuery({
    queryKey: [...ordersKey, 'list', listKey, pages.cursor ?? null],
    queryFn: () => fetchOrders({ ...filters, status, limit, cursor: pages.cursor }),
    placeholderData: keepPreviousData,
  });
  // The counts walk every matching order (a million: ~0.1-0.3 s); asked once the rows are in, so
  // on SQLite (one connection) they never hold up the first rows.
  const counts = useQuery({
    queryKey: [...countsKey, JSON.stringify(filters)],
    queryFn: () => fetchOrderCounts(filters),
    placeholderData: keepPreviousData,
    enabled: !list.isPending,
  });
  useOrderStreamRefresh([ordersKey, countsKey]);

  const rows = list.data?.items ?? [];
  const updating = list.isFetching || counts.isFetching;
  return (
    <>
      <PageTitle
        actions={
          <span className="updating muted" aria-live="polite">
            {updating && list.data ? 'updating…' : ''}
          </span>
        }
      >
        Orders
      </PageTitle>
      <StatusTabs status={status} counts={counts.data?.counts} onSelect={(next) => setQuery({ status: next }, false)} />
      <OrderFiltersForm key={JSON.stringify(filters)} filters={filters} onApply={(next) => setQuery(next, false)} />
      <ErrorBox error={list.error ?? counts.error} />
      {list.isPending ? (
        <Loading what="Loading orders" />
      ) : rows.length === 0 && !list.isError ? (
        <Empty>No {status ?? ''} orders{Object.keys(filters).length ? ' match these filters' : ' yet'}.</Empty>
      ) : (
        <div className={list.isPlaceholderData ? 'orders-list stale' : 'orders-list'} aria-busy={list.isPlaceholderData}>
          <DataTable
            rows={rows}
            columns={COLUMNS}
            rowId={(order) => order.id}
            label={`${status ?? 'all'} orders`}
            rowClass={(order) => (order.status === 'failed' ? 'stand-out' : undefined)}
          />
        </div>
      )}
      <Pager page={pages.page} nextCursor={list.isPlaceholderData ? null : list.data?.nextCursor} onNext={pages.next} onPrevious={pages.previous} onFirst={pages.first} />
    </>
  );
}
