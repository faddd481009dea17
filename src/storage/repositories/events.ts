/**
 * The event log: everything that happens, with its source and the raw venue payload. Append-only:
 * this module has no update or delete, and database triggers refuse them on both dialects.
 */
import type { Kysely } from 'kysely';
import type { EventSource } from '../../domain/order/order-events.ts';
import { boolIn, boolOut, jsonIn, jsonOut, jsonSelect, type Page, type PageOptions, pageBy, timeIn, timeOut } from './codec.ts';

export interface NewEventLogEntry {
  /** When it happened (venue time for venue events). */
  readonly occurredAt: string;
  /** When it was recorded; default occurredAt. */
  readonly createdAt?: string;
  readonly source: EventSource;
  /** The event's type: an order event name (OrderCanceled), a bot change (BotStopped), ... */
  readonly type: string;
  readonly botId?: string | null;
  readonly orderId?: string | null;
  readonly pluginId?: string | null;
  /** A whole sentence ("Order bl-b1-7 cancelled outside botledger - bot stopped"). */
  readonly message: string;
  /** The raw venue payload (or command), stored as JSON. */
  readonly payload?: unknown;
  /** False for an event that was logged but not applied (a no-op or a rejection). */
  readonly applied: boolean;
}

export interface EventLogEntry extends Required<Omit<NewEventLogEntry, 'payload'>> {
  readonly id: string;
  readonly payload: unknown;
}

function values(entry: NewEventLogEntry) {
  const occurredAt = timeIn(entry.occurredAt, 'occurredAt');
  return {
    occurred_at: occurredAt,
    created_at: entry.createdAt ? timeIn(entry.createdAt, 'createdAt') : occurredAt,
    source: entry.source,
    type: entry.type,
    bot_id: entry.botId ?? null,
    order_id: entry.orderId ?? null,
    plugin_id: entry.pluginId ?? null,
    message: entry.message,
    payload: jsonIn(entry.payload),
    applied: boolIn(entry.applied),
  };
}

/**
 * Appends one entry; returns its id (increasing).
 *
 * @example
 * await appendEvent(trx, { occurredAt: now.toISOString(), source: 'exchange-ws', type: 'OrderCanceled', orderId, botId,
 *   message: result.explanation, payload: report.raw, applied: result.outcome === 'applied' });
 */
export async function appendEvent(db: Kysely<any>, entry: NewEventLogEntry): Promise<string> {
  const row = await db.insertInto('event_log').values(values(entry)).returning('id').executeTakeFirstOrThrow();
  return String(row.id);
}

/**
 * Appends several entries in one statement (for group commit); returns their ids in order.
 *
 * @example
 * await appendEvents(trx, batch.map(toEntry));
 */
export async function appendEvents(db: Kysely<any>, entries: readonly NewEventLogEntry[]): Promise<string[]> {
  if (entries.length === 0) return [];
  const rows = await db.insertInto('event_log').values(entries.map(values)).returning('id').execute();
  return rows.map((row) => String(row.id)).sort((a, b) => Number(a) - Number(b));
}

function entryFromRow(row: Record<string, unknown>): EventLogEntry {
  return {
    id: String(row.id),
    occurredAt: timeOut(row.occurred_at),
    createdAt: timeOut(row.created_at),
    source: row.source as EventSource,
    type: String(row.type),
    botId: (row.bot_id as string | null) ?? null,
    orderId: (row.order_id as string | null) ?? null,
    pluginId: (row.plugin_id as string | null) ?? null,
    message: String(row.message),
    payload: jsonOut(row.payload),
    applied: boolOut(row.applied),
  };
}

export interface EventFilter {
  readonly orderId?: string;
  readonly botId?: string;
  readonly pluginId?: string;
  readonly type?: string;
  readonly source?: EventSource;
  readonly applied?: boolean;
}

/**
 * Entries matching the filter, newest first by default, keyset-paged by (created_at, id).
 *
 * @example
 * const { items } = await listEvents(db, { orderId: 'o1' }, { direction: 'asc' });
 */
export async function listEvents(db: Kysely<any>, filter: EventFilter = {}, page: PageOptions = {}): Promise<Page<EventLogEntry>> {
  let query = db
    .selectFrom('event_log')
    .select([
      'id',
      'occurred_at',
      'created_at',
      'source',
      'type',
      'bot_id',
      'order_id',
      'plugin_id',
      'message',
      'applied',
      jsonSelect('payload').as('payload'),
    ]);
  if (filter.orderId !== undefined) query = query.where('order_id', '=', filter.orderId);
  if (filter.botId !== undefined) query = query.where('bot_id', '=', filter.botId);
  if (filter.pluginId !== undefined) query = query.where('plugin_id', '=', filter.pluginId);
  if (filter.type !== undefined) query = query.where('type', '=', filter.type);
  if (filter.source !== undefined) query = query.where('source', '=', filter.source);
  if (filter.applied !== undefined) query = query.where('applied', '=', boolIn(filter.applied));
  return pageBy(query, { time: 'created_at', id: 'id' }, page, entryFromRow, (entry) => ({ at: entry.createdAt, id: entry.id }));
}

/**
 * How many entries the event log holds.
 *
 * @example
 * await countEvents(db); // 1342
 */
export async function countEvents(db: Kysely<any>): Promise<number> {
  const row = await db.selectFrom('event_log').select(db.fn.countAll().as('count')).executeTakeFirst();
  return Number(row?.count ?? 0);
}
