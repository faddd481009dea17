/**
 * The event log paged by id (the API's GET /events): oldest first from an id on, or newest first
 * down from one. The id is the order "appended after" holds on both dialects (created_at is the
 * writer's clock), so pages neither repeat nor skip entries. Ids are bound as decimal strings, as
 * in event-tail.ts.
 */
import type { Kysely } from 'kysely';
import type { EventSource } from '../../domain/order/order-events.ts';
import type { CommittedEvent } from '../committed-changes.ts';
import type { LedgerSchema } from '../schema.ts';
import { MAX_PAGE_LIMIT } from './codec.ts';
import { eventColumns, eventFromRow, eventIdIn } from './event-tail.ts';

export interface EventPageFilter {
  readonly botId?: string;
  readonly orderId?: string;
  readonly source?: EventSource;
  readonly type?: string;
  /** Only entries of this user's bots (entries without a bot belong to no user). */
  readonly userId?: string;
}

export interface EventPageOptions {
  /** 'asc': ids above `fromId`, oldest first; 'desc': ids below `fromId`, newest first. */
  readonly direction: 'asc' | 'desc';
  /** Exclusive bound (an event id); absent: from the start (asc) or the newest (desc). */
  readonly fromId?: string;
  readonly limit: number;
}

/**
 * One page of entries and whether more follow in the same direction.
 *
 * @example
 * const { items, more } = await eventPageById(db, { botId: 'b1' }, { direction: 'asc', fromId: '120', limit: 50 });
 */
export async function eventPageById(
  db: Kysely<LedgerSchema>,
  filter: EventPageFilter,
  options: EventPageOptions,
): Promise<{ items: CommittedEvent[]; more: boolean }> {
  const limit = Math.min(Math.max(Math.trunc(options.limit), 1), MAX_PAGE_LIMIT);
  let query = db.selectFrom('event_log').select(eventColumns());
  if (filter.botId !== undefined) query = query.where('bot_id', '=', filter.botId);
  if (filter.orderId !== undefined) query = query.where('order_id', '=', filter.orderId);
  if (filter.source !== undefined) query = query.where('source', '=', filter.source);
  if (filter.type !== undefined) query = query.where('type', '=', filter.type);
  if (filter.userId !== undefined) {
    const userId = filter.userId;
    query = query.where('bot_id', 'in', (sub) => sub.selectFrom('bots').select('bots.id').where('user_id', '=', userId));
  }
  if (options.fromId !== undefined) query = query.where('id', options.direction === 'asc' ? '>' : '<', eventIdIn(options.fromId, 'after'));
  const rows = await query
    .orderBy('id', options.direction)
    .limit(limit + 1)
    .execute();
  return { items: rows.slice(0, limit).map((row) => eventFromRow(row as Record<string, unknown>)), more: rows.length > limit };
}
