/**
 * `npm run bench:vs-alembic [-- --rows 1000000 --pairs 7 --case sqlite,postgres]`
 *
 * botledger side by side with what the seeds' authors used, on the same data, the same SQL
 * (bench/vs-alembic/seed00N/*.sql, the statements the scenarios' migrations run) and the same
 * durability (synchronous=FULL; PostgreSQL's defaults):
 * - sqlite: seed 003 (plugin_id on trading_bot.db's ten tables) on the legacy file in its own
 *   rollback-journal mode, through botledger, through Alembic after a `cp` of the file, and
 *   through the seed's own script (shutil.copy, then sqlite3);
 * - postgres: seed 004 (statuses 9 -> 5, one reason) through botledger and through Alembic after
 *   `pg_dump -Fc --compress=1`.
 * Each tool runs as a user runs it: a new process (botledger's CLI `node bin/botledger.js`, start-up
 * included). Runs alternate (the order rotates each round) on fresh copies of one generated
 * database; the medians, the ratios, where botledger's time goes, and `migrate status` beside
 * `alembic current` are printed. Figures only: nothing is asserted.
 *
 * Alembic is Debian's (python3-alembic, python3-sqlalchemy, python3-psycopg2, for /usr/bin/python3;
 * BENCH_PYTHON names another interpreter); without it the Alembic columns are skipped with a line
 * saying how to install it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { type DialectName, openDatabase } from '../src/storage/database.ts';
import { scenario as orderStatus } from '../test/scenarios/order-status-simplification/scenario.ts';
import { scenario as pluginIsolation } from '../test/scenarios/plugin-isolation/scenario.ts';
import type { Scenario } from '../test/scenarios/support/scenario.ts';
import { benchPostgresServer } from './bench-database.ts';
import { formatTable } from './bench-table.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const HERE = join(ROOT, 'bench', 'vs-alembic');
const BIN = join(ROOT, 'bin', 'botledger.js');
const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
const INSTALL_HINT = 'apt-get install -y python3-alembic python3-sqlalchemy python3-psycopg2';

type CaseName = 'sqlite' | 'postgres';
type Tool = 'botledger' | 'alembic' | 'seed script';

interface BenchCase {
  readonly name: CaseName;
  readonly title: string;
  readonly dialect: DialectName;
  readonly scenario: Scenario<any>;
  /** Folder holding the case's SQL migration (botledger's format; the others run its `up` section). */
  readonly migrations: string;
  readonly sqlFile: string;
  readonly tools: readonly Tool[];
}

const CASES: Record<CaseName, BenchCase> = {
  sqlite: {
    name: 'sqlite',
    title: 'SQLite, seed 003, the legacy file in its own rollback-journal mode',
    dialect: 'sqlite',
    scenario: pluginIsolation,
    migrations: join(HERE, 'seed003'),
    sqlFile: join(HERE, 'seed003', '0001_plugin_id.sql'),
    tools: ['botledger', 'alembic', 'seed script'],
  },
  postgres: {
    name: 'postgres',
    title: 'PostgreSQL, seed 004, Alembic after pg_dump -Fc --compress=1',
    dialect: 'postgres',
    scenario: orderStatus,
    migrations: join(HERE, 'seed004'),
    sqlFile: join(HERE, 'seed004', '0001_unify_reason_and_statuses.sql'),
    tools: ['botledger', 'alembic'],
  },
};

interface Flags {
  rows: number;
  pairs: number;
  cases: CaseName[];
}

function parseFlags(argv: readonly string[]): Flags {
  const flags: Flags = { rows: 1_000_000, pairs: 7, cases: ['sqlite', 'postgres'] };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[++i];
    if (value === undefined) throw new Error(`${argv[i - 1]} needs a value`);
    const count = (flag: string) => {
      const n = Number(value.replace(/_/g, '').replace(/k$/i, '000').replace(/m$/i, '000000'));
      if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${flag}: "${value}" is not a positive whole number`);
      return n;
    };
    if (argv[i - 1] === '--rows') flags.rows = count('--rows');
    else if (argv[i - 1] === '--pairs') flags.pairs = count('--pairs');
    else if (argv[i - 1] === '--case') {
      flags.cases = value.split(',').map((c) => c.trim()) as CaseName[];
      if (flags.cases.some((c) => !(c in CASES))) throw new Error('--case: sqlite and/or postgres');
    } else throw new Error(`unknown flag ${argv[i - 1]} (flags: --rows 1000000 --pairs 7 --case sqlite,postgres)`);
  }
  return flags;
}

/** Runs a command to its end; resolves with its wall time (spawn to exit) and output; throws on a non-zero exit. */
function timed(command: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<{ ms: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = performance.now() - started;
      if (code === 0) resolve({ ms, stdout, stderr });
      else reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${stdout}\n${stderr}`));
    });
  });
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const s = (ms: number): string => (ms / 1000).toFixed(3);

/** One generated legacy database and fresh copies of it, one per run. */
interface Source {
  /** A fresh copy for one run: its URL (botledger), its SQLAlchemy URL, its file or database name. */
  fresh(run: string): Promise<{ url: string; alchemy: string; path?: string; dbName?: string }>;
  drop(): Promise<void>;
}

async function sqliteSource(benchCase: BenchCase, rows: number, dir: string): Promise<Source> {
  const template = join(dir, 'template', 'trading_bot.db');
  mkdirSync(join(dir, 'template'));
  // journalMode 'keep': the legacy file stays in SQLite's default rollback-journal mode, as the seed's own file is.
  const database = await openDatabase(`sqlite:${template}`, { journalMode: 'keep' });
  await benchCase.scenario.createLegacySchema(database);
  await benchCase.scenario.generate(database, rows);
  await database.close();
  return {
    async fresh(run) {
      mkdirSync(join(dir, run));
      const path = join(dir, run, 'trading_bot.db');
      copyFileSync(template, path);
      spawnSync('sync');
      return { url: `sqlite:${path}`, alchemy: `sqlite:///${path}`, path };
    },
    async drop() {},
  };
}

async function postgresSource(benchCase: BenchCase, rows: number, server: string): Promise<Source> {
  const admin = await openDatabase(server);
  const template = `vs_alembic_template_${process.pid}`;
  const made: string[] = [template];
  const urlOf = (name: string) => {
    const url = new URL(server);
    url.pathname = `/${name}`;
    return url.toString();
  };
  await sql.raw(`create database ${template}`).execute(admin.db);
  const database = await openDatabase(urlOf(template));
  await benchCase.scenario.createLegacySchema(database);
  await benchCase.scenario.generate(database, rows);
  await sql`vacuum analyze`.execute(database.db);
  await database.close();
  return {
    async fresh(run) {
      const name = `vs_alembic_${process.pid}_${run.replace(/\W/g, '_')}`;
      await sql.raw(`create database ${name} template ${template}`).execute(admin.db);
      made.push(name);
      await sql`checkpoint`.execute(admin.db);
      const url = urlOf(name);
      return { url, alchemy: url.replace(/^postgres(ql)?:/, 'postgresql+psycopg2:'), dbName: name };
    },
    async drop() {
      for (const name of made.reverse()) await sql.raw(`drop database if exists ${name} with (force)`).execute(admin.db);
      await admin.close();
    },
  };
}

interface BotledgerParts {
  startup: number;
  lock: number;
  backup: number;
  check: number;
  sql: number;
  verify: number;
  commit: number;
}

async function runTool(tool: Tool, benchCase: BenchCase, copy: Awaited<ReturnType<Source['fresh']>>, runDir: string) {
  const backups = join(runDir, 'backups');
  mkdirSync(backups, { recursive: true });
  if (tool === 'botledger') {
    const args = ['migrate', 'up', '--yes', '--json', '--db', copy.url, '--dir', benchCase.migrations, '--source', `seed-${benchCase.name}`];
    const result = await timed(process.execPath, [BIN, ...args], { BOTLEDGER_DATA_DIR: runDir });
    const report = JSON.parse(result.stdout) as {
      timings: { lockMs: number; backupMs: number; sqlMs: number; verifyMs: number; recordMs: number; totalMs: number };
      applied: { waitMs?: number }[];
    };
    const t = report.timings;
    const check = report.applied.reduce((sum, a) => sum + (a.waitMs ?? 0), 0);
    const parts: BotledgerParts = {
      startup: result.ms - t.totalMs,
      lock: t.lockMs,
      backup: t.backupMs - check,
      check,
      sql: t.sqlMs,
      verify: t.verifyMs,
      commit: t.totalMs - t.lockMs - t.backupMs - t.sqlMs - t.verifyMs,
    };
    return { ms: result.ms, parts };
  }
  const env = { BENCH_DB_URL: copy.alchemy, BENCH_SQL_FILE: benchCase.sqlFile, PYTHONDONTWRITEBYTECODE: '1' };
  if (tool === 'alembic') {
    const backup =
      benchCase.dialect === 'sqlite'
        ? await timed('cp', [copy.path!, join(backups, 'trading_bot.db')])
        : await timed('pg_dump', ['-Fc', '--compress=1', '--no-owner', '-f', join(backups, 'orders.dump'), copy.url]);
    const upgrade = await timed(PYTHON, ['-m', 'alembic', '-c', join(HERE, 'alembic.ini'), 'upgrade', 'head'], env);
    return { ms: backup.ms + upgrade.ms };
  }
  const script = await timed(PYTHON, [join(HERE, 'seed003_script.py'), copy.path!, benchCase.sqlFile, backups]);
  return { ms: script.ms };
}

async function startupBeside(benchCase: BenchCase, copy: Awaited<ReturnType<Source['fresh']>>, runDir: string, pairs: number, alembic: boolean) {
  const status: number[] = [];
  const current: number[] = [];
  const env = { BENCH_DB_URL: copy.alchemy, BENCH_SQL_FILE: benchCase.sqlFile };
  for (let i = 0; i < pairs; i++) {
    const botledger = () =>
      timed(process.execPath, [BIN, 'migrate', 'status', '--db', copy.url, '--dir', benchCase.migrations, '--source', `seed-${benchCase.name}`], {
        BOTLEDGER_DATA_DIR: runDir,
      }).then((r) => status.push(r.ms));
    const alembicCurrent = () =>
      timed(PYTHON, ['-m', 'alembic', '-c', join(HERE, 'alembic.ini'), 'current'], env).then((r) => current.push(r.ms));
    if (i % 2 === 0 || !alembic) {
      await botledger();
      if (alembic) await alembicCurrent();
    } else {
      await alembicCurrent();
      await botledger();
    }
  }
  return { status: median(status), current: alembic ? median(current) : undefined };
}

async function runCase(benchCase: BenchCase, flags: Flags, python: { alembic: boolean; plain: boolean }, pgServer: string | undefined): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'botledger-vs-alembic-'));
  const alembic = python.alembic;
  const tools = benchCase.tools.filter((tool) => tool === 'botledger' || (tool === 'seed script' ? python.plain : alembic));
  let source: Source | undefined;
  try {
    process.stderr.write(`${benchCase.name}: generating ${flags.rows.toLocaleString('en-US')} rows ...\n`);
    source =
      benchCase.dialect === 'sqlite' ? await sqliteSource(benchCase, flags.rows, dir) : await postgresSource(benchCase, flags.rows, pgServer!);
    const times = new Map<Tool, number[]>(tools.map((tool) => [tool, []]));
    const parts: BotledgerParts[] = [];
    let last: { copy: Awaited<ReturnType<Source['fresh']>>; runDir: string } | undefined;
    for (let pair = 0; pair < flags.pairs; pair++) {
      // Alternate: the order rotates each round, so no tool always runs first (or right after another's I/O).
      const order = tools.map((_, i) => tools[(i + pair) % tools.length]);
      for (const tool of order) {
        const run = `${pair}-${tool.replace(' ', '-')}`;
        const copy = await source.fresh(run);
        const runDir = join(dir, run);
        mkdirSync(runDir, { recursive: true });
        const result = await runTool(tool, benchCase, copy, runDir);
        times.get(tool)!.push(result.ms);
        if ('parts' in result && result.parts) parts.push(result.parts);
        if (tool === 'botledger') last = { copy, runDir };
        process.stderr.write(`  round ${pair + 1}/${flags.pairs} ${tool}: ${s(result.ms)} s\n`);
      }
    }
    const m = (tool: Tool) => (times.has(tool) ? median(times.get(tool)!) : undefined);
    const botledger = m('botledger')!;
    const ratio = (other: number | undefined) => (other === undefined ? '-' : (botledger / other).toFixed(2));
    const cell = (ms: number | undefined) => (ms === undefined ? '-' : s(ms));
    console.log(`\n${benchCase.title}: ${flags.rows.toLocaleString('en-US')} rows, medians of ${flags.pairs} alternating rounds (seconds)`);
    console.log(
      formatTable(
        ['case', 'rows', 'botledger', 'alembic', 'seed script', 'botledger/alembic', 'botledger/seed script'],
        [
          [
            benchCase.name,
            flags.rows.toLocaleString('en-US'),
            s(botledger),
            cell(m('alembic')),
            cell(m('seed script')),
            ratio(m('alembic')),
            ratio(m('seed script')),
          ],
        ],
      ),
    );
    const keys: (keyof BotledgerParts)[] = ['startup', 'lock', 'backup', 'check', 'sql', 'verify', 'commit'];
    console.log("\nwhere botledger's time goes (medians, seconds; check = COMMIT waiting for the backup's quick_check, commit = COMMIT, record, the rest):");
    console.log(
      formatTable(
        ['start-up', 'lock', 'backup', 'check', 'sql', 'verify', 'commit'],
        [keys.map((key) => s(median(parts.map((p) => p[key]))))],
      ),
    );
    if (last) {
      const startup = await startupBeside(benchCase, last.copy, last.runDir, flags.pairs, alembic && tools.includes('alembic'));
      console.log(
        `\nstart-up: botledger migrate status ${s(startup.status)} s` +
          (startup.current === undefined ? '' : `, alembic current ${s(startup.current)} s (medians of ${flags.pairs})`),
      );
    }
  } finally {
    await source?.drop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

const flags = parseFlags(process.argv.slice(2));
const probe = spawnSync(process.execPath, [BIN, '--version'], { encoding: 'utf8' });
if (/dist\/ is missing or older/.test(probe.stderr))
  console.log('NOTE: botledger runs from its sources through tsx (dist/ missing or stale): run `npm run build` first for the figures users get');
const python = {
  alembic: spawnSync(PYTHON, ['-c', 'import alembic, sqlalchemy, psycopg2'], { encoding: 'utf8' }).status === 0,
  plain: spawnSync(PYTHON, ['-c', 'import sqlite3'], { encoding: 'utf8' }).status === 0,
};
if (!python.alembic) console.log(`SKIP Alembic: ${PYTHON} cannot import alembic, sqlalchemy and psycopg2; install them with: ${INSTALL_HINT}`);
if (!python.plain) console.log(`SKIP the seed's script: ${PYTHON} does not run (set BENCH_PYTHON to a Python 3 with sqlite3)`);
const cpus = (await import('node:os')).cpus().length;
console.log(`vs-alembic: ${flags.rows.toLocaleString('en-US')} rows, ${flags.pairs} rounds, ${cpus} cores, load average ${(await import('node:os')).loadavg().map((l) => l.toFixed(2)).join(' ')}`);
for (const name of flags.cases) {
  const benchCase = CASES[name];
  let pgServer: string | undefined;
  if (benchCase.dialect === 'postgres') {
    const server = await benchPostgresServer();
    if ('error' in server) {
      console.log(`SKIP ${name}: ${server.error}`);
      continue;
    }
    pgServer = server.url;
  }
  await runCase(benchCase, flags, python, pgServer);
}
