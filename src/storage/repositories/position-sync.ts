/**
 * What sync with the exchange reads and writes (engine/recovery/position-sync.ts): an account's
 * open positions and live orders, the ledger's orders and stored trade ids for the venue's fills,
 * and the sync marks of positions (last_sync_at, sync_status, and for a mismatch error_details
 * with both sizes).
 *
 * The marks are bookkeeping, not a change of the position: they do not bump `version`, so a
 * command holding the position (a fill, a stop-loss) is never refused because a sync passed by.
 */
import type { Kysely } from 'kysely';
import type { JsonValue } from '../../domain/bot/bot.ts';
import type { Order } from '../../domain/order/order.ts';
import type { Position } from '../../domain/position/position.ts';
import type { LedgerSchema } from '../schema.ts';
import { placeholders } from '../sql/batch.ts';
import type { SqlExecutor } from '../sql/executor.ts';
import { jsonIn, moneyOut, textOut, timeIn, timeOut } from './codec.ts';
import { fillKey } from './fills.ts';
import { orderFromRow } from './orders.ts';

/** Most values bound in one `in (...)` list (SQLite allows 32766 parameters, PostgreSQL 65535). */
const CHUNK = 500;

function chunks<T>(list: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += CHUNK) out.push(list.slice(i, i + CHUNK));
  return out;
}

/** What sync needs of an open position: who holds how much of what, since when. */
export type PositionSize = Pick<Position, 'id' | 'botId' | 'symbol' | 'side' | 'amount' | 'openedAt'>;

/**
 * The account's open positions, oldest first, only the columns sync compares (10,000 of them are
 * read on every sync; whole rows cost twice as much).
 *
 * @example
 * const open = await openPositionsOfAccount(db, 'paper');
 */
export async function openPositionsOfAccount(db: Kysely<LedgerSchema>, accountId: string): Promise<PositionSize[]> {
  const rows = await db
    .selectFrom('positions')
    .select(['id', 'bot_id', 'symbol', 'side', 'amount', 'opened_at'])
    .where('status', '=', 'open')
    .where('exchange_account_id', '=', accountId)
    .orderBy('opened_at')
    .orderBy('id')
    .execute();
  return rows.map((row) => ({
    id: String(row.id),
    botId: textOut(row.bot_id),
    symbol: String(row.symbol),
    side: row.side as Position['side'],
    amount: moneyOut(row.amount),
    openedAt: timeOut(row.opened_at),
  }));
}

/**
 * The pending orders of the account's bots, oldest first: what the venue should list as open (or
 * be asked about). An ongoing order is done at the venue (a filled entry whose position is open).
 *
 * @example
 * const live = await liveOrdersOfAccount(db, 'paper');
 */
export async function liveOrdersOfAccount(db: Kysely<LedgerSchema>, accountId: string): Promise<Order[]> {
  const rows = await db
    .selectFrom('orders')
    .selectAll()
    .where('status', '=', 'pending')
    .where('bot_id', 'in', (sub) => sub.selectFrom('bots').select('id').where('exchange_account_id', '=', accountId))
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map(orderFromRow);
}

/**
 * The ledger's orders with any of these client or exchange order ids (a read, no lock).
 *
 * @example
 * const known = await ordersByVenueRefs(db, { clientOrderIds: ['bl-b1-1'], exchangeOrderIds: ['x9'] });
 */
export async function ordersByVenueRefs(db: Kysely<LedgerSchema>, refs: { clientOrderIds: readonly string[]; exchangeOrderIds: readonly string[] }): Promise<Order[]> {
  const found = new Map<string, Order>();
  for (const [column, values] of [
    ['client_order_id', refs.clientOrderIds],
    ['exchange_order_id', refs.exchangeOrderIds],
  ] as const) {
    for (const part of chunks([...new Set(values)])) {
      for (const row of await db.selectFrom('orders').selectAll().where(column, 'in', part).execute()) {
        const order = orderFromRow(row);
        found.set(order.id, order);
      }
    }
  }
  return [...found.values()];
}

/**
 * The stored (order, trade id) pairs of these orders, as fills.ts's `fillKey`.
 *
 * @example
 * const stored = await storedFillKeys(db, ['o1']);
 */
export async function storedFillKeys(db: Kysely<LedgerSchema>, orderIds: readonly string[]): Promise<Set<string>> {
  const keys = new Set<string>();
  for (const part of chunks([...new Set(orderIds)])) {
    const rows = await db.selectFrom('fills').select(['order_id', 'exchange_trade_id']).where('order_id', 'in', part).execute();
    for (const row of rows) keys.add(fillKey(String(row.order_id), String(row.exchange_trade_id)));
  }
  return keys;
}

/** How one sync marks the account's open positions. */
export interface AccountSyncMarks {
  readonly accountId: string;
  /** The sync's time: last_sync_at. */
  readonly at: string;
  /** Only positions opened at or before this were compared (one opened during the sync is left for the next). */
  readonly openedBy: string;
  /** Symbols whose positions differ from the venue: not marked in_sync. */
  readonly mismatchedSymbols: readonly string[];
  /** The positions marked mismatch, with what differs (both sizes, the sentence) for error_details. */
  readonly mismatches: readonly { readonly id: string; readonly errorDetails: JsonValue }[];
}

/**
 * Marks the account's open positions as synced: one statement for every position in sync
 * (last_sync_at, sync_status 'in_sync'; 10,000 rows bound as three values, not 10,000 ids), one
 * per position in mismatch (also error_details and last_error_at). Returns the rows marked.
 *
 * @example
 * await markAccountPositionsSynced(q, { accountId: 'paper', at, openedBy: at, mismatchedSymbols: [], mismatches: [] });
 */
export async function markAccountPositionsSynced(q: SqlExecutor, marks: AccountSyncMarks): Promise<number> {
  const at = timeIn(marks.at, 'at');
  const symbols = [...new Set(marks.mismatchedSymbols)];
  const others = symbols.length > 0 ? ` and symbol not in (${placeholders(symbols.length)})` : '';
  let changed = await q.run(
    `update positions set last_sync_at = ?, sync_status = 'in_sync' where exchange_account_id = ? and status = 'open' and opened_at <= ?${others}`,
    [at, marks.accountId, timeIn(marks.openedBy, 'openedBy'), ...symbols],
  );
  for (const mismatch of marks.mismatches) {
    changed += await q.run("update positions set last_sync_at = ?, sync_status = 'mismatch', error_details = ?, last_error_at = ? where id = ? and status = 'open'", [
      at,
      jsonIn(mismatch.errorDetails),
      at,
      mismatch.id,
    ]);
  }
  return changed;
}
