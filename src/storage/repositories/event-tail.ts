/**
 * Reading the event log forwards by id, for the change feed's replay and for a reader in another
 * process that tails the ledger (src/app/event-log-tail.ts). The id is the only order that holds
 * on both dialects for "what was appended after this": created_at is the writer's clock.
 *
 * Ids are decimal strings (event_log.id is a bigint on PostgreSQL); they are bound as strings,
 * which PostgreSQL casts to bigint and SQLite compares numerically because the column has
 * INTEGER affinity.
 */
import type { Kysely } from 'kysely';
import type { CommittedEvent } from '../committed-changes.ts';
import type { LedgerSchema } from '../schema.ts';
import type { EventSource } from '../../domain/order/order-events.ts';
import { boolOut, jsonOut, jsonSelect, timeOut } from './codec.ts';

/** The most rows one read returns, whatever the caller asks for. */
export const MAX_TAIL_PAGE = 10_000;

/** Checks that `id` is a non-negative decimal integer; names it on error. */
export function eventIdIn(id: string, field = 'after'): string {
  if (!/^\d{1,19}$/.test(id)) throw new TypeError(`${field} must be an event_log id (a non-negative integer), got "${id}"`);
  return BigInt(id).toString();
}

/** A row of `event_log` (its JSON payload selected as text) as the event it records. */
export function eventFromRow(row: Record<string, unknown>): CommittedEvent {
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

/**
 * Committed event-log rows with an id above `afterId`, in id order, at most `limit` of them.
 * On PostgreSQL a row may still appear later BELOW the last id returned (a transaction that took
 * its id earlier and committed later): the tail reader decides what to do about such gaps.
 *
 * @example
 * const rows = await readEventsAfter(db, '1200', 500); // ids 1201.. in order
 */
/** The columns of an event-log row as a CommittedEvent is read from them (its payload as JSON text). */
export function eventColumns() {
  return [
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
  ] as const;
}

export async function readEventsAfter(db: Kysely<LedgerSchema>, afterId: string, limit: number): Promise<CommittedEvent[]> {
  const after = eventIdIn(afterId);
  const size = Math.min(Math.max(Math.trunc(limit), 1), MAX_TAIL_PAGE);
  const rows = await db.selectFrom('event_log').select(eventColumns()).where('id', '>', after).orderBy('id', 'asc').limit(size).execute();
  return rows.map((row) => eventFromRow(row as Record<string, unknown>));
}

/**
 * The highest committed event-log id, or '0' when the log is empty. Not a safe resume point on
 * PostgreSQL: a transaction still in flight may commit a LOWER id after this read. A reader that
 * must miss nothing resumes from an id it has itself read (src/app/event-log-tail.ts).
 *
 * @example
 * const now = await latestEventId(db); // '1342'
 */
export async function latestEventId(db: Kysely<LedgerSchema>): Promise<string> {
  const row = await db
    .selectFrom('event_log')
    .select((eb) => eb.fn.max('id').as('max'))
    .executeTakeFirst();
  return row?.max == null ? '0' : String(row.max);
}
