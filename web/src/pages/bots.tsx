/**
 * Bots: every bot of yours, filtered by status (tabs with counts), its stop reason whole. A bot
 * botledger stopped by itself (an order cancelled outside botledger, a failing plugin) stands out,
 * labelled "auto-stopped", with the order that caused it linked. Live: stream events of topic
 * 'bots' refetch the list.
 */
import { type QueryKey, useQuery } from '@tanstack/react-query';
import { type Bot, botKeys, fetchBots, isAutoStopped } from '../api/bots.ts';
import { useStreamRefresh } from '../live-refresh.ts';
import { Empty, ErrorBox, Loading } from '../components/feedback.tsx';
import { Badge, Time } from '../components/format.tsx';
import { PageTitle } from '../components/layout.tsx';
import { type Columns, DataTable } from '../components/table.tsx';
import { Link, seg, useQueryState } from '../router.tsx';
import './bots.css';

const TABS = [
  ['', 'All'],
  ['active', 'Active'],
  ['stopped', 'Stopped'],
  ['deleted', 'Deleted'],
] as const;

/** The status cell: the badge, and for an auto-stopped bot the label and the order that caused it. */
export function BotStatus({ bot }: { bot: Bot }) {
  // One wrapper: on a phone the cell is a flex row, which would stretch the badges apart.
  return (
    <span className="bot-status">
      <Badge value={bot.status} />
      {isAutoStopped(bot) ? (
        <>
          {' '}
          <Badge value="auto-stopped" tone="bad" />
          {bot.stoppedByOrderId ? (
            <span className="caused-by">
              caused by order <Link to={`/orders/${seg(bot.stoppedByOrderId)}`}>{bot.stoppedByClientOrderId ?? bot.stoppedByOrderId}</Link>
            </span>
          ) : null}
        </>
      ) : null}
    </span>
  );
}

const COLUMNS: Columns<Bot> = [
  { header: 'Bot', cell: ({ row }) => <Link to={`/bots/${seg(row.original.id)}`}>{row.original.id}</Link> },
  { header: 'Plugin', cell: ({ row }) => row.original.pluginId },
  { header: 'Symbol', cell: ({ row }) => row.original.symbol },
  { header: 'Status', cell: ({ row }) => <BotStatus bot={row.original} /> },
  {
    header: 'Stop reason',
    cell: ({ row }) =>
      row.original.stopReason ? <span className="reason">{row.original.stopReason}</span> : <span className="muted">—</span>,
  },
  { header: 'Created', cell: ({ row }) => <Time at={row.original.createdAt} /> },
  { header: 'Updated', cell: ({ row }) => <Time at={row.original.updatedAt} /> },
];

export function BotsPage() {
  const [query, setQuery] = useQueryState();
  const status = query.status ?? '';
  // One list of every bot: the tabs' counts come from it, the filter is applied here.
  const bots = useQuery({ queryKey: botKeys.list('all'), queryFn: () => fetchBots() });
  useStreamRefresh((event) => {
    const keys: QueryKey[] = event.topic === 'bots' ? [botKeys.list('all')] : [];
    // A bot's page seen a moment ago is cached as fresh: mark it stale, so opening it refetches
    // (only pages on screen refetch at once; these are not).
    if (event.botId) keys.push(botKeys.detail(event.botId), botKeys.events(event.botId), botKeys.positions(event.botId));
    return keys;
  });
  const all = bots.data ?? [];
  const shown = all.filter((bot) => !status || bot.status === status);
  const autoStopped = all.filter(isAutoStopped).length;
  return (
    <>
      <PageTitle
        actions={
          <Link to="/bots/new" className="button-link">
            New bot
          </Link>
        }
      >
        Bots
      </PageTitle>
      {autoStopped > 0 ? (
        <p className="notice stand-out" role="status">
          {autoStopped === 1 ? '1 bot was' : `${autoStopped} bots were`} stopped by botledger itself (auto-stopped): see the highlighted
          rows.
        </p>
      ) : null}
      <div className="tabs" role="tablist" aria-label="bot status">
        {TABS.map(([value, label]) => (
          <button key={value} type="button" role="tab" aria-selected={status === value} onClick={() => setQuery({ status: value })}>
            {label}
            <span className="count">{value ? all.filter((bot) => bot.status === value).length : all.length}</span>
          </button>
        ))}
      </div>
      <ErrorBox error={bots.error} />
      {bots.isPending ? (
        <Loading what="Loading bots" />
      ) : shown.length === 0 ? (
        <Empty>
          {status ? `No ${status} bots.` : 'No bots yet.'} <Link to="/bots/new">Create one</Link>.
        </Empty>
      ) : (
        <DataTable
          rows={shown}
          columns={COLUMNS}
          rowId={(bot) => bot.id}
          label="bots"
          rowClass={(bot) => (isAutoStopped(bot) ? 'stand-out' : undefined)}
        />
      )}
    </>
  );
}
