/**
 * `botledger migrate <command>`: a thin layer over MigrationEngine. It parses flags (a bad value is
 * a usage error naming the flag), asks before changing anything on a terminal, refuses without
 * `--yes` when there is no terminal, and prints reports as text or one JSON document.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { restoreBackup } from '../migrate/backup/backup.ts';
import { MigrationEngine } from '../migrate/engine.ts';
import { exitCodeOf } from '../app/error-catalog.ts';
import { EXIT_INTERRUPTED, EXIT_REFUSED, EXIT_USAGE, MigrateError, MigrationInputError, MigrationRefusedError } from '../migrate/errors.ts';
import { createMigrationFile } from '../migrate/sources/new-migration.ts';
import { CORE_MIGRATIONS_DIR } from '../migrate/sources/sources.ts';
import { DATA_LOSS_RULES } from '../migrate/lint/up-lint.ts';
import { backupDirFor, type DatabaseOpenMode, type openDatabase, parseDatabaseUrl, redactUrl, resolveDatabaseUrl } from '../storage/database.ts';
import type { SqliteJournalMode } from '../storage/dialects/sqlite.ts';
import { type AccessHints, databaseErrorForCli, openForCommand } from './database-access.ts';
import {
  eventLine,
  formatBackup,
  formatBaseline,
  formatDownPlan,
  formatLint,
  formatPlan,
  formatRestore,
  formatRun,
  formatStatus,
  formatVerify,
  printError,
  printJson,
} from './output.ts';

/** The flags of `botledger migrate`, after parsing. */
export interface MigrateFlags {
  db?: string;
  dir?: string;
  source?: string;
  table?: string;
  schema?: string;
  keep?: number;
  lockTimeout?: number;
  to?: string;
  yes?: boolean;
  strict?: boolean;
  json?: boolean;
  allowDataLoss?: boolean;
  force?: boolean;
}

function wholeNumber(flag: string, min: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value.trim()) || Number(value) < min)
      throw new InvalidArgumentError(`${flag} must be a whole number of at least ${min}.`);
    return Number(value);
  };
}

function seconds(value: string): number {
  const n = Number(value);
  if (!value.trim() || !Number.isFinite(n) || n < 0)
    throw new InvalidArgumentError('--lock-timeout must be a number of seconds, 0 or more (0 = try once).');
  return n;
}

function version(value: string): string {
  if (!/^\d+$/.test(value.trim()))
    throw new InvalidArgumentError('--to must be a migration version (digits, e.g. 0004 or 20261121223300).');
  return value.trim();
}

const OPTIONS = {
  db: () =>
    new Option('--db <url>', 'database URL: sqlite:<file> or postgres://... (default: $BOTLEDGER_DB, else sqlite:data/botledger.db)'),
  dir: () => new Option('--dir <dir>', "migrations directory (default: botledger's own)"),
  source: () => new Option('--source <name>', "source name in the tracking table (default: 'core', or the directory's name)"),
  table: () => new Option('--table <name>', 'tracking table (default: schema_migrations)'),
  schema: () => new Option('--schema <schema>', 'PostgreSQL: back up only this schema'),
  keep: () => new Option('--keep <n>', 'backups of this database to keep').argParser(wholeNumber('--keep', 1)),
  lockTimeout: () => new Option('--lock-timeout <seconds>', 'how long to wait for another run to finish (default: 30)').argParser(seconds),
  to: () => new Option('--to <version>', 'stop at this version').argParser(version),
  yes: () => new Option('--yes', 'do not ask for confirmation (required without a terminal)'),
  strict: () => new Option('--strict', 'make lint findings fatal (exit 4)'),
  allowDataLoss: () =>
    new Option('--allow-data-loss', 'go ahead even when rows would be destroyed (down) or lint finds data loss (up); refused otherwise'),
  json: () => new Option('--json', 'print one JSON document on stdout'),
};

type OptionName = keyof typeof OPTIONS;
const COMMON: OptionName[] = ['db', 'dir', 'source', 'table', 'json'];

function isInteractive(): boolean {
  return Boolean(process.stdin.isTTY && process.stdout.isTTY);
}

/**
 * Asks a yes/no question. "n", Enter and Ctrl-D (end of input) are a no; Ctrl-C throws
 * INTERRUPTED (exit 130), as a shell reports a command stopped by Ctrl-C.
 */
async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  let outcome: 'yes' | 'no' | 'eof' | 'interrupted';
  try {
    outcome = await new Promise((resolve) => {
      // On a terminal readline reads raw keys: Ctrl-C arrives as its SIGINT event, Ctrl-D closes it.
      rl.once('SIGINT', () => resolve('interrupted'));
      rl.once('close', () => resolve('eof'));
      rl.question(`${question} [y/N] `).then(
        (answer) => resolve(/^y(es)?$/i.test(answer.trim()) ? 'yes' : 'no'),
        () => resolve('eof'),
      );
    });
  } finally {
    rl.close();
  }
  if (outcome === 'eof' || outcome === 'interrupted') process.stdout.write('\n');
  if (outcome === 'interrupted')
    throw new MigrateError('INTERRUPTED', 'interrupted at the confirmation prompt (Ctrl-C): nothing was changed', EXIT_INTERRUPTED);
  return outcome === 'yes';
}

/** Asks on a terminal; refuses (exit 4) without one. Returns false when the user said no. */
async function confirmed(flags: MigrateFlags, question: string, what: string): Promise<boolean> {
  if (flags.yes) return true;
  if (!isInteractive()) {
    throw new MigrationRefusedError(
      'CONFIRMATION_REQUIRED',
      `refusing to ${what} without confirmation: there is no terminal to ask on; pass --yes`,
      {},
    );
  }
  return confirm(question);
}

function engineFor(flags: MigrateFlags, database: Awaited<ReturnType<typeof openDatabase>>): MigrationEngine {
  return new MigrationEngine({
    database,
    dir: flags.dir ?? CORE_MIGRATIONS_DIR,
    source: flags.source,
    trackingTable: flags.table,
    schema: flags.schema,
    keep: flags.keep,
    lockTimeoutMs: flags.lockTimeout === undefined ? undefined : flags.lockTimeout * 1000,
    onEvent: (event) => {
      const line = eventLine(event);
      // Progress goes to stderr so that stdout holds only the result (one JSON document with --json).
      if (line) process.stderr.write(`${line}\n`);
    },
  });
}

type Action = (engine: MigrationEngine, flags: MigrateFlags, url: string) => Promise<{ report: unknown; text: string } | undefined>;

/**
 * botledger's own database (its core migrations: no `--dir`) is kept in WAL; a user's database
 * (`--dir` names other migrations) keeps the journal mode it has. See the README's "Journal mode".
 */
function journalModeFor(flags: MigrateFlags): SqliteJournalMode {
  return flags.dir === undefined || resolve(flags.dir) === CORE_MIGRATIONS_DIR ? 'wal' : 'keep';
}

/**
 * How each command opens the database. Only `up` creates a missing SQLite file (and says so);
 * the reading commands open it read-only, so they never create, switch a journal mode or write a
 * pragma, and work on a read-only file (`plan` rehearses on a copy). `baseline` adopts and
 * `backup` copies an existing database: a missing one is a typo in --db, not something to create.
 */
const OPEN_MODES: Record<string, DatabaseOpenMode> = {
  status: 'read',
  plan: 'read',
  verify: 'read',
  lint: 'read',
  up: 'create',
  down: 'write',
  baseline: 'write',
  backup: 'write',
};

const HINTS: AccessHints = { creates: 'botledger migrate up' };

/** Opens the database, runs the action, prints, closes; errors become their exit code. */
async function run(flags: MigrateFlags, action: Action, mode: DatabaseOpenMode): Promise<void> {
  let database: Awaited<ReturnType<typeof openDatabase>> | undefined;
  let url: string | undefined;
  try {
    url = resolveDatabaseUrl(flags.db);
    // Without a terminal and without --yes, `up` on a new database would refuse after creating
    // it: refuse first, so that a typo in --db leaves no empty file behind.
    const target = parseDatabaseUrl(url);
    if (mode === 'create' && !flags.yes && !isInteractive() && target.dialect === 'sqlite' && !existsSync(target.path))
      throw new MigrationRefusedError(
        'CONFIRMATION_REQUIRED',
        `refusing to create ${target.path} and apply migrations without confirmation: there is no terminal to ask on; pass --yes`,
        { database: redactUrl(url) },
      );
    database = await openForCommand(url, flags.db, { mode, journalMode: journalModeFor(flags) }, HINTS);
    const result = await action(engineFor(flags, database), flags, url);
    if (result) flags.json ? printJson(result.report) : process.stdout.write(`${result.text}\n`);
  } catch (thrown) {
    const error = databaseErrorForCli(thrown, flags.db, HINTS, url) ?? thrown;
    printError(error, flags.json ?? false);
    process.exitCode = exitCodeOf(error);
  } finally {
    await database?.close();
  }
}

/** The user said no: nothing changed, and the exit code says it did not happen (4, refused). */
const cancelled = (flags: MigrateFlags) => {
  process.exitCode = 4;
  return { report: { cancelled: true }, text: flags.json ? '' : 'cancelled: nothing was changed' };
};

const ACTIONS: Record<string, Action> = {
  status: async (engine) => {
    const report = await engine.status();
    // Drift (an edited or missing applied file, a newer database) is what `up` refuses: say so in the exit code too.
    if (report.drift.length > 0) process.exitCode = EXIT_REFUSED;
    return { report, text: formatStatus(report) };
  },
  plan: async (engine, flags) => {
    const report = await engine.plan({ to: flags.to });
    // A plan is a dry run of up: exit as up would (4 drift, 1 a migration that would fail), so CI can gate on it.
    if (report.drift.length > 0) process.exitCode = 4;
    else if (!report.rehearsal.ok) process.exitCode = 1;
    return { report, text: formatPlan(report) };
  },
  up: async (engine, flags, url) => {
    let allowDataLoss = flags.allowDataLoss ?? false;
    if (!flags.yes) {
      const status = await engine.status();
      const count = status.pending.filter((p) => flags.to === undefined || BigInt(p.version) <= BigInt(flags.to)).length;
      if (count > 0) {
        const plan = isInteractive() ? await engine.plan({ to: flags.to }) : undefined;
        if (plan) process.stdout.write(`${formatPlan(plan)}\n\n`);
        const losing = plan?.migrations.some((m) => m.lint.some((f) => DATA_LOSS_RULES.includes(f.rule)));
        const question = `Apply ${count} migration(s) to ${redactUrl(url)}${losing ? ', LOSING the data the lint findings above count' : ''}?`;
        if (!(await confirmed(flags, question, `apply ${count} migration(s)`))) return cancelled(flags);
        // On a terminal the user saw the plan's lint findings before saying yes.
        allowDataLoss ||= plan !== undefined;
      }
    }
    const report = await engine.up({ to: flags.to, allowDataLoss });
    return { report, text: formatRun(report) };
  },
  down: async (engine, flags, url) => {
    let allowDataLoss = flags.allowDataLoss ?? false;
    if (!flags.yes) {
      const plan = await engine.planDown({ to: flags.to });
      if (plan.reverting.length > 0) {
        if (isInteractive()) process.stdout.write(`${formatDownPlan(plan)}\n\n`);
        const names = plan.reverting.map((m) => m.fileName).join(', ');
        const loss = plan.rowsLost > 0 ? `, DESTROYING ${plan.rowsLost.toLocaleString('en-US')} row(s) (listed above)` : '';
        if (!(await confirmed(flags, `Revert ${names} on ${redactUrl(url)}${loss}?`, `revert ${names}`))) return cancelled(flags);
        // The user was shown what would be lost and said yes.
        allowDataLoss = true;
      }
    }
    const report = await engine.down({ to: flags.to, allowDataLoss });
    return { report, text: formatRun(report) };
  },
  verify: async (engine) => {
    const report = await engine.verify();
    if (!report.ok) process.exitCode = 1;
    return { report, text: formatVerify(report) };
  },
  baseline: async (engine, flags) => {
    if (flags.to === undefined)
      throw new MigrationInputError('USAGE', 'baseline needs --to <version>: the last migration the database already has', {});
    const report = await engine.baseline({ to: flags.to });
    return { report, text: formatBaseline(report) };
  },
  lint: async (engine, flags) => {
    const report = await engine.lint({ strict: flags.strict });
    return { report, text: formatLint(report) };
  },
  backup: async (engine) => {
    const report = await engine.backup();
    return { report, text: formatBackup(report) };
  },
};

/** `restore` must not hold a connection to the database it overwrites, so it bypasses {@link run}. */
async function restore(file: string | undefined, flags: MigrateFlags): Promise<void> {
  try {
    const url = resolveDatabaseUrl(flags.db);
    const target = parseDatabaseUrl(url);
    const what = `restore ${file ?? 'the newest backup'} over ${redactUrl(url)}`;
    const question = `${what[0].toUpperCase()}${what.slice(1)}? Everything written since that backup is lost (the database is backed up first).`;
    if (!(await confirmed(flags, question, what))) {
      if (flags.json) printJson({ cancelled: true });
      else process.stdout.write('cancelled: nothing was changed\n');
      process.exitCode = 4;
      return;
    }
    const result = await restoreBackup(url, file, {
      dir: backupDirFor(target),
      schema: flags.schema,
      trackingTable: flags.table,
      force: flags.force,
      onSafetyBackup: (backup) => process.stderr.write(`backed up the database as it was before the restore: ${backup.path}\n`),
    });
    // A restored ledger lost what happened since the backup; its venue did not: reconcile them now.
    // Loaded here only: the other migrate commands load nothing of the ledger, the engine or the venue.
    const { reconcileAfterRestore } = await import('../app/venue.ts');
    const venue = await reconcileAfterRestore(url, (line) => process.stderr.write(`${line}\n`));
    flags.json ? printJson(venue ? { ...result, venue } : result) : process.stdout.write(`${formatRestore(result)}\n`);
  } catch (thrown) {
    const error = databaseErrorForCli(thrown, flags.db, HINTS) ?? thrown;
    printError(error, flags.json ?? false);
    process.exitCode = exitCodeOf(error);
  }
}

function newMigration(name: string, flags: MigrateFlags): void {
  try {
    // No default: botledger's own migrations are not where a user's new migration belongs.
    if (flags.dir === undefined)
      throw new MigrationInputError('USAGE', 'migrate new needs --dir <dir>: the folder of your own migrations (created if missing)', {});
    const path = createMigrationFile(flags.dir, name);
    flags.json ? printJson({ path }) : process.stdout.write(`created ${path}\n`);
  } catch (error) {
    printError(error, flags.json ?? false);
    process.exitCode = exitCodeOf(error, EXIT_USAGE);
  }
}

function withOptions(command: Command, names: readonly OptionName[]): Command {
  for (const name of names) command.addOption(OPTIONS[name]());
  return command;
}

const SUBCOMMANDS: { name: string; description: string; options: OptionName[] }[] = [
  { name: 'plan', description: 'show what up would do: SQL, rows touched, lint, and a rehearsal that changes nothing', options: ['to'] },
  {
    name: 'up',
    description:
      'back up, then apply pending migrations, each in its own verified transaction; lint findings that lose data refuse without --allow-data-loss',
    options: ['to', 'yes', 'allowDataLoss', 'keep', 'lockTimeout', 'schema'],
  },
  {
    name: 'down',
    description: 'revert the latest migration (or all after --to), after a backup; refuses to destroy rows without --allow-data-loss',
    options: ['to', 'yes', 'allowDataLoss', 'keep', 'lockTimeout', 'schema'],
  },
  { name: 'status', description: 'applied and pending migrations, and any drift', options: [] },
  { name: 'verify', description: 're-run the verify queries of applied migrations', options: [] },
  { name: 'baseline', description: 'record migrations up to --to as applied without running them', options: ['to', 'lockTimeout'] },
  { name: 'lint', description: 'check migrations for risky changes (data-aware)', options: ['strict'] },
  { name: 'backup', description: 'back up the database now', options: ['keep', 'lockTimeout', 'schema'] },
];

/**
 * Adds `migrate` and its subcommands to the program.
 *
 * @example
 * const program = new Command('botledger').exitOverride();
 * registerMigrateCommands(program);
 * await program.parseAsync(['node', 'botledger', 'migrate', 'status', '--json']);
 */
export function registerMigrateCommands(program: Command): Command {
  const migrate = program.command('migrate').description('apply, check and undo database migrations safely');
  for (const sub of SUBCOMMANDS) {
    withOptions(migrate.command(sub.name).description(sub.description), [...COMMON, ...sub.options]).action((flags: MigrateFlags) =>
      run(flags, ACTIONS[sub.name], OPEN_MODES[sub.name]),
    );
  }
  withOptions(migrate.command('new <name>').description('write the next migration file from a template into --dir (required)'), COMMON).action(
    newMigration,
  );
  // --dir and --source are accepted as on every other command (scripts pass one set of flags); a restore reads no migration file.
  withOptions(
    migrate
      .command('restore [file]')
      .description('restore a backup (the newest by default) over the database, after backing the database up'),
    [...COMMON, 'yes'],
  )
    .addOption(new Option('--schema <schema>', 'PostgreSQL: restore only this schema from the backup (default: what the backup holds)'))
    .addOption(new Option('--force', 'restore even a backup taken of another database (its sidecar names a different one)'))
    .action(restore);
  return migrate;
}
