/**
 * Positions: filters (status, bot, plugin, symbol) in the URL, keyset paging, and per position its
 * amounts as stored, its unrealized pnl (the API's exact figure at the venue's last price), the
 * stop-loss state with its last error in full, and the sync status with its time.
 */
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { fetchPositions, type Position, useLiveRefresh } from '../api/views.ts';
import { Empty, ErrorBox, Loading } from '../components/feedback.tsx';
import { Amount, Badge, Time } from '../components/format.tsx';
import { PageTitle } from '../components/layout.tsx';
import { type Columns, DataTable, Pager, useCursorPages } from '../components/table.tsx';
import { Link, seg, useQueryState } from '../router.tsx';
import { FilterForm, LastError, StopLossBadge, stopLossStateOf } from './view-parts.tsx';
import './views.css';

const COLUMNS: Columns<Position> = [
  {
    header: 'Position',
    cell: ({ row }) => (
      <Link to={`/positions/${seg(row.original.id)}`}>
        {row.original.symbol} {row.original.side}
      </Link>
    ),
  },
  { header: 'Status', cell: ({ row }) => <Badge value={row.original.status} /> },
  {
    header: 'Bot',
    cell: ({ row }) => (row.original.botId ? <Link to={`/bots/${seg(row.original.botId)}`}>{row.original.botId}</Link> : <span className="muted">—</span>),
  },
  { header: 'Amount', cell: ({ row }) => <Amount value={row.original.status === 'open' ? row.original.amount : row.original.closedAmount} /> },
  { header: 'Entry', cell: ({ row }) => <Amount value={row.original.entryPrice} /> },
  {
    header: 'Unrealized pnl',
    cell: ({ row }) =>
      row.original.status === 'open' ? (
        <span title={row.original.markPrice ? `at ${row.original.markPrice}` : 'no price from the venue'}>
          <Amount value={row.original.unrealizedPnl} signed />
        </span>
      ) : (
        <span className="muted">realized <Amount value={row.original.realizedPnl} signed /></span>
      ),
  },
  {
    header: 'Stop-loss',
    cell: ({ row }) => (
      <div className="reason">
        <StopLossBadge state={stopLossStateOf(row.original)} /> <Amount value={row.original.stopLossPrice} />
        {row.original.errorDetails ? <LastError position={row.original} /> : null}
      </div>
    ),
  },
  {
    header: 'Sync',
    cell: ({ row }) => (
      <span>
        <Badge value={row.original.syncStatus ?? 'not synced'} tone={row.original.syncStatus === 'mismatch' ? 'bad' : row.original.syncStatus ? 'ok' : 'muted'} />{' '}
        <Time at={row.original.lastSyncAt} empty="never" />
      </span>
    ),
  },
  { header: 'Opened', cell: ({ row }) => <Time at={row.original.openedAt} /> },
];

export function PositionsPage() {
  const [query] = useQueryState();
  const filter = { status: query.status, bot: query.bot, plugin: query.plugin, symbol: query.symbol };
  const pages = useCursorPages(JSON.stringify(filter));
  useLiveRefresh([['positions']], ['positions', 'trades', 'sync', 'fills']);
  const positions = useQuery({
    queryKey: ['positions', filter, pages.cursor],
    queryFn: () => fetchPositions({ ...filter, limit: 50, cursor: pages.cursor }),
    placeholderData: keepPreviousData,
  });
  return (
    <>
      <PageTitle>Positions</PageTitle>
      <FilterForm
        fields={[
          { name: 'status', label: 'Status', options: ['', 'open', 'closed'] },
          { name: 'bot', label: 'Bot' },
          { name: 'plugin', label: 'Plugin' },
          { name: 'symbol', label: 'Symbol', placeholder: 'BTC/USDT' },
        ]}
      />
      <ErrorBox error={positions.error} />
      {positions.isPending ? <Loading /> : null}
      {positions.data && positions.data.items.length === 0 ? <Empty>No position matches.</Empty> : null}
      {positions.data && positions.data.items.length > 0 ? (
        <DataTable rows={positions.data.items} columns={COLUMNS} rowId={(position) => position.id} label="positions" />
      ) : null}
      <Pager page={pages.page} nextCursor={positions.data?.nextCursor} onNext={pages.next} onPrevious={pages.previous} onFirst={pages.first} />
    </>
  );
}
