/**
 * The statistics page's charts on lightweight-charts 5: a cumulative pnl line per plugin and daily
 * pnl bars. Decimal strings become numbers here for plotting only (the tables stay exact). The
 * charts take their colours from the page's CSS variables (light or dark, following the system),
 * resize with their container (autoSize) and load nothing: no attribution logo (it links out).
 */
import {
  type ChartOptions,
  createChart,
  type DeepPartial,
  HistogramSeries,
  type IChartApi,
  LineSeries,
  type UTCTimestamp,
} from 'lightweight-charts';
import { useCallback, useEffect, useRef } from 'react';
import type { DailyPnl, Trade } from '../api/views.ts';

/** Distinct line colours, picked from a plugin's position in the (sorted) list. */
const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
export const colourOf = (index: number) => PALETTE[index % PALETTE.length];

function cssVariable(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

function themeOptions(): DeepPartial<ChartOptions> {
  return {
    layout: { background: { color: cssVariable('--panel') }, textColor: cssVariable('--text'), attributionLogo: false },
    grid: { vertLines: { color: cssVariable('--line') }, horzLines: { color: cssVariable('--line') } },
    rightPriceScale: { borderColor: cssVariable('--line') },
    timeScale: { borderColor: cssVariable('--line'), timeVisible: true },
  };
}

/** A chart in a div for the component's life, following the system's colour scheme. */
function useChart(draw: (chart: IChartApi) => void, fit = true) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!box.current) return;
    const chart = createChart(box.current, { ...themeOptions(), autoSize: true });
    draw(chart);
    if (fit) chart.timeScale().fitContent();
    const scheme = window.matchMedia('(prefers-color-scheme: dark)');
    const follow = () => chart.applyOptions(themeOptions());
    scheme.addEventListener('change', follow);
    return () => {
      scheme.removeEventListener('change', follow);
      chart.remove();
    };
  }, [draw, fit]);
  return box;
}

const seconds = (at: string) => Math.floor(Date.parse(at) / 1000) as UTCTimestamp;

/**
 * Points of a plugin's cumulative pnl, trades in close order (close time, then id), one point per
 * second (the chart needs strictly rising times: trades closed in the same second share the last).
 */
export function cumulativePoints(trades: readonly Trade[]): { time: UTCTimestamp; value: number }[] {
  const sorted = [...trades].sort((a, b) => a.closedAt.localeCompare(b.closedAt) || a.id.localeCompare(b.id));
  // The curve starts at 0 a second before the first close, as the drawdown's curve does.
  const points: { time: UTCTimestamp; value: number }[] = sorted.length ? [{ time: (seconds(sorted[0].closedAt) - 1) as UTCTimestamp, value: 0 }] : [];
  let total = 0;
  for (const trade of sorted) {
    total += Number(trade.pnl); // plotting only
    const time = seconds(trade.closedAt);
    if (points.length > 0 && points[points.length - 1].time === time) points[points.length - 1].value = total;
    else points.push({ time, value: total });
  }
  return points;
}

export function CumulativePnlChart({ plugins, trades }: { plugins: readonly string[]; trades: readonly Trade[] }) {
  const pluginList = plugins.join('\n');
  const draw = useCallback(
    (chart: IChartApi) => {
      pluginList
        .split('\n')
        .filter(Boolean)
        .forEach((plugin, index) => {
          const series = chart.addSeries(LineSeries, { color: colourOf(index), lineWidth: 2, title: plugin });
          series.setData(cumulativePoints(trades.filter((trade) => trade.pluginId === plugin)));
        });
    },
    [pluginList, trades],
  );
  const box = useChart(draw);
  return <div ref={box} className="chart" role="img" aria-label="cumulative pnl per plugin" data-testid="cumulative-chart" />;
}

export function DailyPnlChart({ days }: { days: readonly DailyPnl[] }) {
  const draw = useCallback(
    (chart: IChartApi) => {
      const gain = cssVariable('--gain');
      const loss = cssVariable('--loss');
      // Bars of a readable width (fitting one day's bar would fill the whole chart).
      chart.applyOptions({ timeScale: { timeVisible: false, barSpacing: 28, rightOffset: 2 } });
      const series = chart.addSeries(HistogramSeries, { title: 'daily pnl' });
      series.setData(
        days.map((day) => ({
          time: day.day, // a business day, shown as a date
          value: Number(day.pnl), // plotting only
          color: day.pnl.startsWith('-') ? loss : gain,
        })),
      );
    },
    [days],
  );
  const box = useChart(draw, days.length > 30);
  return <div ref={box} className="chart" role="img" aria-label="daily pnl" data-testid="daily-chart" />;
}
