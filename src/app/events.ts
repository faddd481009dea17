/**
 * The event log as a query: the latest entries of a bot or an order, oldest of them first.
 */
import type { EventLogEntry, EventFilter } from '../storage/repositories/events.ts';
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
