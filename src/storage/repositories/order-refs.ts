/**
 * An order's references: botledger's own order id, the client order id it made, the venue's
 * exchange order id once acknowledged, and its bot (whose lane it takes). The venue-event processor resolves the references a venue
 * event carries (often only one of the two) to the order id, to keep each order's events in one
 * commit lane; this is its storage read on a cache miss, one query for a whole batch of events.
 */
import type { Kysely } from 'kysely';
import type { LedgerSchema } from '../schema.ts';

/** One order's references as stored. */
export interface OrderRefs {
  readonly id: string;
  readonly clientOrderId: string;
  readonly exchangeOrderId: string | null;
  readonly botId: string | null;
}

/** Most references per statement (well under PostgreSQL's 65,535 and SQLite's 32,766 parameters). */
const CHUNK = 500;

/**
 * The stored orders with any of these client order ids or exchange order ids (in no particular
 * order; an unknown reference simply finds nothing). Both columns are indexed.
 *
 * @example
 * const refs = await findOrderRefs(db, { clientOrderIds: ['bl-b1-1'], exchangeOrderIds: ['x-17'] });
 */
export async function findOrderRefs(
  db: Kysely<LedgerSchema>,
  refs: { readonly clientOrderIds: readonly string[]; readonly exchangeOrderIds: readonly string[] },
): Promise<OrderRefs[]> {
  const found = new Map<string, OrderRefs>();
  const clientOrderIds = [...new Set(refs.clientOrderIds)];
  const exchangeOrderIds = [...new Set(refs.exchangeOrderIds)];
  for (const [column, values] of [
    ['client_order_id', clientOrderIds],
    ['exchange_order_id', exchangeOrderIds],
  ] as const) {
    for (let start = 0; start < values.length; start += CHUNK) {
      const rows = await db
        .selectFrom('orders')
        .select(['id', 'client_order_id', 'exchange_order_id', 'bot_id'])
        .where(column, 'in', values.slice(start, start + CHUNK))
        .execute();
      for (const row of rows) found.set(row.id, { id: row.id, clientOrderId: row.client_order_id, exchangeOrderId: row.exchange_order_id, botId: row.bot_id });
    }
  }
  return [...found.values()];
}
