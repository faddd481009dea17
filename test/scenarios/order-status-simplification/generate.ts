/**
 * Realistic data for the auto-trader's orders (seed 004): the ten status values in use (with some
 * upper-case ones, as SQLAlchemy enum names are stored), buy and sell orders, reasons in the
 * column matching the status, blank and empty reasons, reasons exactly at the 512 and 255
 * character limits, orders carrying two or three different reasons, retries with first_failed_at.
 */
import type { BotledgerDatabase } from '../../../src/storage/database.ts';
import { bulkInsert } from '../support/bulk-insert.ts';
import { GENERATED_NOW, Prng } from '../support/prng.ts';

export const LEGACY_STATUS_WEIGHTS: readonly (readonly [string, number])[] = [
  ['closed', 30],
  ['ongoing', 10],
  ['pending', 8],
  ['amo', 10],
  ['pending_execution', 6],
  ['retry_pending', 6],
  ['rejected', 6],
  ['sell', 6],
  ['failed', 8],
  ['cancelled', 8],
  ['AMO', 1],
  ['REJECTED', 1],
];

const SYMBOLS = ['RELIANCE-EQ', 'TCS-EQ', 'INFY-EQ', 'HDFCBANK-EQ', 'SBIN-EQ', 'tatamotors-eq'];
const WORDS = ['insufficient', 'margin', 'RMS:', 'rule', 'order', 'rejected', 'by', 'exchange', 'circuit', 'limit', 'टेस्ट'];

/** Users in the data: one per 50 orders. */
export const ORDERS_PER_USER = 50;

function reasonText(rng: Prng, limit: number): string | null {
  const r = rng.next();
  if (r < 0.08) return null;
  if (r < 0.14) return '';
  if (r < 0.18) return '   ';
  if (r < 0.26) return rng.textOfLength(limit, WORDS);
  return rng.textOfLength(rng.int(10, 120), WORDS);
}

/**
 * Inserts `rows` orders and their users.
 *
 * @example
 * await generate(database, 3_000);
 */
export async function generate(database: BotledgerDatabase, rows: number, seed = 1): Promise<void> {
  const rng = new Prng(seed);
  const users = Math.max(1, Math.ceil(rows / ORDERS_PER_USER));
  await bulkInsert(
    database,
    'users',
    [
      { name: 'email', pgType: 'text' },
      { name: 'created_at', pgType: 'timestamp' },
    ],
    users,
    (i) => [`user${i}@example.${i % 3 === 0 ? 'IN' : 'com'}`, rng.isoBefore(GENERATED_NOW, 700)],
  );
  await bulkInsert(
    database,
    'orders',
    [
      { name: 'user_id', pgType: 'int' },
      { name: 'symbol', pgType: 'text' },
      { name: 'side', pgType: 'text' },
      { name: 'order_type', pgType: 'text' },
      { name: 'quantity', pgType: 'numeric' },
      { name: 'price', pgType: 'numeric' },
      { name: 'status', pgType: 'text' },
      { name: 'broker_order_id', pgType: 'text' },
      { name: 'failure_reason', pgType: 'text' },
      { name: 'rejection_reason', pgType: 'text' },
      { name: 'cancelled_reason', pgType: 'text' },
      { name: 'first_failed_at', pgType: 'timestamp' },
      { name: 'retry_count', pgType: 'int' },
      { name: 'placed_at', pgType: 'timestamp' },
      { name: 'created_at', pgType: 'timestamp' },
      { name: 'updated_at', pgType: 'timestamp' },
    ],
    rows,
    (i) => {
      const status = rng.weighted(LEGACY_STATUS_WEIGHTS);
      const s = status.toLowerCase();
      const side =
        s === 'sell'
          ? rng.pick(['sell', 'SELL'])
          : rng.weighted([
              ['buy', 7],
              ['sell', 2],
              ['BUY', 1],
            ] as const);
      const failing = s === 'failed' || s === 'retry_pending';
      // Mostly the reason matching the status; sometimes a second or third one from an earlier state.
      const failure = failing || rng.chance(0.05) ? reasonText(rng, 512) : null;
      const rejection = s === 'rejected' || rng.chance(0.03) ? reasonText(rng, 512) : null;
      const cancelled = s === 'cancelled' || rng.chance(0.03) ? reasonText(rng, 255) : null;
      const created = rng.isoBefore(GENERATED_NOW, 300);
      return [
        1 + (i % users),
        rng.pick(SYMBOLS),
        side,
        rng.chance(0.8) ? 'market' : 'limit',
        String(rng.int(1, 500)),
        rng.chance(0.2) ? null : rng.decimal(10, 5000, 2),
        status,
        s === 'amo' || s === 'pending' || rng.chance(0.1) ? null : `NEO${rng.int(1e9, 9e9)}`,
        failure,
        rejection,
        cancelled,
        failing || rng.chance(0.02) ? created : null,
        failing ? rng.int(0, 5) : 0,
        s === 'amo' ? null : created,
        created,
        rng.chance(0.3) ? null : rng.isoBefore(GENERATED_NOW, 5),
      ];
    },
  );
}
