/**
 * `migrate plan`: what the pending migrations will do, learnt by doing it where it cannot hurt.
 * PostgreSQL rehearses on the real database inside one transaction that is always rolled back;
 * SQLite rehearses on a copy made with the online backup API, then deletes the copy. Either way the
 * real database does not change. `migrate verify` re-runs verify queries the same way, in a
 * transaction that is rolled back.
 */
import { accessSync, constants, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type BotledgerDatabase, openDatabase } from '../../storage/database.ts';
import { applyMigration, runUp } from '../apply/apply.ts';
import { exec, MIGRATION_SQL, onConnection } from '../apply/connection.ts';
import { describeFailure } from '../apply/failure.ts';
import type { StatementReport } from '../apply/run-step.ts';
import { createMigrationContext } from '../context/context.ts';
import { MigrateError } from '../errors.ts';
import { type LintFinding, lintMigration } from '../lint/lint.ts';
import type { Migration, SqlStatement } from '../migration.ts';
import type { PlanMigration, VerifyReport } from '../reports.ts';
import { runVerifySteps } from '../verify/verify.ts';

export interface RehearsalOptions {
  readonly trackingTable: string;
  readonly appliedBy: string;
  readonly onStart?: (method: 'transaction' | 'copy') => void;
}

export interface RehearsalResult {
  readonly method: 'transaction' | 'copy';
  readonly ok: boolean;
  readonly ms: number;
  readonly migrations: PlanMigration[];
}

/** The facts about a migration that status and plan show. */
export function migrationInfo(m: Migration): Omit<PlanMigration, 'statements' | 'lint' | 'rehearsed'> {
  return {
    version: m.version,
    name: m.name,
    fileName: m.fileName,
    source: m.source,
    format: m.format,
    transaction: m.config.transaction,
    irreversible: m.config.irreversible,
    hasDown: m.down !== undefined,
  };
}

function fileStatements(m: Migration): StatementReport[] {
  return m.up.kind === 'sql' ? m.up.statements.map((s) => ({ sql: s.sql, line: s.line, ms: 0 })) : [];
}

type Outcome = { statements: StatementReport[]; ms: number } | { error: MigrateError } | { skipped: string };

/**
 * Rehearses `pending` and lints each one. The real database is left as it was.
 *
 * @example
 * const result = await rehearse(database, pending, { trackingTable: 'schema_migrations', appliedBy: 'me@host' });
 * result.migrations[0].statements[0].rowsAffected; // rows the first statement touched
 */
export async function rehearse(
  database: BotledgerDatabase,
  pending: readonly Migration[],
  options: RehearsalOptions,
): Promise<RehearsalResult> {
  const method = database.sqlite ? 'copy' : 'transaction';
  options.onStart?.(method);
  const started = performance.now();
  const outcomes =
    pending.length === 0
      ? []
      : method === 'copy'
        ? await rehearseOnCopy(database, pending, options)
        : await rehearseInTransaction(database, pending, options);
  const ms = performance.now() - started;
  const migrations: PlanMigration[] = [];
  for (const [index, m] of pending.entries()) {
    const outcome = outcomes[index] ?? { skipped: 'not rehearsed: an earlier migration failed in the rehearsal' };
    const captured = 'statements' in outcome ? outcome.statements : undefined;
    const statements = m.format === 'sql' ? (captured ?? fileStatements(m)) : (captured ?? []);
    const forLint: SqlStatement[] | undefined = m.format === 'module' ? statements.map((s) => ({ sql: s.sql, line: s.line })) : undefined;
    let lint: LintFinding[];
    try {
      lint = await lintMigration(database, m, forLint);
    } catch (error) {
      lint = [
        {
          rule: 'lint-error',
          file: m.fileName,
          line: 0,
          message: `lint could not run: ${(error as Error).message}`,
          why: 'reported so it is not mistaken for a clean result',
        },
      ];
    }
    migrations.push({
      ...migrationInfo(m),
      statements,
      lint,
      rehearsed: 'statements' in outcome,
      rehearsalMs: 'ms' in outcome ? outcome.ms : undefined,
      note:
        'skipped' in outcome
          ? outcome.skipped
          : 'error' in outcome
            ? 'the rehearsal failed: `up` would roll this migration back and stop'
            : undefined,
      error: 'error' in outcome ? { code: outcome.error.code, message: outcome.error.message, details: outcome.error.details } : undefined,
    });
  }
  return { method, ok: outcomes.every((o) => !('error' in o)), ms, migrations };
}

async function rehearseInTransaction(
  database: BotledgerDatabase,
  pending: readonly Migration[],
  options: RehearsalOptions,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  await onConnection(
    database,
    true,
    async (db) => {
      for (const statement of MIGRATION_SQL[database.dialect].rehearsal) await exec(db, statement);
      for (const m of pending) {
        if (!m.config.transaction) {
          outcomes.push({
            skipped: 'not rehearsed: it runs without a transaction (-- migrate:no-transaction), so it cannot be rolled back',
          });
          continue;
        }
        const started = performance.now();
        try {
          const run = await runUp(db, database, m, { ...options, backupPath: null, measure: true, record: false }, true);
          outcomes.push({ statements: [...run.statements], ms: performance.now() - started });
        } catch (error) {
          outcomes.push({ error: describeFailure(m, 'up', error, true) });
          return; // the transaction is aborted; what follows cannot be rehearsed
        }
      }
    },
    'rollback',
  );
  return outcomes;
}

function writable(folder: string): boolean {
  try {
    accessSync(folder, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

async function rehearseOnCopy(database: BotledgerDatabase, pending: readonly Migration[], options: RehearsalOptions): Promise<Outcome[]> {
  // Next to the database rather than in /tmp: same file system, so a copy of a large file fits where the file fits.
  // A database in a folder this user cannot write (read-only, opened by a reading command) is rehearsed in /tmp.
  const folder = database.target.dialect === 'sqlite' && writable(dirname(database.target.path)) ? dirname(database.target.path) : tmpdir();
  const copyPath = join(folder, `.botledger-plan-${process.pid}-${Date.now()}.db`);
  const outcomes: Outcome[] = [];
  try {
    await database.sqlite!.backup(copyPath);
    // The rehearsal runs in the journal mode the real run will use: the copy's, which is the database's.
    const copy = await openDatabase(`sqlite:${copyPath}`, { journalMode: 'keep' });
    try {
      for (const m of pending) {
        const started = performance.now();
        try {
          const run = await applyMigration(copy, m, { ...options, backupPath: null, measure: true, record: false });
          outcomes.push({ statements: [...run.statements], ms: performance.now() - started });
        } catch (error) {
          outcomes.push({ error: error instanceof MigrateError ? error : describeFailure(m, 'up', error, true) });
          break;
        }
      }
    } finally {
      await copy.close();
    }
  } finally {
    for (const suffix of ['', '-wal', '-shm', '-journal']) rmSync(copyPath + suffix, { force: true });
  }
  return outcomes;
}

/**
 * Re-runs the verify steps of applied migrations in one transaction that is rolled back. A
 * savepoint per migration turns a broken query into a failed check without stopping the others
 * (PostgreSQL aborts the whole transaction otherwise).
 *
 * @example
 * const checked = await reverifyApplied(database, appliedMigrations);
 * checked.filter((c) => !c.ok);
 */
export async function reverifyApplied(
  database: BotledgerDatabase,
  migrations: readonly Migration[],
): Promise<VerifyReport['checked'][number][]> {
  const checked: VerifyReport['checked'][number][] = [];
  await onConnection(
    database,
    true,
    async (db) => {
      for (const m of migrations) {
        const { context } = createMigrationContext(db, database, m, { progress: false });
        await exec(db, 'savepoint botledger_verify');
        try {
          const failures = await runVerifySteps(db, m, context);
          checked.push({ version: m.version, fileName: m.fileName, ok: failures.length === 0, failures });
          await exec(db, 'release savepoint botledger_verify');
        } catch (error) {
          const message = `verify query failed: ${(error as Error).message}`;
          checked.push({ version: m.version, fileName: m.fileName, ok: false, failures: [{ kind: 'verify-query', rows: [], message }] });
          await exec(db, 'rollback to savepoint botledger_verify');
          await exec(db, 'release savepoint botledger_verify');
        }
      }
    },
    'rollback',
  );
  return checked;
}
