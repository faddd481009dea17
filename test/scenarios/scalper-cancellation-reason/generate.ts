/**
 * Realistic data for the scalper bot's legacy database (seed 000): bots and their Bybit orders,
 * with NULL exchange ids (orders never acknowledged), empty and 64-character link ids (the
 * VARCHAR limit), Bybit's mixed-case statuses and 100-character bot names.
 */
import type { BotledgerDatabase } from '../../../src/storage/database.ts';
import { bulkInsert } from '../support/bulk-insert.ts';
import { GENERATED_NOW, Prng } from '../support/prng.ts';

const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'XRPUSDT', 'DOGEUSDT', '1000PEPEUSDT'];
const STATUSES: readonly (readonly [string, number])[] = [
  ['Filled', 40],
  ['Cancelled', 30],
  ['New', 15],
  ['PartiallyFilled', 5],
  ['Rejected', 3],
  ['CANCELLED', 4],
  ['filled', 3],
];
const WORDS = ['scalp', 'grid', 'btc', 'eth', 'fast', 'night', 'range', 'bot', 'Ünïcode', 'test'];

/** Orders per bot, on average. */
export const ORDERS_PER_BOT = 100;

/**
 * Inserts `rows` orders (and one bot per {@link ORDERS_PER_BOT} orders).
 *
 * @example
 * await generate(database, 5_000); // 50 bots, 5,000 orders
 */
export async function generate(database: BotledgerDatabase, rows: number, seed = 1): Promise<void> {
  const rng = new Prng(seed);
  const bots = Math.max(1, Math.ceil(rows / ORDERS_PER_BOT));
  await bulkInsert(
    database,
    'bots',
    [
      { name: 'name', pgType: 'text' },
      { name: 'ticker', pgType: 'text' },
      { name: 'status', pgType: 'text' },
      { name: 'buy_price', pgType: 'numeric' },
      { name: 'sell_price', pgType: 'numeric' },
      { name: 'created_at', pgType: 'timestamp' },
    ],
    bots,
    (i) => [
      i % 17 === 0 ? rng.textOfLength(100, WORDS) : `${rng.pick(WORDS)}-${i}`,
      rng.pick(SYMBOLS),
      rng.weighted([
        ['ACTIVE', 6],
        ['STOPPED', 3],
        ['stopped', 1],
      ]),
      rng.chance(0.1) ? null : rng.decimal(0.0001, 70000, 8),
      rng.chance(0.1) ? null : rng.decimal(0.0001, 70000, 8),
      rng.isoBefore(GENERATED_NOW, 400),
    ],
  );
  await bulkInsert(
    database,
    'orders',
    [
      { name: 'bot_id', pgType: 'int' },
      { name: 'exchange_order_id', pgType: 'text' },
      { name: 'order_link_id', pgType: 'text' },
      { name: 'symbol', pgType: 'text' },
      { name: 'side', pgType: 'text' },
      { name: 'order_type', pgType: 'text' },
      { name: 'price', pgType: 'numeric' },
      { name: 'quantity', pgType: 'numeric' },
      { name: 'filled_quantity', pgType: 'numeric' },
      { name: 'status', pgType: 'text' },
      { name: 'created_at', pgType: 'timestamp' },
      { name: 'updated_at', pgType: 'timestamp' },
    ],
    rows,
    (i) => {
      const status = rng.weighted(STATUSES);
      const quantity = rng.decimal(0.001, 5, 8);
      const link = rng.next();
      return [
        1 + (i % bots),
        rng.chance(0.05) ? null : `${rng.int(1e8, 9e8)}-${i.toString(16).padStart(8, '0')}-bybit`,
        link < 0.1 ? '' : link < 0.15 ? rng.textOfLength(64, ['bl', String(i), 'link']) : `bl-${i}`,
        rng.pick(SYMBOLS),
        rng.pick(['Buy', 'Sell', 'BUY', 'sell']),
        rng.chance(0.9) ? 'Limit' : 'Market',
        rng.chance(0.05) ? null : rng.decimal(0.0001, 70000, 8),
        quantity,
        status.toLowerCase() === 'filled' ? quantity : '0',
        status,
        rng.isoBefore(GENERATED_NOW, 365),
        rng.chance(0.3) ? null : rng.isoBefore(GENERATED_NOW, 30),
      ];
    },
  );
}
