/**
 * Realized pnl per UTC day of the trades' close. Money is summed exactly here (decimal strings:
 * SQLite keeps money as text, so SQL cannot sum it exactly), reading the matching trades in
 * (closed_at, id) pages so that memory stays flat at any number of trades.
 */
import type { Kysely } from 'kysely';
import { add } from '../../domain/money.ts';
import type { LedgerSchema } from '../schema.ts';
import { moneyOut, timeIn, timeOut } from './codec.ts';

/** Realized pnl of one UTC day: the exact sum of its trades' pnl, and how many closed that day. */
export interface DailyPnl {
  /** YYYY-MM-DD, UTC. */
  readonly day: string;
  readonly pnl: string;
  readonly trades: number;
}

/** Which trades are summed: closed_at in [from, to). */
export interface DailyPnlFilter {
  readonly userId?: string;
  readonly pluginId?: string;
  readonly from?: string;
  readonly to?: string;
}

/** Trades read per round trip. */
const BATCH = 10_000;

/**
 * The days with trades, oldest first.
 *
 * @example
 * await dailyPnlOf(db, { pluginId: 'scalper', from: '2026-01-01T00:00:00.000Z' });
 * // [{ day: '2026-01-01', pnl: '12.5', trades: 3 }, { day: '2026-01-02', pnl: '-1', trades: 1 }]
 */
export async function dailyPnlOf(db: Kysely<LedgerSchema>, filter: DailyPnlFilter = {}): Promise<DailyPnl[]> {
  const days = new Map<string, { pnl: string; trades: number }>();
  let after: { closedAt: string; id: string } | undefined;
  for (;;) {
    let query = db.selectFrom('trades').select(['id', 'pnl', 'closed_at']);
    if (filter.userId !== undefined) query = query.where('user_id', '=', filter.userId);
    if (filter.pluginId !== undefined) query = query.where('plugin_id', '=', filter.pluginId);
    if (filter.from !== undefined) query = query.where('closed_at', '>=', timeIn(filter.from, 'from'));
    if (filter.to !== undefined) query = query.where('closed_at', '<', timeIn(filter.to, 'to'));
    if (after) {
      const { closedAt, id } = after;
      query = query.where((eb) => eb.or([eb('closed_at', '>', closedAt), eb.and([eb('closed_at', '=', closedAt), eb('id', '>', id)])]));
    }
    const rows = await query.orderBy('closed_at').orderBy('id').limit(BATCH).execute();
    for (const row of rows) {
      const day = timeOut(row.closed_at).slice(0, 10);
      const seen = days.get(day);
      days.set(day, { pnl: add(seen?.pnl ?? '0', moneyOut(row.pnl)), trades: (seen?.trades ?? 0) + 1 });
    }
    if (rows.length < BATCH) break;
    const last = rows[rows.length - 1];
    after = { closedAt: timeOut(last.closed_at), id: String(last.id) };
  }
  return [...days].map(([day, { pnl, trades }]) => ({ day, pnl, trades }));
}
