/**
 * Per-plugin statistics from trades, exact: sums of decimal strings with decimal.js, never floats
 * (0.1 + 0.2 is 0.3 here). The average, win rate and profit factor are the rounded values (18 places).
 *
 * Everything is kept as a running aggregate ({@link StatsAggregate}) that one trade at a time
 * updates ({@link addTradeToAggregate}), so storage keeps it per plugin in the trade's own
 * transaction and reads the statistics in O(1). The maximum drawdown depends on the order of the
 * trades: trades are taken in close order (closed_at, then id); a trade that arrives before the
 * last one folded in cannot be added and the plugin is recomputed ({@link isAfterLastTrade}).
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
  /** Sum of the winning pnls (>= 0). */
  readonly grossProfit: string;
  /** Sum of the losing pnls (<= 0). */
  readonly grossLoss: string;
  /** grossProfit / |grossLoss|; null when there is no loss (it would be infinite, or 0/0). */
  readonly profitFactor: string | null;
  /**
   * The largest drop of the cumulative pnl below its running peak, trades in close order, the
   * curve starting at 0 before the first trade (a first trade of -5 is a drawdown of 5). >= 0.
   */
  readonly maxDrawdown: string;
}

export interface PluginStats extends TradeStats {
  readonly pluginId: string;
}

/** The running aggregate of a plugin's trades, as stored (decimal strings). */
export interface StatsAggregate {
  readonly total: number;
  readonly wins: number;
  readonly losses: number;
  readonly breakeven: number;
  /** The cumulative pnl. */
  readonly totalPnl: string;
  readonly bestPnl: string | null;
  readonly worstPnl: string | null;
  readonly grossProfit: string;
  readonly grossLoss: string;
  /** Running maximum of the cumulative pnl, from 0. */
  readonly pnlPeak: string;
  readonly maxDrawdown: string;
  /** The last trade folded in: its close time (ISO) and id. */
  readonly lastClosedAt: string | null;
  readonly lastTradeId: string | null;
}

/** What a trade contributes: its pnl, and its place in close order. */
export interface StatsTrade {
  readonly id: string;
  readonly pnl: string;
  /** ISO-8601 UTC (canonical, so it sorts as text). */
  readonly closedAt: string;
}

export const EMPTY_AGGREGATE: StatsAggregate = {
  total: 0,
  wins: 0,
  losses: 0,
  breakeven: 0,
  totalPnl: '0',
  bestPnl: null,
  worstPnl: null,
  grossProfit: '0',
  grossLoss: '0',
  pnlPeak: '0',
  maxDrawdown: '0',
  lastClosedAt: null,
  lastTradeId: null,
};

/**
 * Close order: closed_at, then id.
 *
 * @example
 * trades.sort(byCloseOrder);
 */
export function byCloseOrder(a: { closedAt: string; id: string }, b: { closedAt: string; id: string }): number {
  if (a.closedAt !== b.closedAt) return a.closedAt < b.closedAt ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * True when `trade` comes after the last trade folded into `aggregate` in close order, so
 * {@link addTradeToAggregate} keeps the drawdown exact.
 */
export function isAfterLastTrade(aggregate: StatsAggregate, trade: { closedAt: string; id: string }): boolean {
  if (aggregate.lastClosedAt === null || aggregate.lastTradeId === null) return true;
  return byCloseOrder({ closedAt: aggregate.lastClosedAt, id: aggregate.lastTradeId }, trade) < 0;
}

/**
 * A mutable fold with decimal.js values, for folding many trades without reparsing strings (a
 * plugin's full recompute). {@link addTradeToAggregate} is the same fold for one trade.
 */
export class StatsAccumulator {
  total = 0;
  wins = 0;
  losses = 0;
  breakeven = 0;
  sum: Decimal;
  best: Decimal | null;
  worst: Decimal | null;
  profit: Decimal;
  loss: Decimal;
  peak: Decimal;
  drawdown: Decimal;
  lastClosedAt: string | null;
  lastTradeId: string | null;

  constructor(from: StatsAggregate = EMPTY_AGGREGATE) {
    this.total = from.total;
    this.wins = from.wins;
    this.losses = from.losses;
    this.breakeven = from.breakeven;
    this.sum = new Decimal(from.totalPnl);
    this.best = from.bestPnl === null ? null : new Decimal(from.bestPnl);
    this.worst = from.worstPnl === null ? null : new Decimal(from.worstPnl);
    this.profit = new Decimal(from.grossProfit);
    this.loss = new Decimal(from.grossLoss);
    this.peak = new Decimal(from.pnlPeak);
    this.drawdown = new Decimal(from.maxDrawdown);
    this.lastClosedAt = from.lastClosedAt;
    this.lastTradeId = from.lastTradeId;
  }

  /** Folds one trade in (the caller keeps close order). */
  add(pnlText: string, closedAt: string | null = null, id: string | null = null): void {
    const pnl = parseDecimal(pnlText, 'pnl');
    this.total += 1;
    if (pnl.gt(0)) {
      this.wins += 1;
      this.profit = this.profit.plus(pnl);
    } else if (pnl.lt(0)) {
      this.losses += 1;
      this.loss = this.loss.plus(pnl);
    } else this.breakeven += 1;
    this.sum = this.sum.plus(pnl);
    if (this.best === null || pnl.gt(this.best)) this.best = pnl;
    if (this.worst === null || pnl.lt(this.worst)) this.worst = pnl;
    if (this.sum.gt(this.peak)) this.peak = this.sum;
    const drop = this.peak.minus(this.sum);
    if (drop.gt(this.drawdown)) this.drawdown = drop;
    this.lastClosedAt = closedAt;
    this.lastTradeId = id;
  }

  aggregate(): StatsAggregate {
    return {
      total: this.total,
      wins: this.wins,
      losses: this.losses,
      breakeven: this.breakeven,
      totalPnl: formatDecimal(this.sum),
      bestPnl: this.best === null ? null : formatDecimal(this.best),
      worstPnl: this.worst === null ? null : formatDecimal(this.worst),
      grossProfit: formatDecimal(this.profit),
      grossLoss: formatDecimal(this.loss),
      pnlPeak: formatDecimal(this.peak),
      maxDrawdown: formatDecimal(this.drawdown),
      lastClosedAt: this.lastClosedAt,
      lastTradeId: this.lastTradeId,
    };
  }
}

/**
 * The aggregate with one more trade, which must come after the aggregate's last trade in close
 * order (see {@link isAfterLastTrade}); the result equals folding every trade from scratch.
 *
 * @example
 * let agg = EMPTY_AGGREGATE;
 * for (const trade of trades.sort(byCloseOrder)) agg = addTradeToAggregate(agg, trade);
 * statsFromAggregate(agg).maxDrawdown; // same as computeStats(trades).maxDrawdown
 */
export function addTradeToAggregate(aggregate: StatsAggregate, trade: StatsTrade): StatsAggregate {
  const fold = new StatsAccumulator(aggregate);
  fold.add(trade.pnl, trade.closedAt, trade.id);
  return fold.aggregate();
}

const fraction = (value: Decimal) => formatDecimal(value.toDecimalPlaces(MONEY_SCALE, Decimal.ROUND_HALF_EVEN));

/**
 * The statistics an aggregate answers: average, win rate and profit factor derived, the rest as kept.
 *
 * @example
 * statsFromAggregate(EMPTY_AGGREGATE).avgPnl; // null
 */
export function statsFromAggregate(aggregate: StatsAggregate): TradeStats {
  const { total, wins, losses, breakeven } = aggregate;
  const loss = new Decimal(aggregate.grossLoss);
  return {
    total,
    wins,
    losses,
    breakeven,
    totalPnl: aggregate.totalPnl,
    avgPnl: total ? fraction(new Decimal(aggregate.totalPnl).div(total)) : null,
    bestPnl: aggregate.bestPnl,
    worstPnl: aggregate.worstPnl,
    winRate: total ? fraction(new Decimal(wins).div(total)) : null,
    grossProfit: aggregate.grossProfit,
    grossLoss: aggregate.grossLoss,
    profitFactor: loss.isZero() ? null : fraction(new Decimal(aggregate.grossProfit).div(loss.abs())),
    maxDrawdown: aggregate.maxDrawdown,
  };
}

/**
 * Statistics of a set of trades, taken in the order given (the drawdown follows it: pass them in
 * close order, e.g. sorted with {@link byCloseOrder}).
 *
 * @example
 * computeStats([{ pnl: '0.1' }, { pnl: '0.2' }]).totalPnl; // '0.3'
 */
export function computeStats(trades: Iterable<{ readonly pnl: string }>): TradeStats {
  const fold = new StatsAccumulator();
  for (const trade of trades) fold.add(trade.pnl);
  return statsFromAggregate(fold.aggregate());
}

/**
 * Statistics per plugin, sorted by plugin id; each plugin's trades in close order when they carry
 * `closedAt` (and `id`), else in the order given.
 *
 * @example
 * computePluginStats([{ pluginId: 'a', pnl: '1' }, { pluginId: 'b', pnl: '-1' }]).map((s) => s.pluginId); // ['a', 'b']
 */
export function computePluginStats(
  trades: Iterable<{ readonly pluginId: string; readonly pnl: string; readonly closedAt?: string; readonly id?: string }>,
): PluginStats[] {
  const byPlugin = new Map<string, { pnl: string; closedAt?: string; id?: string }[]>();
  for (const trade of trades) {
    const list = byPlugin.get(trade.pluginId) ?? [];
    list.push(trade);
    byPlugin.set(trade.pluginId, list);
  }
  return [...byPlugin.keys()].sort().map((pluginId) => {
    const list = byPlugin.get(pluginId) ?? [];
    if (list.every((trade) => trade.closedAt !== undefined))
      list.sort((a, b) =>
        byCloseOrder({ closedAt: a.closedAt as string, id: a.id ?? '' }, { closedAt: b.closedAt as string, id: b.id ?? '' }),
      );
    return { pluginId, ...computeStats(list) };
  });
}
