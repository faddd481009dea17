/**
 * The event log: everything that happens, with its source and the raw venue payload. Append-only:
 * this module has no update or delete, and database triggers refuse them on both dialects.
 */
import type { CommittedEvent } from '../committed-changes.ts';
import type { Kysely } from 'kysely';
import type { LedgerSchema } from '../schema.ts';
import { insertMany } from '../sql/batch.ts';
import { eventFromRow } from './event-tail.ts';
import type { SqlExecutor } from '../sql/executor.ts';
import type { EventSource } from '../../domain/order/order-events.ts';
import { boolIn, boolOut, jsonIn, jsonSelect, type Page, type PageOptions, pageBy, timeIn, timeOut } from './codec.ts';

/** An event-log row to append (a unit of work appends it at flush). */
export interface EventEntry {
  readonly source: EventSource;
  /** What happened, e.g. `OrderCanceled`, `BotStopped`, `FillDuplicate`. */
  readonly type: string;
  /** One whole sentence ("Order bl-b1-7 cancelled outside botledger - bot stopped"). */
  readonly message: string;
  readonly orderId?: string | null;
  readonly botId?: string | null;
  readonly pluginId?: string | null;
  /** The venue's raw payload, or the command's input; absent or null is stored as SQL NULL. */
  readonly payload?: unknown;
  /** False for an event that was logged but changed nothing (a repeat, or one that does not fit). */
  readonly applied: boolean;
  /** When it happened (venue time for venue events). Default: `at`. */
  readonly occurredAt?: string;
  /** When it was recorded. */
  readonly at: string;
}

/** An event-log row as stored: the same shape the commit hub publishes. */
export type EventLogEntry = CommittedEvent;

const EVENT_COLUMNS = ['occurred_at', 'created_at', 'source', 'type', 'bot_id', 'order_id', 'plugin_id', 'message', 'payload', 'applied'] as const;

/** Pushes an entry's column values, in EVENT_COLUMNS order. */
function eventValues(entry: EventEntry, out: unknown[]): void {
  const createdAt = timeIn(entry.at, 'createdAt');
  out.push(
    entry.occurredAt ? timeIn(entry.occurredAt, 'occurredAt') : createdAt,
    createdAt,
    entry.source,
    entry.type,
    entry.botId ?? null,
    entry.orderId ?? null,
    entry.pluginId ?? null,
    entry.message,
    jsonIn(entry.payload),
    boolIn(entry.applied),
  );
}

/**
 * Appends entries in one statement; resolves to their ids (increasing), in the order given
 * (with `ids: false`, to nothing: RETURNING is left out when nobody needs them).
 * Append-only: this module has no update or delete.
 *
 * @example
 * const ids = await insertEvents(q, [{ source: 'engine', type: 'BotStopped', message: 'Bot b1 stopped', botId: 'b1', applied: true, at }]);
 */
export async function insertEvents(q: SqlExecutor, entries: readonly EventEntry[], options: { ids?: boolean } = {}): Promise<string[]> {
  if (entries.length === 0) return [];
  if (options.ids === false) {
    await insertMany(q, 'event_log', EVENT_COLUMNS, entries, eventValues);
    return [];
  }
  const rows = await insertMany(q, 'event_log', EVENT_COLUMNS, entries, eventValues, 'returning id');
  // RETURNING gives one id per row; ids grow in the order the rows were inserted.
  return rows.map((row) => String(row.id)).sort((a, b) => Number(a) - Number(b));
}

/**
 * When botledger first recorded an applied cancel request for the order (epoch ms), or
 * undefined. A venue cancel before this instant cannot have been botledger's.
 */
export async function cancelRequestedAt(q: SqlExecutor, orderId: string): Promise<number | undefined> {
  const row = await q.get<{ at: unknown }>("select min(created_at) as at from event_log where order_id = ? and type = 'OrderCancelRequested' and applied = ?", [orderId, true]);
  return row?.at == null ? undefined : Date.parse(timeOut(row.at));
}

export interface EventFilter {
  readonly orderId?: string;
  readonly botId?: string;
  readonly pluginId?: string;
  readonly type?: string;
  readonly source?: EventSource;
  readonly applied?: boolean;
  /**
   * Only the entries of this user's bots (an entry belongs to a user through its bot_id; entries
   * without a bot belong to no user and are left out).
   */
  readonly userId?: string;
}

/**
 * Entries matching the filter, newest first by default, keyset-paged by (created_at, id).
 *
 * @example
 * const { items } = await listEvents(db, { orderId: 'o1' }, { direction: 'asc' });
 */
export async function listEvents(db: Kysely<LedgerSchema>, filter: EventFilter = {}, page: PageOptions = {}): Promise<Page<EventLogEntry>> {
  let query = db
    .selectFrom('event_log')
    .select(['id', ...EVENT_COLUMNS.filter((column) => column !== 'payload'), jsonSelect('payload').as('payload')]);
  if (filter.orderId !== undefined) query = query.where('order_id', '=', filter.orderId);
  if (filter.botId !== undefined) query = query.where('bot_id', '=', filter.botId);
  if (filter.pluginId !== undefined) query = query.where('plugin_id', '=', filter.pluginId);
  if (filter.type !== undefined) query = query.where('type', '=', filter.type);
  if (filter.source !== undefined) query = query.where('source', '=', filter.source);
  if (filter.applied !== undefined) query = query.where('applied', '=', boolIn(filter.applied));
  if (filter.userId !== undefined) {
    const userId = filter.userId;
    query = query.where('bot_id', 'in', (sub) => sub.selectFrom('bots').select('bots.id').where('user_id', '=', userId));
  }
  return pageBy(query, { time: 'created_at', id: 'id' }, page, eventFromRow, (entry) => ({ at: entry.createdAt, id: entry.id }));
}

/**
 * How many entries the event log holds.
 *
 * @example
 * await countEvents(db); // 1342
 */
export async function countEvents(db: Kysely<LedgerSchema>): Promise<number> {
  const row = await db.selectFrom('event_log').select(db.fn.countAll().as('count')).executeTakeFirst();
  return Number(row?.count ?? 0);
}

/**
 * Type, message, source and applied flag of an order's or a bot's event-log rows, oldest first
 * (tests, the CLI and reconciliation look at these).
 *
 * @example
 * await eventsOf(db, { orderId: 'o1' });
 */
export async function eventsOf(db: Kysely<LedgerSchema>, filter: { orderId?: string; botId?: string }): Promise<{ type: string; message: string; source: string; applied: boolean }[]> {
  let query = db.selectFrom('event_log').select(['type', 'message', 'source', 'applied']);
  query = filter.orderId !== undefined ? query.where('order_id', '=', filter.orderId) : query.where('bot_id', '=', filter.botId ?? '');
  const rows = await query.orderBy('id').execute();
  return rows.map((row) => ({ type: String(row.type), message: String(row.message), source: String(row.source), applied: boolOut(row.applied) }));
}
