/** The wire forms of trades, per-plugin statistics and daily pnl, and their query strings. */
import { Type } from '@sinclair/typebox';
import { Instant, PageQuery } from './common.ts';

/** Money in an answer: a decimal string exactly as stored. */
const Money = Type.String({ description: 'a decimal number as text, exactly as stored' });
const MoneyOrNull = Type.Union([Money, Type.Null()]);

/** A date (`2026-01-31`, midnight UTC) or an ISO-8601 instant (`2026-01-31T12:00:00Z`) in a query string. */
export const InstantQuery = Type.Union([Type.String({ format: 'date' }), Type.String({ format: 'date-time' })], {
  description: 'an ISO-8601 date (midnight UTC) or instant',
});

/** A plugin id, bot id or symbol in a query string. */
const Name = (description: string) => Type.String({ minLength: 1, maxLength: 64, description });

export const TradesQuery = Type.Object(
  {
    plugin: Type.Optional(Name('only trades of this strategy plugin')),
    bot: Type.Optional(Name('only trades of this bot')),
    symbol: Type.Optional(Name('only trades of this symbol (BASE/QUOTE)')),
    from: Type.Optional(InstantQuery),
    to: Type.Optional(InstantQuery),
    ...PageQuery,
  },
  { additionalProperties: false },
);

export const TradeBody = Type.Object(
  {
    id: Type.String(),
    positionId: Type.Union([Type.String(), Type.Null()]),
    botId: Type.Union([Type.String(), Type.Null()]),
    pluginId: Type.String(),
    symbol: Type.String(),
    side: Type.Union([Type.Literal('long'), Type.Literal('short')]),
    amount: Money,
    entryPrice: Money,
    exitPrice: Money,
    pnl: Type.String({ description: 'realized pnl net of fees, a decimal string' }),
    fees: Money,
    exitReason: Type.Union([Type.String(), Type.Null()]),
    openedAt: Instant,
    closedAt: Instant,
    createdAt: Instant,
  },
  { additionalProperties: false },
);

export const PluginStatsBody = Type.Object(
  {
    pluginId: Type.String(),
    total: Type.Integer({ description: 'trades' }),
    wins: Type.Integer({ description: 'trades with pnl > 0' }),
    losses: Type.Integer({ description: 'trades with pnl < 0' }),
    breakeven: Type.Integer({ description: 'trades with pnl = 0' }),
    totalPnl: Money,
    avgPnl: MoneyOrNull,
    bestPnl: MoneyOrNull,
    worstPnl: MoneyOrNull,
    winRate: Type.Union([Type.String(), Type.Null()], { description: 'wins / total as a decimal fraction ("0.5"); null without trades' }),
    grossProfit: Money,
    grossLoss: Money,
    profitFactor: Type.Union([Type.String(), Type.Null()], {
      description: 'gross profit / |gross loss|; null when there is no loss',
    }),
    maxDrawdown: Type.String({ description: 'largest drop of the cumulative pnl below its peak, trades in close order (>= 0)' }),
  },
  { additionalProperties: false },
);

export const StatsParams = Type.Object({ pluginId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9._-]+$' }) });

export const DailyQuery = Type.Object(
  {
    plugin: Type.Optional(Name('only trades of this strategy plugin')),
    from: Type.Optional(InstantQuery),
    to: Type.Optional(InstantQuery),
  },
  { additionalProperties: false },
);

export const DailyPnlBody = Type.Object({
  day: Type.String({ description: 'YYYY-MM-DD, UTC (of the trades close)' }),
  pnl: Type.String({ description: 'the exact sum of the day trades pnl (net of fees)' }),
  trades: Type.Integer(),
});
