/**
 * Runs ONE migration safely: on a single connection (so PRAGMAs and the transaction share it), in
 * its own transaction, with the row-count guard, the verify queries, the SQLite foreign-key check
 * and the tracking row all inside that transaction. Any failure rolls everything back, so the
 * database is exactly as it was before this migration, and throws MigrationFailedError saying
 * which statement, on which line, failed and why.
 */
import type { Kysely } from 'kysely';
import type { BotledgerDatabase } from '../../storage/database.ts';
import { createMigrationContext } from '../context/context.ts';
import type { AppliedMigration, Migration } from '../migration.ts';
import { readAppliedMigrations, recordApplied, removeApplied } from '../tracking/tracking.ts';
import { countRowsAfter, countRowsBefore } from '../verify/row-counts.ts';
import { compareRowCounts, runVerifySteps, type VerifyFailure } from '../verify/verify.ts';
import { exec, onConnection } from './connection.ts';
import { describeFailure, VerifyError } from './failure.ts';
import { runStep, type StatementReport } from './run-step.ts';

export interface ApplyOptions {
  readonly trackingTable: string;
  readonly appliedBy: string;
  readonly backupPath: string | null;
  /** Plan only: measure the rows each statement touches (costs a count per DDL statement). */
  readonly measure?: boolean;
  /** Plan only: run everything but do not record (the plan's transaction is rolled back anyway). */
  readonly record?: boolean;
  /** Allow the backfill progress bar. */
  readonly progress?: boolean;
  /**
   * Awaited before COMMIT (before anything runs, without a transaction): the engine passes the
   * backup's deferred integrity check, so no change is committed on an unchecked backup.
   */
  readonly beforeCommit?: () => Promise<void>;
}

export interface ApplyResult {
  readonly version: string;
  readonly name: string;
  readonly fileName: string;
  readonly source: string;
  readonly direction: 'up' | 'down';
  readonly statements: readonly StatementReport[];
  readonly sqlMs: number;
  readonly verifyMs: number;
  readonly recordMs: number;
  /** Time spent waiting for `beforeCommit` (the backup's integrity check) after the work was done. */
  readonly waitMs?: number;
  readonly totalMs: number;
}

const now = (): number => performance.now();

async function foreignKeyFailures(database: BotledgerDatabase, db: Kysely<any>): Promise<VerifyFailure[]> {
  if (!database.capabilities.pragmaForeignKeys) return [];
  const result = await exec(db, 'pragma foreign_key_check');
  const rows = result.rows as Record<string, unknown>[];
  if (rows.length === 0) return [];
  const shown = rows.slice(0, 5).map((r) => `${r.table} rowid ${r.rowid} -> ${r.parent}`);
  return [
    {
      kind: 'row-count',
      rows,
      message: `PRAGMA foreign_key_check found ${rows.length} row(s) pointing at missing parents: ${shown.join('; ')}`,
    },
  ];
}

/**
 * Applies one migration: counts rows, runs `up`, verifies, records, commits; or rolls back and
 * throws MigrationFailedError.
 *
 * @example
 * const result = await applyMigration(database, migration, { trackingTable: 'schema_migrations', appliedBy: 'me@host', backupPath });
 * result.sqlMs; // time spent in the migration's own statements
 */
export async function applyMigration(database: BotledgerDatabase, migration: Migration, options: ApplyOptions): Promise<ApplyResult> {
  const transactional = migration.config.transaction;
  const started = now();
  try {
    let waitMs = transactional ? 0 : await timed(options.beforeCommit);
    const timings = await onConnection(database, transactional, async (db) => {
      const result = await runUp(db, database, migration, options, transactional);
      if (transactional) waitMs = await timed(options.beforeCommit);
      return result;
    });
    return { ...identity(migration), direction: 'up', ...timings, waitMs, totalMs: now() - started };
  } catch (error) {
    throw describeFailure(migration, 'up', error, transactional);
  }
}

/**
 * The inside of {@link applyMigration}, for a caller that already holds the connection and the
 * transaction (plan's rehearsal runs every pending migration in one transaction it rolls back).
 * Throws the raw failure; wrap it with {@link describeFailure}.
 */
export async function runUp(
  db: Kysely<any>,
  database: BotledgerDatabase,
  migration: Migration,
  options: ApplyOptions,
  transactional: boolean,
): Promise<Pick<ApplyResult, 'statements' | 'sqlMs' | 'verifyMs' | 'recordMs'>> {
  const started = now();
  const { context, verifySql } = createMigrationContext(db, database, migration, { progress: options.progress ?? false });
  let mark = now();
  const before = transactional ? await countRowsBefore(database, db, options.trackingTable) : undefined;
  let verifyMs = now() - mark;
  mark = now();
  const statements = await runStep(db, database, migration.up, context, { measure: options.measure, inTransaction: transactional });
  const sqlMs = now() - mark;
  mark = now();
  const failures = [...(await foreignKeyFailures(database, db)), ...(await runVerifySteps(db, migration, context, verifySql))];
  if (before)
    failures.push(
      ...compareRowCounts(
        before.counts,
        await countRowsAfter(database, db, options.trackingTable, before),
        migration.config.allowRowChange,
      ),
    );
  verifyMs += now() - mark;
  if (failures.length > 0) {
    const code = failures.some((f) => f.kind.startsWith('verify') || f.kind === 'context-check') ? 'VERIFY_FAILED' : 'ROW_CHECK_FAILED';
    throw new VerifyError(code, failures);
  }
  if (options.record === false) return { statements, sqlMs, verifyMs, recordMs: 0 };
  mark = now();
  const row: AppliedMigration = {
    version: migration.version,
    name: migration.name,
    source: migration.source,
    checksum: migration.checksum,
    appliedAt: new Date().toISOString(),
    durationMs: now() - started,
    backupPath: options.backupPath,
    appliedBy: options.appliedBy,
  };
  await recordApplied(db, row, options.trackingTable);
  return { statements, sqlMs, verifyMs, recordMs: now() - mark };
}

/** Awaits `wait` (if any) and returns how long that took, in ms. */
async function timed(wait: (() => Promise<void>) | undefined): Promise<number> {
  if (!wait) return 0;
  const mark = now();
  await wait();
  return now() - mark;
}

function identity(migration: Migration): Pick<ApplyResult, 'version' | 'name' | 'fileName' | 'source'> {
  return { version: migration.version, name: migration.name, fileName: migration.fileName, source: migration.source };
}

/**
 * Reverts one applied migration: runs its `down` and removes its tracking row in one transaction,
 * then checks the tracking table no longer lists it. The caller has checked it has a down.
 *
 * @example
 * await revertMigration(database, migration, { trackingTable: 'schema_migrations', appliedBy: 'me@host', backupPath: null });
 */
export async function revertMigration(database: BotledgerDatabase, migration: Migration, options: ApplyOptions): Promise<ApplyResult> {
  if (!migration.down) throw new Error(`${migration.fileName} has no down`);
  const down = migration.down;
  const transactional = migration.config.transaction;
  const started = now();
  let sqlMs = 0;
  let verifyMs = 0;
  let recordMs = 0;
  let statements: StatementReport[] = [];
  let waitMs = 0;
  try {
    if (!transactional) waitMs = await timed(options.beforeCommit);
    await onConnection(database, transactional, async (db) => {
      const { context } = createMigrationContext(db, database, migration, { progress: options.progress ?? false });
      let mark = now();
      statements = await runStep(db, database, down, context, { inTransaction: transactional });
      sqlMs = now() - mark;
      mark = now();
      const failures = await foreignKeyFailures(database, db);
      verifyMs = now() - mark;
      if (failures.length > 0) throw new VerifyError('ROW_CHECK_FAILED', failures);
      mark = now();
      await removeApplied(db, migration.source, migration.version, options.trackingTable);
      const left = await readAppliedMigrations(db, options.trackingTable);
      if (left.some((a) => a.source === migration.source && a.version === migration.version)) {
        throw new VerifyError('TRACKING_INCONSISTENT', [
          { kind: 'row-count', rows: [], message: `the tracking table still lists ${migration.fileName} after its down ran` },
        ]);
      }
      recordMs = now() - mark;
      if (transactional) waitMs = await timed(options.beforeCommit);
    });
  } catch (error) {
    throw describeFailure(migration, 'down', error, transactional);
  }
  return { ...identity(migration), direction: 'down', statements, sqlMs, verifyMs, recordMs, waitMs, totalMs: now() - started };
}
