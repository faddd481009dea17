/**
 * Trade history: closed round trips newest first, filtered by plugin, bot, symbol and close time
 * (from inclusive, to exclusive; dates are UTC midnights) in the URL, keyset paging; the pnl is the
 * API's exact decimal, coloured by its sign.
 */
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { fetchTrades, type Trade, useLiveRefresh } from '../api/views.ts';
import { Empty, ErrorBox, Loading } from '../components/feedback.tsx';
import { Amount, Time } from '../components/format.tsx';
import { PageTitle } from '../components/layout.tsx';
import { type Columns, DataTable, Pager, useCursorPages } from '../components/table.tsx';
import { Link, seg, useQueryState } from '../router.tsx';
import { FilterForm } from './view-parts.tsx';
import './views.css';

const COLUMNS: Columns<Trade> = [
  { header: 'Closed', cell: ({ row }) => <Time at={row.original.closedAt} /> },
  {
    header: 'Trade',
    cell: ({ row }) =>
      row.original.positionId ? (
        <Link to={`/positions/${seg(row.original.positionId)}`}>
          {row.original.symbol} {row.original.side}
        </Link>
      ) : (
        `${row.original.symbol} ${row.original.side}`
      ),
  },
  {
    header: 'Bot',
    cell: ({ row }) => (row.original.botId ? <Link to={`/bots/${seg(row.original.botId)}`}>{row.original.botId}</Link> : <span className="muted">—</span>),
  },
  { header: 'Plugin', cell: ({ row }) => row.original.pluginId },
  { header: 'Amount', cell: ({ row }) => <Amount value={row.original.amount} /> },
  { header: 'Entry', cell: ({ row }) => <Amount value={row.original.entryPrice} /> },
  { header: 'Exit', cell: ({ row }) => <Amount value={row.original.exitPrice} /> },
  { header: 'Pnl', cell: ({ row }) => <Amount value={row.original.pnl} signed /> },
  { header: 'Fees', cell: ({ row }) => <Amount value={row.original.fees} /> },
  { header: 'Exit reason', cell: ({ row }) => <div className="reason">{row.original.exitReason ?? '—'}</div> },
  { header: 'Opened', cell: ({ row }) => <Time at={row.original.openedAt} /> },
];

export function TradesPage() {
  const [query] = useQueryState();
  const filter = { plugin: query.plugin, bot: query.bot, symbol: query.symbol, from: query.from, to: query.to };
  const pages = useCursorPages(JSON.stringify(filter));
  useLiveRefresh([['trades']], ['trades']);
  const trades = useQuery({
    queryKey: ['trades', filter, pages.cursor],
    queryFn: () => fetchTrades({ ...filter, limit: 50, cursor: pages.cursor }),
    placeholderData: keepPreviousData,
  });
  return (
    <>
      <PageTitle>Trades</PageTitle>
      <FilterForm
        fields={[
          { name: 'plugin', label: 'Plugin' },
          { name: 'bot', label: 'Bot' },
          { name: 'symbol', label: 'Symbol', placeholder: 'BTC/USDT' },
          { name: 'from', label: 'Closed from (UTC day)', type: 'date' },
          { name: 'to', label: 'Closed before (UTC day)', type: 'date' },
        ]}
      />
      <ErrorBox error={trades.error} />
      {trades.isPending ? <Loading /> : null}
      {trades.data && trades.data.items.length === 0 ? <Empty>No trade matches.</Empty> : null}
      {trades.data && trades.data.items.length > 0 ? <DataTable rows={trades.data.items} columns={COLUMNS} rowId={(trade) => trade.id} label="trades" /> : null}
      <Pager page={pages.page} nextCursor={trades.data?.nextCursor} onNext={pages.next} onPrevious={pages.previous} onFirst={pages.first} />
    </>
  );
}
