/**
 * The event log as a query: the latest entries of a bot or an order, oldest of them first; and
 * paged by id for the API (oldest first from an id on, or newest first).
 */
import type { EventSource } from '../domain/order/order-events.ts';
import { eventPageById } from '../storage/repositories/event-pages.ts';
import type { EventLogEntry, EventFilter } from '../storage/repositories/events.ts';
import { LedgerError } from './ledger-error.ts';
import { listEvents as listStoredEvents } from '../storage/repositories/events.ts';
import type { Ledger } from './open-ledger.ts';
import { DEFAULT_LIST_LIMIT, findOrder } from './orders.ts';

/** Which entries {@link listEvents} returns. */
export interface EventQuery {
  readonly botId?: string;
  /** An order's id or client order id. */
  readonly order?: string;
  /** Only applied entries (true) or only those not applied (false). */
  readonly applied?: boolean;
  readonly limit?: number;
  /**
   * Only the entries of this user's bots: an entry belongs to a user through its bot; entries of
   * another user's bot, and entries of no bot, are left out. Without an owner, every entry.
   */
  readonly owner?: string;
}

/**
 * The latest `limit` entries that match, oldest of them first.
 *
 * @example
 * const events = await listEvents(ledger, { botId: 'scalp1', limit: 10, owner: 'u1' });
 */
export async function listEvents(ledger: Pick<Ledger, 'database'>, query: EventQuery = {}): Promise<EventLogEntry[]> {
  // Another user's order is ORDER_NOT_FOUND, as a missing one.
  const orderId = query.order ? (await findOrder(ledger, query.order, { owner: query.owner })).id : undefined;
  const filter: EventFilter = {
    botId: query.botId,
    orderId,
    ...(query.applied === undefined ? {} : { applied: query.applied }),
    ...(query.owner === undefined ? {} : { userId: query.owner }),
  };
  const { items } = await listStoredEvents(ledger.database.db, filter, { limit: query.limit ?? DEFAULT_LIST_LIMIT });
  return [...items].reverse();
}

/** Which entries {@link pageEvents} returns. */
export interface EventPageQuery {
  readonly botId?: string;
  /** An order's id or client order id (ORDER_NOT_FOUND when there is none). */
  readonly order?: string;
  readonly source?: EventSource;
  readonly type?: string;
  /** An event id: the entries after it, oldest first. Without it (and without a cursor): newest first. */
  readonly after?: string;
  /** The `nextCursor` of a previous page: continues in that page's direction. */
  readonly cursor?: string;
  readonly limit?: number;
  /** Only the entries of this user's bots (entries of no bot belong to no user); another user's order is ORDER_NOT_FOUND. */
  readonly owner?: string;
}

/** A cursor is the direction and the last id shown: `a123` (oldest first) or `d123` (newest first). */
const CURSOR = /^([ad])(\d{1,19})$/;

/**
 * One page of the event log, payloads whole, with the cursor of the next page (null on the last).
 * Ids only grow, so following the cursors neither repeats nor skips an entry; entries appended
 * while an oldest-first reader pages arrive on its later pages. CURSOR_INVALID for a cursor no
 * page gave.
 *
 * @example
 * const first = await pageEvents(ledger, { botId: 'b1', after: '0', limit: 100 });
 * const next = await pageEvents(ledger, { botId: 'b1', cursor: first.nextCursor ?? undefined });
 */
export async function pageEvents(
  ledger: Pick<Ledger, 'database'>,
  query: EventPageQuery = {},
): Promise<{ items: EventLogEntry[]; nextCursor: string | null }> {
  let direction: 'asc' | 'desc' = query.after === undefined ? 'desc' : 'asc';
  let fromId = query.after;
  if (query.cursor !== undefined) {
    const match = CURSOR.exec(query.cursor);
    if (!match)
      throw new LedgerError('CURSOR_INVALID', `cursor "${query.cursor.slice(0, 64)}" is not a page cursor returned by this list`, {
        field: 'cursor',
      });
    direction = match[1] === 'a' ? 'asc' : 'desc';
    fromId = match[2];
  }
  if (fromId !== undefined && !/^\d{1,19}$/.test(fromId))
    throw new LedgerError('INVALID_FIELD', 'after must be an event id (a whole number, 0 for the first)', { field: 'after' });
  const orderId = query.order === undefined ? undefined : (await findOrder(ledger, query.order, { owner: query.owner })).id;
  const { items, more } = await eventPageById(
    ledger.database.db,
    { botId: query.botId, orderId, source: query.source, type: query.type, userId: query.owner },
    { direction, fromId, limit: query.limit ?? DEFAULT_LIST_LIMIT },
  );
  const last = items.at(-1);
  return { items, nextCursor: more && last ? `${direction === 'asc' ? 'a' : 'd'}${last.id}` : null };
}
