/**
 * Realistic data for the monitoring service's positions (seed 002): active positions without an
 * exit reason, closed ones with short reasons, empty reasons, and error messages cut at exactly
 * 100 characters by the old VARCHAR(100), like the document's Bybit stop-loss error.
 */
import type { BotledgerDatabase } from '../../../src/storage/database.ts';
import { bulkInsert } from '../support/bulk-insert.ts';
import { GENERATED_NOW, Prng } from '../support/prng.ts';

/** The document's example of a message the old column truncated. */
export const TRUNCATED_ERROR =
  "Failed to place stop-loss after 3 attempts: bybit {'retCode':10003,'retMsg':'API key is invalid.','result':{},'retExtInfo':{},'time':1729000000000}";

const EXCHANGES = ['bybit', 'binance', 'okx', 'Bybit'];
const SYMBOLS = ['BTC/USDT', 'ETH/USDT', 'SOL/USDT', 'BTC/USDT:USDT', 'ETH/USDT:USDT'];
const SHORT_REASONS = ['take_profit', 'stop_loss', 'manual_close', 'Liquidation', 'TRAILING_STOP', 'sync: closed on exchange'];

/** Share of closed positions whose exit_reason sits exactly at the 100-character limit. */
export const TRUNCATED_SHARE = 0.06;

/**
 * Inserts `rows` positions into monitoring.positions.
 *
 * @example
 * await generate(database, 10_000);
 */
export async function generate(database: BotledgerDatabase, rows: number, seed = 1): Promise<void> {
  const rng = new Prng(seed);
  await bulkInsert(
    database,
    'monitoring.positions',
    [
      { name: 'exchange', pgType: 'text' },
      { name: 'symbol', pgType: 'text' },
      { name: 'side', pgType: 'text' },
      { name: 'entry_price', pgType: 'numeric' },
      { name: 'quantity', pgType: 'numeric' },
      { name: 'stop_loss', pgType: 'numeric' },
      { name: 'take_profit', pgType: 'numeric' },
      { name: 'exit_price', pgType: 'numeric' },
      { name: 'pnl', pgType: 'numeric' },
      { name: 'status', pgType: 'text' },
      { name: 'exit_reason', pgType: 'text' },
      { name: 'opened_at', pgType: 'timestamp' },
      { name: 'closed_at', pgType: 'timestamp' },
      { name: 'updated_at', pgType: 'timestamp' },
    ],
    rows,
    () => {
      const status = rng.weighted([
        ['active', 20],
        ['closed', 70],
        ['error', 8],
        ['CLOSED', 2],
      ] as const);
      const open = status === 'active';
      const r = rng.next();
      let exitReason: string | null = null;
      if (!open) {
        if (r < TRUNCATED_SHARE) exitReason = TRUNCATED_ERROR.slice(0, 100);
        else if (r < 0.1) exitReason = '';
        else if (r < 0.15) exitReason = rng.textOfLength(rng.int(60, 99), ['retMsg', 'timeout', 'ccxt.NetworkError', 'bybit', 'émoji✓']);
        else if (r < 0.95) exitReason = rng.pick(SHORT_REASONS);
      }
      const entry = rng.decimal(0.01, 70000, 8);
      return [
        rng.pick(EXCHANGES),
        rng.pick(SYMBOLS),
        rng.pick(['long', 'short', 'LONG']),
        entry,
        rng.decimal(0.001, 10, 8),
        rng.chance(0.15) ? null : entry,
        rng.chance(0.3) ? null : entry,
        open ? null : rng.decimal(0.01, 70000, 8),
        open ? null : rng.decimal(-500, 500, 8),
        status,
        exitReason,
        rng.isoBefore(GENERATED_NOW, 200),
        open ? null : rng.isoBefore(GENERATED_NOW, 100),
        rng.chance(0.2) ? null : rng.isoBefore(GENERATED_NOW, 10),
      ];
    },
  );
}
