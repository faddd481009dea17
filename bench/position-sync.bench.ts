/**
 * Sync with the exchange at N open positions (issue 8: 10,000 under 2 s on SQLite). Figures are
 * printed, never asserted.
 *
 * `npx tsx bench/position-sync.bench.ts [--dialect sqlite,postgres] [--positions 10000] [--runs 5]`
 * runs it alone; {@link SYNC_SECTION} is the same measurement as the `sync` section of
 * `npm run bench:positions` (`-- --section sync`).
 *
 * Workload: N bots, each with one open long position (two symbols, alternately), all on the paper
 * account; the paper exchange's net position per symbol equals the ledger's sum (set through its
 * control, as a venue's own state), with a resting order per 100 positions and no fill to fetch.
 * One sync = the venue's three answers, the account's open positions and pending orders read,
 * the comparison, and one transaction marking every position in_sync, writing the account's
 * sync_status row and the SyncPerformed event. The first run (cold statements) is reported apart.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBot } from '../src/domain/bot/bot.ts';
import { Decimal, formatDecimal } from '../src/domain/money.ts';
import { openPosition } from '../src/domain/position/position.ts';
import { ExecutionEngine } from '../src/engine/orders/execution.ts';
import { PositionSync } from '../src/engine/recovery/position-sync.ts';
import { venueAccount } from '../src/engine/recovery/venue-account.ts';
import { PaperExchange } from '../src/exchange/paper/index.ts';
import { MigrationEngine } from '../src/migrate/engine.ts';
import { type BotledgerDatabase, type DialectName, openDatabase } from '../src/storage/database.ts';
import { ensureExchangeAccounts } from '../src/storage/repositories/accounts.ts';
import { insertBots } from '../src/storage/repositories/bots.ts';
import { insertPositions } from '../src/storage/repositories/positions-batch.ts';
import { writeTransaction } from '../src/storage/sql/executor.ts';
import { benchPostgresServer, createBenchDatabase } from './bench-database.ts';
import { formatTable } from './bench-table.ts';

/** One printed line (the shape of bench/positions.bench.ts's SectionRow). */
export interface SyncBenchRow {
  readonly what: string;
  readonly figures: string;
  readonly target?: string;
}

export const SYNC_TARGET_MS: Partial<Record<DialectName, number>> = { sqlite: 2_000 };
const SYMBOLS = ['BTC/USDT', 'ETH/USDT'];
const AMOUNT = '0.01';

/** Seeds N bots with one open position each, and a venue whose net positions equal them. */
async function seed(database: BotledgerDatabase, paper: PaperExchange, positions: number): Promise<void> {
  const now = new Date('2026-01-01T00:00:00.000Z');
  const at = now.toISOString();
  const bots = Array.from({ length: positions }, (_, i) =>
    createBot({ id: `b${i}`, pluginId: 'scalper', symbol: SYMBOLS[i % SYMBOLS.length] as string, exchangeAccountId: 'paper', config: {} }, now),
  );
  const open = bots.map((bot, i) =>
    openPosition(
      { id: `p${String(i).padStart(6, '0')}`, pluginId: 'scalper', symbol: bot.symbol, side: 'buy', price: '60000', amount: AMOUNT, botId: bot.id, exchangeAccountId: 'paper' },
      now,
    ),
  );
  await writeTransaction(database, async (q) => {
    await ensureExchangeAccounts(q, [venueAccount(paper, at)]);
    await insertBots(q, bots);
    for (let i = 0; i < open.length; i += 500) await insertPositions(q, open.slice(i, i + 500));
  });
  for (const symbol of SYMBOLS) {
    const held = bots.filter((bot) => bot.symbol === symbol).length;
    paper.control.setPosition(symbol, formatDecimal(new Decimal(AMOUNT).times(held)), symbol === 'BTC/USDT' ? '60000' : '3000');
  }
}

/**
 * Measures syncs of `positions` open positions on a migrated database; returns printed rows.
 *
 * @example
 * const rows = await runSyncBench(database, { positions: 10_000, runs: 5, dir: '/tmp/x' });
 */
export async function runSyncBench(database: BotledgerDatabase, options: { positions: number; runs: number; dir: string }): Promise<SyncBenchRow[]> {
  const paper = new PaperExchange({ file: join(options.dir, 'paper-exchange.db'), synchronous: 'normal' });
  try {
    const seeding = performance.now();
    await seed(database, paper, options.positions);
    process.stderr.write(`seeded ${options.positions} positions in ${(performance.now() - seeding).toFixed(0)} ms\n`);
    const sync = new PositionSync(ExecutionEngine.open(database, { exchange: paper }));
    const samples: number[] = [];
    let last: Awaited<ReturnType<PositionSync['sync']>> | undefined;
    const slow: string[] = [];
    if (process.env.SYNC_BENCH_QUERIES) database.queryObserver = (event) => { if (event.durationMs > 5) slow.push(`${event.durationMs.toFixed(0)} ms ${event.sql.slice(0, 120)}`); };
    for (let run = 0; run <= options.runs; run++) {
      const start = performance.now();
      last = await sync.sync();
      samples.push(performance.now() - start);
      if (last.status !== 'ok' || last.positionsSynced !== options.positions) throw new Error(`sync did not see an equal ledger: ${JSON.stringify({ ...last, discrepancies: last.discrepancies.slice(0, 3) })}`);
    }
    if (slow.length > 0) process.stderr.write(`${slow.join('\n')}\n`);
    const [cold, ...warm] = samples as [number, ...number[]];
    warm.sort((a, b) => a - b);
    const median = warm[Math.floor((warm.length - 1) / 2)] as number;
    const target = SYNC_TARGET_MS[database.dialect];
    return [
      {
        what: `sync of ${options.positions} open positions (${SYMBOLS.length} symbols), median of ${warm.length}`,
        figures: `${median.toFixed(0)} ms (min ${(warm[0] as number).toFixed(0)}, max ${(warm.at(-1) as number).toFixed(0)}; first run ${cold.toFixed(0)} ms)`,
        ...(target ? { target: `< ${target} ms` } : {}),
      },
    ];
  } finally {
    await paper.close();
  }
}

/** The section for bench/positions.bench.ts (its BenchSection shape). */
export const SYNC_SECTION = {
  name: 'sync',
  description: 'sync with the exchange of 10,000 open positions (target under 2 s on SQLite)',
  async run(database: BotledgerDatabase, _flags: unknown, log: (line: string) => void): Promise<SyncBenchRow[]> {
    log('sync: seeding 10,000 positions');
    const dir = mkdtempSync(join(tmpdir(), 'botledger-sync-bench-'));
    try {
      return await runSyncBench(database, { positions: 10_000, runs: 5, dir });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  let dialects: DialectName[] = ['sqlite'];
  let positions = 10_000;
  let runs = 5;
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    if (flag === '--dialect') dialects = value.split(',') as DialectName[];
    else if (flag === '--positions') positions = Number(value);
    else if (flag === '--runs') runs = Number(value);
    else throw new Error(`unknown flag ${flag} (known: --dialect, --positions, --runs)`);
  }
  const rows: string[][] = [];
  for (const dialect of dialects) {
    let serverUrl: string | undefined;
    if (dialect === 'postgres') {
      const server = await benchPostgresServer();
      if ('error' in server) {
        process.stderr.write(`postgres skipped: ${server.error}\n`);
        continue;
      }
      serverUrl = server.url;
    }
    const bench = await createBenchDatabase(dialect, 'sync', serverUrl);
    const database = await openDatabase(bench.url);
    try {
      await new MigrationEngine({ database, backupDir: `${bench.dir}/backups`, backup: false }).up();
      for (const row of await runSyncBench(database, { positions, runs, dir: bench.dir })) rows.push([dialect, row.what, row.figures, row.target ?? '-']);
    } finally {
      await database.close();
      await bench.drop();
    }
  }
  process.stdout.write(`${formatTable(['dialect', 'what', 'figures', 'target'], rows)}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
