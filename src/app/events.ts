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
}

/**
 * The latest `limit` entries that match, oldest of them first.
 *
 * @example
 * const events = await listEvents(ledger, { botId: 'scalp1', limit: 10 });
 */
export async function listEvents(ledger: Pick<Ledger, 'database'>, query: EventQuery = {}): Promise<EventLogEntry[]> {
  const orderId = query.order ? (await findOrder(ledger, query.order)).id : undefined;
  const filter: EventFilter = { botId: query.botId, orderId, ...(query.applied === undefined ? {} : { applied: query.applied }) };
  const { items } = await listStoredEvents(ledger.database.db, filter, { limit: query.limit ?? DEFAULT_LIST_LIMIT });
  return [...items].reverse();
}
