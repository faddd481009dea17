/**
 * The event log of one position, for `positions show`: the entries whose payload names the
 * position (opened, grown, reduced, closed, close requested, stop-loss placed or failed, synced),
 * and every entry of its orders: those these entries name (the fills applied to it), its stop-loss
 * order, and the bot's exits and stop-losses on the symbol placed while it was open (a take-profit
 * that was replaced never names the position, yet belongs to its story).
 *
 * The event log has no index on the payload, and none is needed: every entry about a position
 * carries its bot, and is written after the position opened. So the read walks the bot's entries
 * (index (bot_id, id)) from the first id written around the opening (index (created_at, id)) and
 * stops once it is past the close; then it reads the orders' entries (index (order_id, id)). The
 * work is bounded by the bot's activity during the position's life, never by the whole log.
 */
import type { Kysely } from 'kysely';
import type { LedgerSchema } from '../schema.ts';
import type { EventLogEntry } from './events.ts';
import { eventFromRow } from './event-tail.ts';
import { jsonSelect, timeIn, timeOut } from './codec.ts';

/** What the read needs of the position. */
export interface PositionRef {
  readonly id: string;
  readonly botId: string | null;
  readonly symbol: string;
  readonly openedAt: string;
  readonly closedAt: string | null;
  readonly slOrderId: string | null;
}

/**
 * How far the clocks of two writers (the venue-event connection, a command in another process) may
 * disagree: entries written up to this long before the opening, or after the close, are still read.
 */
export const POSITION_EVENTS_CLOCK_MARGIN_MS = 60 * 60 * 1000;

/** Rows read per step of the walk over the bot's entries. */
const WALK_PAGE = 500;

/** The most entries returned (the oldest first); a position with more is cut, the newest kept out. */
export const MAX_POSITION_EVENTS = 5_000;

const COLUMNS = ['id', 'occurred_at', 'created_at', 'source', 'type', 'bot_id', 'order_id', 'plugin_id', 'message', 'applied'] as const;

const selectEvents = (db: Kysely<LedgerSchema>) => db.selectFrom('event_log').select([...COLUMNS, jsonSelect('payload').as('payload')]);

const shifted = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

function namesPosition(entry: EventLogEntry, positionId: string): boolean {
  const payload = entry.payload as { positionId?: unknown } | null;
  return payload !== null && typeof payload === 'object' && payload.positionId === positionId;
}

/**
 * The position's entries of the event log, oldest first (by id), at most {@link MAX_POSITION_EVENTS}.
 *
 * @example
 * const events = await listPositionEvents(db, position); // PositionOpened, OrderSubmitted of its stop, ..., PositionClosed
 */
export async function listPositionEvents(db: Kysely<LedgerSchema>, position: PositionRef): Promise<EventLogEntry[]> {
  const found = new Map<string, EventLogEntry>();
  const orderIds = new Set<string>(position.slOrderId ? [position.slOrderId] : []);
  if (position.botId) {
    const first = await db
      .selectFrom('event_log')
      .select('id')
      .where('created_at', '>=', timeIn(shifted(position.openedAt, -POSITION_EVENTS_CLOCK_MARGIN_MS), 'openedAt'))
      .orderBy('created_at')
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
    const until = position.closedAt ? shifted(position.closedAt, POSITION_EVENTS_CLOCK_MARGIN_MS) : undefined;
    let after = first ? String(first.id) : undefined;
    // The id bound is exclusive after the first page; the first row itself is included.
    let inclusive = true;
    while (after !== undefined && found.size < MAX_POSITION_EVENTS) {
      const rows = await selectEvents(db)
        .where('bot_id', '=', position.botId)
        .where('id', inclusive ? '>=' : '>', after)
        .orderBy('id')
        .limit(WALK_PAGE)
        .execute();
      inclusive = false;
      for (const row of rows) {
        const entry = eventFromRow(row);
        if (!namesPosition(entry, position.id)) continue;
        found.set(entry.id, entry);
        if (entry.orderId) orderIds.add(entry.orderId);
      }
      const last = rows.at(-1);
      const pastClose = until !== undefined && last !== undefined && timeOut(last.created_at) > until;
      after = rows.length === WALK_PAGE && !pastClose ? String(last?.id) : undefined;
    }
  }
  if (position.botId) {
    let exits = db
      .selectFrom('orders')
      .select('id')
      .where('bot_id', '=', position.botId)
      .where('symbol', '=', position.symbol)
      .where('intent', '<>', 'entry')
      .where('created_at', '>=', timeIn(position.openedAt, 'openedAt'));
    if (position.closedAt) exits = exits.where('created_at', '<=', timeIn(position.closedAt, 'closedAt'));
    for (const row of await exits.limit(MAX_POSITION_EVENTS).execute()) orderIds.add(String(row.id));
  }
  if (orderIds.size > 0) {
    const rows = await selectEvents(db).where('order_id', 'in', [...orderIds]).orderBy('id').limit(MAX_POSITION_EVENTS).execute();
    for (const row of rows) found.set(String(row.id), eventFromRow(row));
  }
  return [...found.values()].sort((a, b) => (BigInt(a.id) < BigInt(b.id) ? -1 : 1)).slice(0, MAX_POSITION_EVENTS);
}
