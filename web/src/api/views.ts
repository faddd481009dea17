/**
 * The reading pages' API: types of the server's answers (its TypeBox schemas, imported as types
 * only), their fetchers, and live refresh: a stream event invalidates the queries it concerns, at
 * most once per ~500 ms per key so a busy stream does not hammer the API.
 */
import type { Static } from '@sinclair/typebox';
import type { QueryKey } from '@tanstack/react-query';
import type { BotBody } from '../../../src/api/schemas/bots.ts';
import type { EventBody } from '../../../src/api/schemas/events.ts';
import type { OrderBody } from '../../../src/api/schemas/orders.ts';
import type { MarkedPositionBody, PositionDetailBody } from '../../../src/api/schemas/positions.ts';
import type { AccountSyncBody } from '../../../src/api/schemas/sync.ts';
import type { DailyPnlBody, PluginStatsBody, TradeBody } from '../../../src/api/schemas/trades.ts';
import { useStreamRefresh } from '../live-refresh.ts';
import type { StreamEvent } from '../stream.tsx';
import { get, type Query } from './client.ts';

export type Bot = Static<typeof BotBody>;
export type Order = Static<typeof OrderBody>;
export type Position = Static<typeof MarkedPositionBody>;
export type PositionDetail = Static<typeof PositionDetailBody>;
export type Trade = Static<typeof TradeBody>;
export type PluginStats = Static<typeof PluginStatsBody>;
export type DailyPnl = Static<typeof DailyPnlBody>;
/** An event-log entry (the events list's and a position's are the same row; source as text). */
export type LedgerEvent = Omit<Static<typeof EventBody>, 'source'> & { readonly source: string };
export type AccountSync = Static<typeof AccountSyncBody>;
export interface Page<T> {
  readonly items: T[];
  readonly nextCursor: string | null;
}

export const fetchBots = () => get<{ items: Bot[] }>('/bots');
export const fetchOrders = (query: Query) => get<Page<Order>>('/orders', query);
export const fetchPositions = (query: Query) => get<Page<Position>>('/positions', query);
export const fetchPosition = (id: string) => get<PositionDetail>(`/positions/${encodeURIComponent(id)}`);
export const fetchTrades = (query: Query) => get<Page<Trade>>('/trades', query);
export const fetchStats = () => get<{ items: PluginStats[] }>('/stats').then((body) => body.items);
export const fetchDaily = (query: Query) => get<{ items: DailyPnl[] }>('/stats/daily', query).then((body) => body.items);
export const fetchEvents = (query: Query) => get<Page<LedgerEvent>>('/events', query);
export const fetchSync = () => get<{ items: AccountSync[] }>('/sync').then((body) => body.items);

/** Today's date in UTC (YYYY-MM-DD): daily pnl is summed per UTC day of the close. */
export const utcToday = (now = new Date()) => now.toISOString().slice(0, 10);

/** The day after a YYYY-MM-DD date (the exclusive end of a one-day range). */
export function nextDay(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() + 1);
  return date.toISOString().slice(0, 10);
}

/**
 * On a stream event whose topic is in `topics` (all when omitted), invalidates `keys`: at once if
 * nothing was refetched in the last `gapMs`, else once at the end of that gap.
 */
export function useLiveRefresh(keys: readonly QueryKey[], topics?: readonly StreamEvent['topic'][], gapMs = 500): void {
  useStreamRefresh((event) => (!topics || topics.includes(event.topic) ? keys : []), gapMs);
}

/** Turns a venue payload into readable JSON (whole, indented). */
export const prettyJson = (value: unknown) => JSON.stringify(value, null, 2);
