/**
 * Realistic data for trading_bot.db (seed 003): `rows` trades with every logic_type the bot ever
 * wrote (combinedlogic-N, LOGICN, NULL, empty, mixed case and padded variants, unknown values),
 * REAL prices and pnl, chains and sessions; each of the nine other tables gets rows / 20 rows.
 */
import type { BotledgerDatabase } from '../../../src/storage/database.ts';
import { type BulkColumn, bulkInsert } from '../support/bulk-insert.ts';
import { GENERATED_NOW, Prng } from '../support/prng.ts';

/** logic_type values and their weights; '<null>' stands for NULL. */
export const LOGIC_TYPES: readonly (readonly [string, number])[] = [
  ['combinedlogic-1', 20],
  ['combinedlogic-2', 15],
  ['combinedlogic-3', 10],
  ['LOGIC1', 10],
  ['LOGIC2', 8],
  ['LOGIC3', 6],
  ['<null>', 15],
  ['', 6],
  ['Logic2', 2],
  [' LOGIC3 ', 1],
  ['CombinedLogic-1', 2],
  ['manual', 3],
  ['LOGIC4', 2],
];

const SYMBOLS = ['EURUSD', 'GBPUSD', 'USDJPY', 'XAUUSD', 'AUDUSD', 'eurusd'];
const STATUSES: readonly (readonly [string, number])[] = [
  ['closed', 70],
  ['open', 20],
  ['CLOSED', 3],
  ['cancelled', 5],
  ['', 2],
];

const t = (name: string): BulkColumn => ({ name, pgType: 'text' });
const n = (name: string): BulkColumn => ({ name, pgType: 'double precision' });
const i = (name: string): BulkColumn => ({ name, pgType: 'int' });
const ts = (name: string): BulkColumn => ({ name, pgType: 'timestamp' });
const b = (name: string): BulkColumn => ({ name, pgType: 'boolean' });

/** Rows of each of the nine smaller tables for `rows` trades. */
export function sideTableRows(rows: number): number {
  return Math.max(1, Math.floor(rows / 20));
}

/**
 * Fills the ten tables.
 *
 * @example
 * await generate(database, 5_000); // 5,000 trades, 250 rows in each other table
 */
export async function generate(database: BotledgerDatabase, rows: number, seed = 1): Promise<void> {
  const rng = new Prng(seed);
  const side = sideTableRows(rows);
  const when = () => rng.isoBefore(GENERATED_NOW, 180);
  const chain = () => `chain-${rng.int(1, side)}`;
  await bulkInsert(
    database,
    'trades',
    [
      t('trade_id'),
      t('symbol'),
      n('entry_price'),
      n('exit_price'),
      n('sl_price'),
      n('tp_price'),
      n('lot_size'),
      t('direction'),
      t('strategy'),
      n('pnl'),
      n('commission'),
      n('swap'),
      t('comment'),
      t('status'),
      ts('open_time'),
      ts('close_time'),
      t('chain_id'),
      i('chain_level'),
      b('is_re_entry'),
      t('order_type'),
      t('profit_chain_id'),
      i('profit_level'),
      t('session_id'),
      i('sl_adjusted'),
      n('original_sl_distance'),
      t('logic_type'),
      n('base_lot_size'),
      n('final_lot_size'),
      n('base_sl_pips'),
      n('final_sl_pips'),
      n('lot_multiplier'),
      n('sl_multiplier'),
    ],
    rows,
    (k) => {
      const logic = rng.weighted(LOGIC_TYPES);
      const status = rng.weighted(STATUSES);
      const entry = Math.round(rng.next() * 200_000) / 100_000 + 0.5;
      const lot = Math.round(rng.next() * 100) / 100 + 0.01;
      const closed = status.toLowerCase() === 'closed';
      return [
        rng.chance(0.02) ? null : String(100_000 + k),
        rng.pick(SYMBOLS),
        entry,
        closed ? entry + (rng.next() - 0.5) / 50 : null,
        entry - 0.002,
        entry + 0.004,
        lot,
        rng.pick(['BUY', 'SELL', 'buy']),
        rng.chance(0.1) ? '' : `V3_${rng.int(1, 3)}`,
        closed ? Math.round((rng.next() - 0.45) * 20_000) / 100 : null,
        -Math.round(rng.next() * 700) / 100,
        Math.round((rng.next() - 0.5) * 200) / 100,
        rng.chance(0.05) ? rng.textOfLength(255, ['re-entry', 'SL hunt', 'TP1', 'ünïcode']) : rng.chance(0.5) ? null : 'entry',
        status,
        when(),
        closed ? when() : null,
        rng.chance(0.3) ? chain() : null,
        rng.int(0, 3),
        rng.chance(0.2),
        rng.pick(['MARKET', 'LIMIT']),
        rng.chance(0.2) ? chain() : null,
        rng.int(0, 4),
        rng.chance(0.7) ? `session-${rng.int(1, side)}` : null,
        rng.int(0, 1),
        rng.next() * 30,
        logic === '<null>' ? null : logic,
        lot,
        lot * 1.5,
        15 + rng.int(0, 20),
        20 + rng.int(0, 20),
        1.5,
        1,
      ];
    },
  );
  const sideStatus = () => rng.pick(['active', 'completed', 'stopped', 'ACTIVE']);
  await bulkInsert(
    database,
    'reentry_chains',
    [
      t('chain_id'),
      t('symbol'),
      t('direction'),
      n('original_entry'),
      n('original_sl_distance'),
      i('current_level'),
      i('max_level'),
      n('total_profit'),
      t('trade_ids'),
      t('status'),
      ts('created_at'),
      ts('last_update'),
    ],
    side,
    (k) => [
      `chain-${k + 1}`,
      rng.pick(SYMBOLS),
      rng.pick(['buy', 'sell']),
      1 + rng.next(),
      rng.next() / 100,
      rng.int(1, 3),
      3,
      rng.next() * 100,
      JSON.stringify([k, k + 1]),
      sideStatus(),
      when(),
      when(),
    ],
  );
  await bulkInsert(
    database,
    'sl_events',
    [t('trade_id'), t('symbol'), n('sl_price'), n('original_entry'), ts('hit_time'), b('recovery_attempted'), b('recovery_successful')],
    side,
    (k) => [String(100_000 + k), rng.pick(SYMBOLS), 1 + rng.next(), 1 + rng.next(), when(), rng.chance(0.5), rng.chance(0.2)],
  );
  await bulkInsert(
    database,
    'tp_reentry_events',
    [t('chain_id'), t('symbol'), i('tp_level'), n('tp_price'), n('reentry_price'), n('sl_reduction_percent'), n('pnl'), ts('timestamp')],
    side,
    () => [chain(), rng.pick(SYMBOLS), rng.int(1, 3), 1 + rng.next(), 1 + rng.next(), 30, rng.next() * 50, when()],
  );
  await bulkInsert(
    database,
    'reversal_exit_events',
    [t('trade_id'), t('symbol'), n('exit_price'), t('exit_signal'), n('pnl'), ts('timestamp')],
    side,
    (k) => [
      String(100_000 + k),
      rng.pick(SYMBOLS),
      1 + rng.next(),
      rng.pick(['reversal_bull', 'reversal_bear', '']),
      rng.next() * 50 - 25,
      when(),
    ],
  );
  await bulkInsert(database, 'system_state', [t('key'), t('value'), ts('updated_at')], Math.min(side, 50), (k) => [
    `state_key_${k}`,
    k % 7 === 0 ? null : JSON.stringify({ paused: rng.chance(0.1), k }),
    when(),
  ]);
  await bulkInsert(
    database,
    'profit_booking_chains',
    [
      t('chain_id'),
      t('symbol'),
      t('direction'),
      n('base_lot'),
      i('current_level'),
      i('max_level'),
      n('total_profit'),
      t('active_orders'),
      t('status'),
      ts('created_at'),
      ts('updated_at'),
    ],
    side,
    (k) => [
      `pb-${k + 1}`,
      rng.pick(SYMBOLS),
      rng.pick(['buy', 'sell']),
      0.01 * rng.int(1, 10),
      rng.int(0, 4),
      4,
      rng.next() * 100,
      '[]',
      sideStatus(),
      when(),
      when(),
    ],
  );
  await bulkInsert(
    database,
    'profit_booking_orders',
    [t('order_id'), t('chain_id'), i('level'), n('profit_target'), n('sl_reduction'), t('status'), ts('created_at'), ts('closed_at')],
    side,
    (k) => [
      String(200_000 + k),
      `pb-${rng.int(1, side)}`,
      rng.int(0, 4),
      7,
      0.5,
      rng.pick(['open', 'closed']),
      when(),
      rng.chance(0.5) ? when() : null,
    ],
  );
  await bulkInsert(
    database,
    'profit_booking_events',
    [t('chain_id'), t('event_type'), i('level'), n('profit_amount'), i('orders_closed'), ts('timestamp')],
    side,
    () => [
      `pb-${rng.int(1, side)}`,
      rng.pick(['level_up', 'chain_complete', 'chain_stopped']),
      rng.int(0, 4),
      rng.next() * 20,
      rng.int(0, 16),
      when(),
    ],
  );
  await bulkInsert(
    database,
    'trading_sessions',
    [
      t('session_id'),
      t('symbol'),
      t('direction'),
      t('signal_type'),
      ts('start_time'),
      ts('end_time'),
      n('total_pnl'),
      i('total_trades'),
      t('status'),
    ],
    side,
    (k) => [
      `session-${k + 1}`,
      rng.pick(SYMBOLS),
      rng.pick(['buy', 'sell']),
      rng.pick(['entry_v3', 'ENTRY_V3', '']),
      when(),
      rng.chance(0.3) ? null : when(),
      rng.next() * 100 - 50,
      rng.int(0, 20),
      sideStatus(),
    ],
  );
}
