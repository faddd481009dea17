/**
 * Trades and statistics: the trades list (filters, keyset paging), every plugin's statistics, one
 * plugin's, and the realized pnl per UTC day. Each route calls one function of the application
 * core (src/app/trades.ts, stats.ts, daily-pnl.ts).
 */
import { Type } from '@sinclair/typebox';
import { getAllPluginStatistics, getDailyPnl, getPluginStatistics } from '../../app/stats.ts';
import { listTradePage } from '../../app/trades.ts';
import type { Trade } from '../../domain/position/trade.ts';
import { ownerOf } from '../auth.ts';
import type { ApiInstance } from '../api-instance.ts';
import { ERROR_RESPONSES, Page } from '../schemas/common.ts';
import { DailyPnlBody, DailyQuery, PluginStatsBody, StatsParams, TradeBody, TradesQuery } from '../schemas/trades.ts';

const tags = ['trades'];

/** A query-string date or instant as canonical ISO-8601 UTC (the schema has checked its form). */
const iso = (value: string | undefined) => (value === undefined ? undefined : new Date(value).toISOString());

/** A trade on the wire: everything but its owner (the caller). */
function tradeView({ userId: _userId, ...trade }: Trade) {
  return trade;
}

export default async function tradeRoutes(app: ApiInstance): Promise<void> {
  const ledger = app.api.ledger;

  app.get(
    '/trades',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary: 'Your closed trades, newest first; filters and keyset paging (nextCursor)',
        querystring: TradesQuery,
        response: { 200: Page(TradeBody), ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const query = request.query;
      const page = await listTradePage(ledger, {
        pluginId: query.plugin,
        botId: query.bot,
        symbol: query.symbol,
        from: iso(query.from),
        to: iso(query.to),
        limit: query.limit,
        cursor: query.cursor,
        owner: ownerOf(request),
      });
      return { items: page.items.map(tradeView), nextCursor: page.nextCursor };
    },
  );

  app.get(
    '/stats',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary: 'Statistics of every plugin with trades: counts, win rate, pnl, profit factor, max drawdown',
        response: { 200: Type.Object({ items: Type.Array(PluginStatsBody) }), ...ERROR_RESPONSES },
      },
    },
    async (request) => ({ items: await getAllPluginStatistics(ledger, { owner: ownerOf(request) }) }),
  );

  app.get(
    '/stats/daily',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary: 'Realized pnl per UTC day of close (days without trades left out), oldest first',
        querystring: DailyQuery,
        response: { 200: Type.Object({ items: Type.Array(DailyPnlBody) }), ...ERROR_RESPONSES },
      },
    },
    async (request) => ({
      items: await getDailyPnl(ledger, {
        owner: ownerOf(request),
        pluginId: request.query.plugin,
        from: iso(request.query.from),
        to: iso(request.query.to),
      }),
    }),
  );

  app.get(
    '/stats/:pluginId',
    {
      config: { access: 'read' },
      schema: {
        tags,
        summary: "One plugin's statistics over all its trades (zeros without trades)",
        params: StatsParams,
        response: { 200: PluginStatsBody, ...ERROR_RESPONSES },
      },
    },
    async (request) => getPluginStatistics(ledger, request.params.pluginId, { owner: ownerOf(request) }),
  );
}
