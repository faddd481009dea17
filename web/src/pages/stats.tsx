/**
 * Statistics: the per-plugin table exactly as the API computes it (decimal strings, never
 * re-computed here), a cumulative pnl line per plugin from the trades' close times, and daily pnl
 * bars (UTC days). Refreshed when a trade is recorded.
 */
import { useQuery } from '@tanstack/react-query';
import type { CSSProperties } from 'react';
import { fetchDaily, fetchStats, fetchTrades, type PluginStats, type Trade, useLiveRefresh } from '../api/views.ts';
import { Empty, ErrorBox, Loading } from '../components/feedback.tsx';
import { Amount } from '../components/format.tsx';
import { PageTitle } from '../components/layout.tsx';
import { type Columns, DataTable } from '../components/table.tsx';
import { Link } from '../router.tsx';
import { CumulativePnlChart, colourOf, DailyPnlChart } from './pnl-charts.tsx';
import './views.css';

/** The chart reads at most this many trades (the table covers all of them). */
const CHART_TRADES = 10_000;

/** '0.5' -> '50', '0.123' -> '12.3': a fraction as a percentage by moving the point (exact, no float). */
export function percentOf(fraction: string): string {
  const negative = fraction.startsWith('-');
  const [whole, part = ''] = fraction.replace('-', '').split('.');
  const digits = `${whole}${part.padEnd(2, '0')}`;
  const point = whole.length + 2;
  const integer = digits.slice(0, point).replace(/^0+(?=\d)/, '');
  const rest = digits.slice(point).replace(/0+$/, '');
  return `${negative ? '-' : ''}${integer}${rest ? `.${rest}` : ''}`;
}

const COLUMNS: Columns<PluginStats> = [
  { header: 'Plugin', cell: ({ row }) => <Link to={`/trades?plugin=${encodeURIComponent(row.original.pluginId)}`}>{row.original.pluginId}</Link> },
  { header: 'Trades', cell: ({ row }) => String(row.original.total) },
  { header: 'Wins / losses', cell: ({ row }) => `${row.original.wins} / ${row.original.losses}${row.original.breakeven ? ` (${row.original.breakeven} even)` : ''}` },
  {
    header: 'Win rate',
    cell: ({ row }) => (row.original.winRate === null ? <span className="muted">—</span> : <span className="amount" title={row.original.winRate}>{percentOf(row.original.winRate)}%</span>),
  },
  { header: 'Total pnl', cell: ({ row }) => <Amount value={row.original.totalPnl} signed /> },
  { header: 'Average pnl', cell: ({ row }) => <Amount value={row.original.avgPnl} signed /> },
  { header: 'Best', cell: ({ row }) => <Amount value={row.original.bestPnl} signed /> },
  { header: 'Worst', cell: ({ row }) => <Amount value={row.original.worstPnl} signed /> },
  {
    header: 'Profit factor',
    cell: ({ row }) => (row.original.profitFactor === null ? <span className="muted">no loss</span> : <Amount value={row.original.profitFactor} />),
  },
  { header: 'Max drawdown', cell: ({ row }) => <Amount value={row.original.maxDrawdown} /> },
];

async function fetchChartTrades(): Promise<Trade[]> {
  const trades: Trade[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetchTrades({ limit: 1000, cursor });
    trades.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && trades.length < CHART_TRADES);
  return trades;
}

export function StatsPage() {
  useLiveRefresh([['stats'], ['trades', 'chart']], ['trades'], 2_000);
  const stats = useQuery({ queryKey: ['stats', 'plugins'], queryFn: fetchStats });
  const daily = useQuery({ queryKey: ['stats', 'daily', 'all'], queryFn: () => fetchDaily({}) });
  const trades = useQuery({ queryKey: ['trades', 'chart'], queryFn: fetchChartTrades });
  const plugins = (stats.data ?? []).filter((row) => row.total > 0).map((row) => row.pluginId).sort();
  return (
    <>
      <PageTitle>Statistics</PageTitle>
      <ErrorBox error={stats.error} />
      {stats.isPending ? <Loading /> : null}
      {stats.data && stats.data.length === 0 ? <Empty>No plugin has traded yet.</Empty> : null}
      {stats.data && stats.data.length > 0 ? (
        <DataTable rows={stats.data} columns={COLUMNS} rowId={(row) => row.pluginId} label="statistics per plugin" />
      ) : null}
      <section className="panel chart-panel" aria-labelledby="cumulative">
        <h2 id="cumulative">Cumulative pnl per plugin (times in UTC)</h2>
        <ErrorBox error={trades.error} />
        <div className="legend">
          {plugins.map((plugin, index) => (
            <span key={plugin} style={{ '--swatch': colourOf(index) } as CSSProperties}>
              {plugin}
            </span>
          ))}
        </div>
        {trades.data && trades.data.length >= CHART_TRADES ? <p className="muted">The newest {CHART_TRADES} trades are drawn.</p> : null}
        {trades.data && stats.data ? <CumulativePnlChart plugins={plugins} trades={trades.data} /> : <Loading />}
      </section>
      <section className="panel" aria-labelledby="daily">
        <h2 id="daily">Daily pnl (UTC days)</h2>
        <ErrorBox error={daily.error} />
        {daily.data ? <DailyPnlChart days={daily.data} /> : <Loading />}
      </section>
    </>
  );
}
