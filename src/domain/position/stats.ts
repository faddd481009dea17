/**
 * Per-plugin statistics from trades, exact: sums of decimal strings with decimal.js, never floats
 * (0.1 + 0.2 is 0.3 here). The average is the one rounded value (18 places).
 */
import { Decimal, formatDecimal, MONEY_SCALE, parseDecimal } from '../money.ts';

export interface TradeStats {
  readonly total: number;
  /** pnl > 0 */
  readonly wins: number;
  /** pnl < 0 */
  readonly losses: number;
  /** pnl = 0 */
  readonly breakeven: number;
  readonly totalPnl: string;
  /** null without trades. */
  readonly avgPnl: string | null;
  readonly bestPnl: string | null;
  readonly worstPnl: string | null;
  /** wins / total as a decimal fraction ("0.5"), null without trades. */
  readonly winRate: string | null;
}

export interface PluginStats extends TradeStats {
  readonly pluginId: string;
}

/**
 * Statistics of a set of trades.
 *
 * @example
 * computeStats([{ pnl: '0.1' }, { pnl: '0.2' }]).totalPnl; // '0.3'
 */
export function computeStats(trades: Iterable<{ readonly pnl: string }>): TradeStats {
  let total = 0;
  let wins = 0;
  let losses = 0;
  let sum = new Decimal(0);
  let best: Decimal | null = null;
  let worst: Decimal | null = null;
  for (const trade of trades) {
    const pnl = parseDecimal(trade.pnl, 'pnl');
    total += 1;
    if (pnl.gt(0)) wins += 1;
    else if (pnl.lt(0)) losses += 1;
    sum = sum.plus(pnl);
    if (best === null || pnl.gt(best)) best = pnl;
    if (worst === null || pnl.lt(worst)) worst = pnl;
  }
  const fraction = (value: Decimal) => formatDecimal(value.toDecimalPlaces(MONEY_SCALE, Decimal.ROUND_HALF_EVEN));
  return {
    total,
    wins,
    losses,
    breakeven: total - wins - losses,
    totalPnl: formatDecimal(sum),
    avgPnl: total ? fraction(sum.div(total)) : null,
    bestPnl: best === null ? null : formatDecimal(best),
    worstPnl: worst === null ? null : formatDecimal(worst),
    winRate: total ? fraction(new Decimal(wins).div(total)) : null,
  };
}

/**
 * Statistics per plugin, sorted by plugin id.
 *
 * @example
 * computePluginStats([{ pluginId: 'a', pnl: '1' }, { pluginId: 'b', pnl: '-1' }]).map((s) => s.pluginId); // ['a', 'b']
 */
export function computePluginStats(trades: Iterable<{ readonly pluginId: string; readonly pnl: string }>): PluginStats[] {
  const byPlugin = new Map<string, { pnl: string }[]>();
  for (const trade of trades) {
    const list = byPlugin.get(trade.pluginId) ?? [];
    list.push(trade);
    byPlugin.set(trade.pluginId, list);
  }
  return [...byPlugin.keys()].sort().map((pluginId) => ({ pluginId, ...computeStats(byPlugin.get(pluginId) ?? []) }));
}
