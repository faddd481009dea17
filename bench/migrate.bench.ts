/**
 * `npm run bench:migrate [-- --rows 10000,100000 --scenario plugin-isolation --dialect sqlite]`
 *
 * Runs every conformance scenario (test/scenarios) through the migration engine at 10k, 100k and
 * 1M rows on each dialect its migration runs on, and prints one row per run: total seconds,
 * seconds per 1000 rows, the migration's own SQL time, the engine's overhead (lock + backup +
 * verify + record) and its share of the SQL time, and the backup's time and size, next to the
 * targets of issue 2 and of the documents. Times come from the engine's UpReport.timings.
 */
import { sql } from 'kysely';
import { MigrationEngine } from '../src/migrate/engine.ts';
import { type DialectName, openDatabase } from '../src/storage/database.ts';
import { scenario as monitoring } from '../test/scenarios/monitoring-positions/scenario.ts';
import { scenario as orderStatus } from '../test/scenarios/order-status-simplification/scenario.ts';
import { scenario as pluginIsolation } from '../test/scenarios/plugin-isolation/scenario.ts';
import { scenario as scalper } from '../test/scenarios/scalper-cancellation-reason/scenario.ts';
import type { Scenario } from '../test/scenarios/support/scenario.ts';
import { benchPostgresServer, createBenchDatabase } from './bench-database.ts';
import { formatTable, mb, s3 } from './bench-table.ts';

export const DEFAULT_BENCH_ROWS = [10_000, 100_000, 1_000_000];
export const SCENARIOS: readonly Scenario<any>[] = [scalper, monitoring, pluginIsolation, orderStatus];

/** Issue 2: 1M rows of a scenario, backup and verification included, under 5 s on SQLite. */
export const SQLITE_1M_TARGET_S = 5;
/** Issue 2: engine overhead at most 50% of the migration's own SQL time. */
export const OVERHEAD_TARGET_PCT = 50;
/** Seed 002: "< 1 second per 1000 positions", "< 5 seconds for 10,000 positions". */
export const DOC_PER_1000_S = 1;
export const DOC_10K_S = 5;

interface Flags {
  rows: number[];
  scenarios: string[] | undefined;
  dialects: DialectName[] | undefined;
}

function parseFlags(argv: readonly string[]): Flags {
  const flags: Flags = { rows: DEFAULT_BENCH_ROWS, scenarios: undefined, dialects: undefined };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    const list = () => {
      if (!value) throw new Error(`${argv[i]} needs a value`);
      i++;
      return value
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean);
    };
    if (argv[i] === '--rows') {
      flags.rows = list().map((v) => {
        const n = Number(v.replace(/_/g, '').replace(/k$/i, '000').replace(/m$/i, '000000'));
        if (!Number.isSafeInteger(n) || n < 1) throw new Error(`--rows: "${v}" is not a positive row count`);
        return n;
      });
    } else if (argv[i] === '--scenario') {
      flags.scenarios = list();
      const unknown = flags.scenarios.filter((s) => !SCENARIOS.some((x) => x.name === s));
      if (unknown.length) throw new Error(`--scenario: unknown ${unknown.join(', ')} (known: ${SCENARIOS.map((s) => s.name).join(', ')})`);
    } else if (argv[i] === '--dialect') {
      flags.dialects = list() as DialectName[];
      if (flags.dialects.some((d) => d !== 'sqlite' && d !== 'postgres')) throw new Error('--dialect: sqlite and/or postgres');
    } else {
      throw new Error(`unknown flag ${argv[i]} (flags: --rows 10000,100000 --scenario name[,name] --dialect sqlite|postgres)`);
    }
  }
  return flags;
}

interface RunResult {
  readonly cells: string[];
  readonly notes: string[];
}

async function runOne(scenario: Scenario<any>, dialect: DialectName, rows: number, pgServer: string | undefined): Promise<RunResult> {
  const bench = await createBenchDatabase(dialect, scenario.name === 'plugin-isolation' ? 'trading_bot' : scenario.name, pgServer);
  let database = await openDatabase(bench.url);
  try {
    await scenario.createLegacySchema(database);
    const genStart = performance.now();
    await scenario.generate(database, rows);
    const genMs = performance.now() - genStart;
    // Start from a settled database, as a production one is: no pending WAL or checkpoint debt from the load.
    if (database.sqlite) database.sqlite.pragma('wal_checkpoint(TRUNCATE)');
    else {
      await sql`vacuum analyze`.execute(database.db);
      await sql`checkpoint`.execute(database.db);
    }
    await database.close();
    database = await openDatabase(bench.url);
    const engine = new MigrationEngine({
      database,
      dir: scenario.migrationsDir(dialect),
      source: scenario.name,
      backupDir: `${bench.dir}/backups`,
      schema: scenario.schema,
      trackingTable: scenario.trackingTable,
    });
    const report = await engine.up();
    const t = report.timings;
    const overheadMs = t.lockMs + t.backupMs + t.verifyMs + t.recordMs;
    // What the timings do not itemise: loading and checksumming the files, drift checks, and the COMMIT itself.
    const otherMs = Math.max(0, t.totalMs - t.sqlMs - overheadMs);
    const pct = t.sqlMs > 0 ? (100 * overheadMs) / t.sqlMs : Number.POSITIVE_INFINITY;
    const perK = t.totalMs / (rows / 1000);
    const notes: string[] = [];
    if (dialect === 'sqlite' && rows >= 1_000_000) notes.push(t.totalMs / 1000 < SQLITE_1M_TARGET_S ? '1M<5s ok' : '1M<5s MISS');
    notes.push(pct <= OVERHEAD_TARGET_PCT ? 'ovh<=50% ok' : 'ovh<=50% MISS');
    notes.push(perK / 1000 < DOC_PER_1000_S ? '<1s/1k ok' : '<1s/1k MISS');
    if (rows === 10_000) notes.push(t.totalMs / 1000 < DOC_10K_S ? '10k<5s ok' : '10k<5s MISS');
    return {
      cells: [
        scenario.name,
        dialect,
        rows.toLocaleString('en-US'),
        s3(t.totalMs),
        (perK / 1000).toFixed(4),
        s3(t.sqlMs),
        s3(overheadMs),
        Number.isFinite(pct) ? `${pct.toFixed(0)}%` : 'n/a',
        s3(t.lockMs),
        s3(t.backupMs),
        s3(t.verifyMs),
        s3(t.recordMs),
        s3(otherMs),
        report.backup ? mb(report.backup.bytes) : '-',
        s3(genMs),
      ],
      notes,
    };
  } finally {
    await database.close().catch(() => {});
    await bench.drop();
  }
}

const HEADER = [
  'scenario',
  'dialect',
  'rows',
  'total s',
  's/1k rows',
  'sql s',
  'overhead s',
  'ovh % sql',
  'lock s',
  'backup s',
  'verify s',
  'record s',
  'other s',
  'backup size',
  'generate s',
  'targets',
];

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const server = await benchPostgresServer();
  const pgServer = 'url' in server ? server.url : undefined;
  console.log(`botledger migration benchmark, ${new Date().toISOString()}, node ${process.version}`);
  console.log(
    'url' in server
      ? `PostgreSQL: ${server.url.replace(/\/\/[^@]*@/, '//')} (fsync=${server.fsync})`
      : `!!! PostgreSQL runs SKIPPED: ${server.error} !!!`,
  );
  console.log(
    `targets: SQLite 1M rows incl. backup+verify < ${SQLITE_1M_TARGET_S} s; engine overhead (lock+backup+verify+record) <= ${OVERHEAD_TARGET_PCT}% of the migration SQL time; ` +
      `seed 002: < ${DOC_PER_1000_S} s per 1000 positions, < ${DOC_10K_S} s for 10,000 positions\n`,
  );
  const results: string[][] = [];
  for (const scenario of SCENARIOS) {
    if (flags.scenarios && !flags.scenarios.includes(scenario.name)) continue;
    for (const dialect of scenario.dialects) {
      if (flags.dialects && !flags.dialects.includes(dialect)) continue;
      if (dialect === 'postgres' && !pgServer) continue;
      for (const rows of flags.rows) {
        process.stderr.write(`running ${scenario.name} ${dialect} ${rows} ...\n`);
        try {
          const { cells, notes } = await runOne(scenario, dialect, rows, pgServer);
          results.push([...cells, notes.join(', ')]);
        } catch (error) {
          results.push([scenario.name, dialect, rows.toLocaleString('en-US'), `FAILED: ${(error as Error).message.split('\n')[0]}`]);
        }
        process.stderr.write(`${(results.at(-1) ?? []).join(' | ')}\n`);
      }
    }
  }
  console.log(formatTable(HEADER, results));
}

await main();
