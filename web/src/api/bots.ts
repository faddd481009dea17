/**
 * The bots pages' view of the API: types from the server's own schemas (types only) and
 * fetchers (live refresh: useStreamRefresh in ../live-refresh.ts).
 */
import type { Static } from '@sinclair/typebox';
import type { BotBody } from '../../../src/api/schemas/bots.ts';
import type { EventBody } from '../../../src/api/schemas/events.ts';
import type { OrderBody } from '../../../src/api/schemas/orders.ts';
import type { PositionBody } from '../../../src/api/schemas/positions.ts';
import { del, get, post, put } from './client.ts';

export type Bot = Static<typeof BotBody>;
export type BotOrder = Static<typeof OrderBody>;
export type BotPosition = Static<typeof PositionBody>;
export type BotEvent = Static<typeof EventBody>;
export type BotStatus = Bot['status'];

/** A JSON Schema as GET /plugins gives it (the parts a form uses). */
export interface JsonSchema {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  enum?: unknown[];
  const?: unknown;
  description?: string;
  title?: string;
  default?: unknown;
  pattern?: string;
  format?: string;
  minimum?: number;
  maximum?: number;
}

export interface Plugin {
  id: string;
  description: string;
  configSchema: JsonSchema;
  exampleConfig: unknown;
}

export interface BotDetail {
  bot: Bot;
  counts: Record<string, number>;
  recentOrders: BotOrder[];
}

export const botKeys = {
  all: ['bots'] as const,
  list: (status: string) => ['bots', 'list', status] as const,
  detail: (id: string) => ['bots', 'detail', id] as const,
  positions: (id: string) => ['bots', 'positions', id] as const,
  events: (id: string) => ['bots', 'events', id] as const,
};

export const fetchBots = (status?: string) => get<{ items: Bot[] }>('/bots', { status }).then((page) => page.items);
export const fetchBot = (id: string) => get<BotDetail>(`/bots/${encodeURIComponent(id)}`);
export const fetchPlugins = () => get<{ items: Plugin[] }>('/plugins').then((page) => page.items);
export const fetchOpenPositions = (id: string) =>
  get<{ items: BotPosition[] }>('/positions', { bot: id, status: 'open', limit: 10 }).then((page) => page.items);
export const fetchBotEvents = (id: string) => get<{ items: BotEvent[] }>('/events', { bot: id, limit: 20 }).then((page) => page.items);

export interface NewBot {
  id: string;
  pluginId: string;
  symbol: string;
  config: Record<string, unknown>;
  orderTtlSeconds?: number;
}

const path = (id: string) => `/bots/${encodeURIComponent(id)}`;
export const createBot = (bot: NewBot) => post<{ bot: Bot }>('/bots', bot);
export const updateBot = (id: string, config: Record<string, unknown>) => put<{ bot: Bot }>(path(id), { config });
export const stopBot = (id: string, closePosition: boolean) =>
  post<{ bot: Bot }>(`${path(id)}/stop`, closePosition ? { closePosition } : {});
export const startBot = (id: string) => post<{ bot: Bot }>(`${path(id)}/start`);
export const deleteBot = (id: string, closePosition: boolean) => del<{ bot: Bot }>(path(id), closePosition ? { closePosition } : undefined);

/** "Order bl-x-1 cancelled outside botledger - bot stopped": what the auto-stop label says. */
export function isAutoStopped(bot: Bot): boolean {
  return bot.status === 'stopped' && bot.autoStopped;
}
