/**
 * `npm run bench:positions [-- --dialect sqlite,postgres --section stats --trades 1000000 --plugins 10]`
 *
 * Figures for issue 8, printed, never asserted. Each part is a section of {@link SECTIONS}: a
 * name and a function that gets a fresh migrated database of one dialect and returns table rows.
 * Add a section (sync of 10,000 open positions: position-sync.bench.ts; the venue-event path)
 * by writing its function and listing it there; `--section name,name` picks some.
 *
 * - stats: per-plugin statistics at N trades (target: under 10 ms per plugin, under 50 ms for all
 *   plugins). Trades are written in close order, 10,000 per transaction, each transaction also
 *   folding them into plugin_stats as the unit of work's flush does (its cost per trade is printed);
 *   then reads of one plugin, of all plugins, and of a plugin's trades over 7 days (50 rows), each
 *   repeated, p50/p99/max; and, for comparison, the same statistics computed from the trades rows
 *   (the indexed-query alternative) and a full recompute of one plugin.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MigrationEngine } from '../src/migrate/engine.ts';
import { type BotledgerDatabase, type DialectName, openDatabase } from '../src/storage/database.ts';
import {
  allPluginStatistics,
  applyTradesToPluginStats,
  NO_USER,
  pluginStatistics,
  recomputePluginStats,
  tradesByPlugin,
} from '../src/storage/repositories/plugin-stats.ts';
import { pluginStats as statsFromTradesRows } from '../src/storage/repositories/trades.ts';
import { writeTransaction } from '../src/storage/sql/executor.ts';
import type { Trade } from '../src/domain/position/trade.ts';
import { benchPostgresServer, createBenchDatabase } from './bench-database.ts';
import { formatTable } from './bench-table.ts';
import { venuePathSection } from './venue-path-section.ts';
import { SYNC_SECTION } from './position-sync.bench.ts';

export interface BenchFlags {
  readonly dialects: DialectName[];
  readonly sections: string[] | undefined;
  readonly trades: number;
  readonly plugins: number;
}

/** One printed line of a section: what was measured, and its figures. */
export interface SectionRow {
  readonly what: string;
  readonly figures: string;
  readonly target?: string;
}

export interface BenchSection {
  readonly name: string;
  readonly description: string;
  run(database: BotledgerDatabase, flags: BenchFlags, log: (line: string) => void): Promise<SectionRow[]>;
}

function parseFlags(argv: readonly string[]): BenchFlags {
  let dialects: DialectName[] = ['sqlite', 'postgres'];
  let sections: string[] | undefined;
  let trades = 1_000_000;
  let plugins = 10;
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--dialect') dialects = value.split(',') as DialectName[];
    else if (flag === '--section') sections = value.split(',');
    else if (flag === '--trades') trades = Number(value);
    else if (flag === '--plugins') plugins = Number(value);
    else throw new Error(`unknown flag ${flag} (known: --dialect, --section, --trades, --plugins)`);
  }
  for (const dialect of dialects)
    if (dialect !== 'sqlite' && dialect !== 'postgres') throw new Error(`--dialect: "${dialect}" is not sqlite or postgres`);
  if (!Number.isSafeInteger(trades) || trades < 1) throw new Error(`--trades must be a positive integer, got ${trades}`);
  if (!Number.isSafeInteger(plugins) || plugins < 1) throw new Error(`--plugins must be a positive integer, got ${plugins}`);
  return { dialects, sections, trades, plugins };
}

const ms = (value: number) => `${value.toFixed(3)} ms`;

/** Runs `work` `times` times; p50, p99 and max in ms. */
async function timed(times: number, work: () => Promise<unknown>): Promise<{ p50: number; p99: number; max: number }> {
  const samples: number[] = [];
  for (let i = 0; i < times; i++) {
    const start = performance.now();
    await work();
    samples.push(performance.now() - start);
  }
  samples.sort((a, b) => a - b);
  const at = (p: number) => samples[Math.min(samples.length - 1, Math.ceil((p / 100) * samples.length) - 1)] as number;
  return { p50: at(50), p99: at(99), max: samples[samples.length - 1] as number };
}

const TRADE_COLUMNS = [
  'id',
  'plugin_id',
  'symbol',
  'side',
  'amount',
  'entry_price',
  'exit_price',
  'pnl',
  'fees',
  'exit_reason',
  'opened_at',
  'closed_at',
  'created_at',
];
const ROWS_PER_STATEMENT = 500;
const TRADES_PER_TRANSACTION = 10_000;
const START = Date.parse('2025-01-01T00:00:00.000Z');

/** The i-th synthetic trade: plugins round-robin, one second apart (so in close order), pnl in [-100, 100) with 4 places. */
function syntheticTrade(i: number, plugins: number, next: () => number): Trade {
  const closedAt = new Date(START + i * 1_000).toISOString();
  const cents = Math.floor(next() * 2_000_000) - 1_000_000;
  const pnl = `${cents < 0 ? '-' : ''}${Math.floor(Math.abs(cents) / 10_000)}.${String(Math.abs(cents) % 10_000).padStart(4, '0')}`.replace(
    /\.?0+$/,
    '',
  );
  return {
    id: `t${String(i).padStart(9, '0')}`,
    positionId: null,
    userId: null,
    botId: null,
    pluginId: `plugin-${i % plugins}`,
    symbol: 'BTC/USDT',
    side: 'long',
    amount: '0.01',
    entryPrice: '60000',
    exitPrice: '60050',
    pnl: pnl === '' || pnl === '-' || pnl === '-0' ? '0' : pnl,
    fees: '0.1',
    exitReason: 'Take-profit filled at 60050',
    openedAt: new Date(START + i * 1_000 - 60_000).toISOString(),
    closedAt,
    createdAt: closedAt,
  };
}

const INSERT_TRADES = `insert into trades (${TRADE_COLUMNS.join(', ')}) values ${Array.from({ length: ROWS_PER_STATEMENT }, () => `(${TRADE_COLUMNS.map(() => '?').join(', ')})`).join(', ')}`;

const tradeValues = (t: Trade) => [
  t.id,
  t.pluginId,
  t.symbol,
  t.side,
  t.amount,
  t.entryPrice,
  t.exitPrice,
  t.pnl,
  t.fees,
  t.exitReason,
  t.openedAt,
  t.closedAt,
  t.createdAt,
];

export const statsSection: BenchSection = {
  name: 'stats',
  description: 'per-plugin statistics at N trades',
  async run(database, flags, log) {
    let seed = 12345;
    const next = () => {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      return seed / 2 ** 32;
    };
    let foldMs = 0;
    const insertStart = performance.now();
    for (let first = 0; first < flags.trades; first += TRADES_PER_TRANSACTION) {
      const count = Math.min(TRADES_PER_TRANSACTION, flags.trades - first);
      const trades = Array.from({ length: count }, (_, k) => syntheticTrade(first + k, flags.plugins, next));
      await writeTransaction(database, async (q) => {
        for (let k = 0; k < trades.length; k += ROWS_PER_STATEMENT) {
          const chunk = trades.slice(k, k + ROWS_PER_STATEMENT);
          if (chunk.length === ROWS_PER_STATEMENT) await q.run(INSERT_TRADES, chunk.flatMap(tradeValues));
          else
            for (const t of chunk)
              await q.run(
                `insert into trades (${TRADE_COLUMNS.join(', ')}) values (${TRADE_COLUMNS.map(() => '?').join(', ')})`,
                tradeValues(t),
              );
        }
        const foldStart = performance.now();
        await applyTradesToPluginStats(q, database.capabilities, trades);
        foldMs += performance.now() - foldStart;
      });
      if ((first / TRADES_PER_TRANSACTION) % 20 === 19)
        log(`  ${first + count} trades written (${((performance.now() - insertStart) / 1000).toFixed(1)} s)`);
    }
    const insertMs = performance.now() - insertStart;
    const db = database.db;
    const plugin = 'plugin-0';
    const one = await timed(200, () => pluginStatistics(database, plugin, NO_USER));
    const everyPlugin = await timed(200, async () => {
      for (let p = 0; p < flags.plugins; p++) await pluginStatistics(database, `plugin-${p}`, NO_USER);
    });
    const all = await timed(200, () => allPluginStatistics(database));
    const now = new Date(START + flags.trades * 1_000);
    const recent = await timed(200, () => tradesByPlugin(db, plugin, 7, now, { limit: 50 }));
    // One more trade per transaction, as a live flush writes it: in close order, then 5 minutes late.
    const lastClose = START + (flags.trades - 1) * 1_000;
    const single = (id: string, closedAtMs: number): Trade => ({
      ...syntheticTrade(0, flags.plugins, next),
      id,
      closedAt: new Date(closedAtMs).toISOString(),
    });
    const writeOne = (trade: Trade) =>
      writeTransaction(database, async (q) => {
        await q.run(
          `insert into trades (${TRADE_COLUMNS.join(', ')}) values (${TRADE_COLUMNS.map(() => '?').join(', ')})`,
          tradeValues(trade),
        );
        await applyTradesToPluginStats(q, database.capabilities, [trade]);
      });
    let k = 0;
    const inOrder = await timed(50, () => writeOne(single(`next-${k}`, lastClose + ++k * 1_000)));
    let late = 0;
    const lateOne = await timed(20, () => writeOne(single(`late-${++late}`, lastClose - 300_000 + late)));
    const perPluginTrades = Math.ceil(flags.trades / flags.plugins);
    const scan = await timed(3, () => statsFromTradesRows(db, { pluginId: plugin }));
    const recompute = await timed(1, () => writeTransaction(database, (q) => recomputePluginStats(q, database.capabilities, { userId: NO_USER, pluginId: plugin })));
    return [
      {
        what: `write ${flags.trades} trades (${flags.plugins} plugins), ${TRADES_PER_TRANSACTION} per transaction`,
        figures: `${(insertMs / 1000).toFixed(1)} s`,
      },
      {
        what: 'of which folding into plugin_stats (flush path)',
        figures: `${(foldMs / 1000).toFixed(2)} s, ${((foldMs * 1000) / flags.trades).toFixed(2)} µs/trade`,
      },
      {
        what: `statistics of one plugin (${perPluginTrades} trades)`,
        figures: `p50 ${ms(one.p50)}, p99 ${ms(one.p99)}, max ${ms(one.max)}`,
        target: '< 10 ms',
      },
      {
        what: `all plugins, one call (${flags.plugins})`,
        figures: `p50 ${ms(all.p50)}, p99 ${ms(all.p99)}, max ${ms(all.max)}`,
        target: '< 50 ms',
      },
      {
        what: `all plugins, one call each (${flags.plugins})`,
        figures: `p50 ${ms(everyPlugin.p50)}, p99 ${ms(everyPlugin.p99)}, max ${ms(everyPlugin.max)}`,
        target: '< 50 ms',
      },
      { what: "a plugin's trades over 7 days, first 50", figures: `p50 ${ms(recent.p50)}, p99 ${ms(recent.p99)}, max ${ms(recent.max)}` },
      {
        what: 'one trade + its statistics, one transaction, in close order',
        figures: `p50 ${ms(inOrder.p50)}, p99 ${ms(inOrder.p99)}, max ${ms(inOrder.max)}`,
      },
      {
        what: 'the same, closed 5 minutes before the last (from the checkpoint)',
        figures: `p50 ${ms(lateOne.p50)}, max ${ms(lateOne.max)}`,
      },
      { what: 'for comparison: one plugin computed from its trades rows', figures: `p50 ${ms(scan.p50)}, max ${ms(scan.max)}` },
      { what: 'full recompute of one plugin (repair / import)', figures: ms(recompute.max) },
    ];
  },
};

/** Every section, in the order they run. Add yours here. */
export const SECTIONS: BenchSection[] = [statsSection, venuePathSection, SYNC_SECTION];

async function migratedDatabase(dialect: DialectName, serverUrl: string | undefined) {
  const bench = await createBenchDatabase(dialect, 'positions', serverUrl);
  const database = await openDatabase(bench.url);
  await new MigrationEngine({ database, backup: false }).up();
  return { bench, database };
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const sections = flags.sections ? SECTIONS.filter((s) => flags.sections?.includes(s.name)) : SECTIONS;
  if (flags.sections && sections.length !== flags.sections.length)
    throw new Error(`--section: known sections are ${SECTIONS.map((s) => s.name).join(', ')}`);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  for (const dialect of flags.dialects) {
    let serverUrl: string | undefined;
    if (dialect === 'postgres') {
      const server = await benchPostgresServer();
      if ('error' in server) {
        console.log(`postgres: skipped, ${server.error}`);
        continue;
      }
      serverUrl = server.url;
    }
    for (const section of sections) {
      log(`${dialect}: ${section.name} (${section.description})...`);
      const { bench, database } = await migratedDatabase(dialect, serverUrl);
      try {
        const rows = await section.run(database, flags, log);
        console.log(`\n${dialect} - ${section.name}: ${section.description}`);
        console.log(
          formatTable(
            ['measured', 'figures', 'target'],
            rows.map((r) => [r.what, r.figures, r.target ?? '']),
          ),
        );
      } finally {
        await database.close();
        await bench.drop();
      }
    }
  }
}

// Run as the script only: another bench file may import SECTIONS.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
