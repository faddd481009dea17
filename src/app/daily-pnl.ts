/**
 * Realized pnl per UTC day (GET /stats/daily). Same signature as `getDailyPnl` of the ownership
 * work (src/app/stats.ts on its branch); one of the two goes when both are on main.
 */
import { type DailyPnl, dailyPnlOf } from '../storage/repositories/daily-pnl.ts';
import { LedgerError } from './ledger-error.ts';
import type { Ledger } from './open-ledger.ts';

export type { DailyPnl };

/** Which trades {@link getDailyPnl} sums. */
export interface DailyPnlQuery {
  readonly owner?: string;
  readonly pluginId?: string;
  /** closed_at >= from (ISO-8601 date or instant). */
  readonly from?: string;
  /** closed_at < to (ISO-8601 date or instant). */
  readonly to?: string;
}

function instant(value: string | undefined, field: 'from' | 'to'): string | undefined {
  if (value === undefined) return undefined;
  const date = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value) ? new Date(value) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime()))
    throw new LedgerError('INVALID_FIELD', `${field} must be an ISO-8601 date or instant, such as 2026-01-31 or 2026-01-31T00:00:00Z`, {
      field,
    });
  return date.toISOString();
}

/**
 * Realized pnl per UTC day of the trades' close, oldest day first: the exact sum of the trades'
 * pnl (net of fees) as a decimal string, and how many trades closed that day. Days without trades
 * are left out.
 *
 * @example
 * await getDailyPnl(ledger, { pluginId: 'scalper', from: '2026-01-01' });
 * // [{ day: '2026-01-01', pnl: '12.5', trades: 3 }, ...]
 */
export async function getDailyPnl(ledger: Pick<Ledger, 'database'>, query: DailyPnlQuery = {}): Promise<DailyPnl[]> {
  const from = instant(query.from, 'from');
  const to = instant(query.to, 'to');
  return dailyPnlOf(ledger.database.db, { userId: query.owner, pluginId: query.pluginId, from, to });
}
