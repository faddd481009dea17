/**
 * `npm run bench:engine [-- --dialect sqlite|postgres --orders 5000 --seconds 3]`
 *
 * Venue events processed per second with every state change durable, and the time from a venue
 * event's arrival to its committed state (p50, p99), on SQLite (WAL, synchronous=FULL) and
 * PostgreSQL (fsync on, synchronous_commit on). Targets (issue 3): 20,000 events/s on SQLite,
 * 5,000 on PostgreSQL, p99 under 5 ms.
 *
 * - baseline: one event-log row per COMMIT, sequentially: the durable-commit latency floor.
 * - flood: the whole stream arrives at once; events/s = events / time until the last is committed.
 * - paced: events arrive open-loop at the target rate (in 1 ms ticks); latency is measured from
 *   each event's scheduled arrival to the resolution of its promise, which happens only after its
 *   COMMIT returned (group commit: events that arrive together share one commit).
 */
import { MigrationEngine } from '../src/migrate/engine.ts';
import { DEFAULT_POSTGRES_LANES, VenueEventProcessor } from '../src/engine/venue-events/venue-events.ts';
import type { VenueEvent } from '../src/exchange/exchange-adapter.ts';
import { type BotledgerDatabase, type DialectName, openDatabase } from '../src/storage/database.ts';
import { UnitOfWork } from '../src/storage/unit-of-work.ts';
import { benchPostgresServer, createBenchDatabase } from './bench-database.ts';
import { formatTable } from './bench-table.ts';
import { eventsOf, interleave, seedOrders } from './engine-workload.ts';

export const TARGET_EVENTS_PER_S: Record<DialectName, number> = { sqlite: 20_000, postgres: 5_000 };
export const TARGET_P99_MS = 5;

interface Flags {
  dialects: DialectName[];
  orders: number;
  seconds: number;
}

function parseFlags(argv: readonly string[]): Flags {
  const flags: Flags = { dialects: ['sqlite', 'postgres'], orders: 5_000, seconds: 3 };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[++i];
    if (value === undefined) throw new Error(`${argv[i - 1]} needs a value`);
    if (argv[i - 1] === '--dialect') flags.dialects = value.split(',') as DialectName[];
    else if (argv[i - 1] === '--orders') flags.orders = Number(value);
    else if (argv[i - 1] === '--seconds') flags.seconds = Number(value);
    else throw new Error(`unknown flag ${argv[i - 1]} (known: --dialect, --orders, --seconds)`);
  }
  for (const dialect of flags.dialects) if (dialect !== 'sqlite' && dialect !== 'postgres') throw new Error(`--dialect: "${dialect}" is not sqlite or postgres`);
  if (!Number.isSafeInteger(flags.orders) || flags.orders < 1) throw new Error(`--orders must be a positive integer, got ${flags.orders}`);
  if (!(flags.seconds > 0)) throw new Error(`--seconds must be above 0, got ${flags.seconds}`);
  return flags;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

interface Row {
  dialect: DialectName;
  mode: string;
  events: number;
  seconds: number;
  commits: number;
  latencies: number[];
}

async function flood(processor: VenueEventProcessor, events: readonly VenueEvent[]): Promise<Omit<Row, 'dialect' | 'mode'>> {
  const commits = processor.commits;
  const start = performance.now();
  const latencies: number[] = [];
  await Promise.all(events.map((event) => processor.handle(event).then(() => latencies.push(performance.now() - start))));
  return { events: events.length, seconds: (performance.now() - start) / 1000, commits: processor.commits - commits, latencies };
}

/** Open loop: event i is due at start + i / rate; all due events are handed in each turn. */
async function paced(processor: VenueEventProcessor, events: readonly VenueEvent[], rate: number): Promise<Omit<Row, 'dialect' | 'mode'>> {
  const commits = processor.commits;
  const latencies: number[] = [];
  const pending: Promise<unknown>[] = [];
  const start = performance.now();
  let next = 0;
  while (next < events.length) {
    const now = performance.now();
    const due = Math.min(events.length, Math.floor(((now - start) / 1000) * rate) + 1);
    for (; next < due; next++) {
      const scheduled = start + (next / rate) * 1000;
      pending.push(processor.handle(events[next] as VenueEvent).then(() => latencies.push(performance.now() - scheduled)));
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(pending);
  return { events: events.length, seconds: (performance.now() - start) / 1000, commits: processor.commits - commits, latencies };
}

/** The floor under any latency: one event-log row per COMMIT, one after another. */
async function commitFloor(database: BotledgerDatabase, count: number): Promise<Omit<Row, 'dialect' | 'mode'>> {
  const latencies: number[] = [];
  const start = performance.now();
  for (let index = 0; index < count; index++) {
    const began = performance.now();
    await UnitOfWork.run(database, async (uow) => uow.appendEvent({ source: 'engine', type: 'BenchCommit', message: 'one durable commit', applied: true, at: new Date().toISOString() }));
    latencies.push(performance.now() - began);
  }
  return { events: count, seconds: (performance.now() - start) / 1000, commits: count, latencies };
}

async function runDialect(dialect: DialectName, flags: Flags, serverUrl: string | undefined): Promise<Row[]> {
  const bench = await createBenchDatabase(dialect, 'engine', serverUrl);
  const caller = await openDatabase(bench.url);
  const events = await openDatabase(bench.url);
  try {
    await new MigrationEngine({ database: caller, backupDir: `${bench.dir}/backups`, backup: false }).up();
    const processor = VenueEventProcessor.open(events, { venueName: 'Bench venue' });
    const rows: Row[] = [{ dialect, mode: 'baseline: 1 event per commit', ...(await commitFloor(events, 300)) }];
    // Warm-up: prepared statements, caches.
    const warm = await seedOrders(caller, 'warm', 200);
    await flood(processor, interleave(warm.map(eventsOf)));

    const floodOrders = await seedOrders(caller, 'flood', flags.orders);
    const floodRow: Row = { dialect, mode: 'flood', ...(await flood(processor, interleave(floodOrders.map(eventsOf)))) };
    rows.push(floodRow);

    // At the target rate, and at half of what the flood sustained (latency when not saturated).
    const sustained = Math.floor(floodRow.events / floodRow.seconds / 2 / 100) * 100;
    for (const [label, rate] of [
      ['paced', TARGET_EVENTS_PER_S[dialect]],
      ['paced (half of flood)', sustained],
    ] as const) {
      const orders = await seedOrders(caller, `p${rate}`, Math.ceil((rate * flags.seconds) / 4));
      rows.push({ dialect, mode: `${label} ${rate}/s`, ...(await paced(processor, interleave(orders.map(eventsOf)), rate)) });
    }
    return rows;
  } finally {
    await events.close();
    await caller.close();
    await bench.drop();
  }
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2));
  const rows: Row[] = [];
  const notes: string[] = [];
  for (const dialect of flags.dialects) {
    let serverUrl: string | undefined;
    if (dialect === 'postgres') {
      const server = await benchPostgresServer();
      if ('error' in server) {
        notes.push(`postgres skipped: ${server.error}`);
        continue;
      }
      serverUrl = server.url;
      notes.push(`postgres: fsync=${server.fsync}, synchronous_commit=on (server default), events on their own pool, ${DEFAULT_POSTGRES_LANES} commit lanes`);
    } else {
      notes.push('sqlite: WAL, synchronous=FULL (fsync on every COMMIT), one connection for events');
    }
    process.stderr.write(`running ${dialect}...\n`);
    rows.push(...(await runDialect(dialect, flags, serverUrl)));
  }
  const table = rows.map((row) => {
    const sorted = [...row.latencies].sort((a, b) => a - b);
    const perS = row.events / row.seconds;
    const target = TARGET_EVENTS_PER_S[row.dialect];
    const p99 = percentile(sorted, 99);
    const paced = row.mode.startsWith('paced') || row.mode.startsWith('baseline');
    const atTarget = row.mode === `paced ${target}/s`;
    return [
      row.dialect,
      row.mode,
      String(row.events),
      row.seconds.toFixed(3),
      Math.round(perS).toLocaleString('en-US'),
      String(row.commits),
      (row.events / row.commits).toFixed(1),
      paced ? percentile(sorted, 50).toFixed(2) : '-',
      paced ? p99.toFixed(2) : '-',
      row.mode.startsWith('baseline') ? '-' : atTarget ? (p99 < TARGET_P99_MS && perS >= target * 0.95 ? 'yes' : 'no') : paced ? (p99 < TARGET_P99_MS ? 'p99 yes' : 'p99 no') : perS >= target ? 'yes' : 'no',
    ];
  });
  console.log(formatTable(['dialect', 'mode', 'events', 'seconds', 'events/s', 'commits', 'events/commit', 'p50 ms', 'p99 ms', 'meets target'], table));
  console.log(`targets: ${TARGET_EVENTS_PER_S.sqlite.toLocaleString('en-US')} events/s SQLite, ${TARGET_EVENTS_PER_S.postgres.toLocaleString('en-US')} PostgreSQL, p99 < ${TARGET_P99_MS} ms (paced rows: latency from scheduled arrival to durable commit)`);
  for (const note of notes) console.log(note);
  const [load1] = (await import('node:os')).loadavg();
  console.log(`machine: ${(await import('node:os')).cpus().length} cores, load average ${load1?.toFixed(2)} when the run ended`);
}

await main();
