/**
 * What stopped a bot, read from the event log: the bot row keeps only the stop reason's sentence,
 * while the `BotStopped` entry that stopped it says who (its source: `engine` when botledger
 * stopped it by itself, `api`/`cli` when a person did) and, for an outside cancel, which order.
 */
import type { Kysely } from 'kysely';
import type { LedgerSchema } from '../schema.ts';
import { boolIn } from './codec.ts';

/** The `BotStopped` entry that stopped a bot last. */
export interface BotStopEntry {
  readonly botId: string;
  /** The event's source: `engine` for a stop botledger made itself. */
  readonly source: string;
  /** The order whose cancel stopped it (an outside cancel), else null. */
  readonly orderId: string | null;
  readonly clientOrderId: string | null;
}

/** Bots per statement: well under SQLite's bound-parameter limit. */
const CHUNK = 500;

/**
 * The last applied `BotStopped` entry of each of these bots (bots never stopped are absent).
 * One statement per 500 bots; each bot's entry is found backwards on the (bot_id, id) index, so a
 * bot with millions of events costs a short index walk, not a scan.
 *
 * @example
 * const stops = await lastBotStops(db, ['s1']); // Map { 's1' => { source: 'engine', orderId: 'o1', clientOrderId: 'bl-s1-1' } }
 */
export async function lastBotStops(db: Kysely<LedgerSchema>, botIds: readonly string[]): Promise<Map<string, BotStopEntry>> {
  const stops = new Map<string, BotStopEntry>();
  for (let start = 0; start < botIds.length; start += CHUNK) {
    const chunk = botIds.slice(start, start + CHUNK);
    const rows = await db
      .selectFrom('event_log as e')
      .leftJoin('orders as o', 'o.id', 'e.order_id')
      .select(['e.bot_id', 'e.source', 'e.order_id', 'o.client_order_id'])
      .where('e.id', 'in', (outer) =>
        outer
          .selectFrom('bots as b')
          .where('b.id', 'in', chunk)
          .select((inner) =>
            inner
              .selectFrom('event_log as s')
              .select('s.id')
              .whereRef('s.bot_id', '=', 'b.id')
              .where('s.type', '=', 'BotStopped')
              .where('s.applied', '=', boolIn(true))
              .orderBy('s.id', 'desc')
              .limit(1)
              .as('stop_id'),
          ),
      )
      .execute();
    for (const row of rows) {
      const botId = String(row.bot_id);
      stops.set(botId, {
        botId,
        source: String(row.source),
        orderId: row.order_id === null ? null : String(row.order_id),
        clientOrderId: row.client_order_id === null || row.client_order_id === undefined ? null : String(row.client_order_id),
      });
    }
  }
  return stops;
}
