/**
 * Runs ONE migration safely: on a single connection (so PRAGMAs and the transaction share it), in
 * its own transaction, with the row-count guard, the verify queries, the SQLite foreign-key check
 * and the tracking row all inside that transaction. Any failure rolls everything back, so the
 * database is exactly as it was before this migration, and throws MigrationFailedError saying
 * which statement, on which line, failed and why.
 */
import { type Kysely, sql } from 'kysely';
import type { BotledgerDatabase, DialectName } from '../../storage/database.ts';
import { createMigrationContext } from '../context/context.ts';
import { MigrateError, MigrationFailedError, MigrationInputError } from '../errors.ts';
import type { AppliedMigration, Migration, MigrationContext, MigrationStep, SqlStatement } from '../migration.ts';
import { readAppliedMigrations, recordApplied, removeApplied } from '../tracking/tracking.ts';
import { countRowsAfter, countRowsBefore } from '../verify/row-counts.ts';
import { compareRowCounts, runVerifySteps, type VerifyFailure } from '../verify/verify.ts';

/**
 * The few statements that differ between dialects, written down once. SQLite takes the write lock
 * up front (IMMEDIATE) so a bot's write cannot slip in between our reads and writes; PostgreSQL
 * uses REPEATABLE READ so the before/after row counts see only the migration's own changes.
 * `client_connection_check_interval` (PostgreSQL 14+) makes the server stop a killed migrator's
 * statement promptly instead of running it to the end while holding its locks.
 */
export const MIGRATION_SQL: Record<
  DialectName,
  { readonly begin: string; readonly session: readonly string[]; readonly rehearsal: readonly string[] }
> = {
  sqlite: { begin: 'begin immediate', session: [], rehearsal: [] },
  postgres: {
    begin: 'begin isolation level repeatable read',
    session: ["set client_connection_check_interval = '1s'"],
    // A rehearsal runs on the live database: it must not queue behind a bot's long transaction
    // while holding locks that make every other query queue behind it.
    rehearsal: ["set local lock_timeout = '5s'"],
  },
};

/** What one statement did (rows for DML; the table's size for DDL, when plan measures it). */
export interface StatementReport {
  readonly sql: string;
  readonly line: number;
  readonly ms: number;
  /** Rows inserted, updated or deleted (DML). */
  readonly rowsAffected?: number;
  /** The table a DDL statement works on, and its row count at that moment. */
  readonly table?: string;
  readonly tableRows?: number;
}

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

/** Which statement failed, carried from the runner to the error message. */
class StatementFailure extends Error {
  constructor(
    readonly statement: SqlStatement | undefined,
    override readonly cause: unknown,
  ) {
    super((cause as Error)?.message ?? String(cause));
  }
}

const now = (): number => performance.now();

/** Executes one raw statement. */
export async function exec(db: Kysely<any>, query: string): Promise<{ rows: unknown[]; numAffectedRows?: bigint }> {
  return sql.raw(query).execute(db);
}

const DML = /^\s*(?:insert\s+into|update|delete\s+from|merge\s+into)\s+(?:only\s+)?([\w."$]+)/i;
const DDL_TABLE = [
  /^\s*alter\s+table\s+(?:if\s+exists\s+)?(?:only\s+)?([\w."$]+)/i,
  /^\s*create\s+(?:unique\s+)?index\s+(?:concurrently\s+)?(?:if\s+not\s+exists\s+)?(?:[\w."$]+\s+)?on\s+(?:only\s+)?([\w."$]+)/i,
  /^\s*drop\s+table\s+(?:if\s+exists\s+)?([\w."$]+)/i,
];

/**
 * The table a statement works on and whether it changes rows (DML) or structure (DDL).
 *
 * @example
 * statementTarget('alter table orders add reason text'); // { kind: 'ddl', table: 'orders' }
 */
export function statementTarget(query: string): { kind: 'dml' | 'ddl' | 'other'; table?: string } {
  const dml = DML.exec(query);
  if (dml) return { kind: 'dml', table: dml[1] };
  if (/^\s*with\b/i.test(query) && /\b(insert|update|delete)\b/i.test(query)) return { kind: 'dml' };
  for (const pattern of DDL_TABLE) {
    const match = pattern.exec(query);
    if (match) return { kind: 'ddl', table: match[1] };
  }
  return { kind: 'other' };
}

/** Counts a table's rows inside a savepoint, so a missing table does not abort a PostgreSQL transaction. */
async function tableRowCount(db: Kysely<any>, table: string): Promise<number | undefined> {
  await exec(db, 'savepoint botledger_count');
  try {
    const result = await sql<{ n: string | number }>`select count(*) as n from ${sql.raw(table)}`.execute(db);
    await exec(db, 'release savepoint botledger_count');
    return Number(result.rows[0].n);
  } catch {
    await exec(db, 'rollback to savepoint botledger_count');
    await exec(db, 'release savepoint botledger_count');
    return undefined;
  }
}

/**
 * Runs one direction of a migration on `db`. For `.ts` migrations the SQL they run is captured
 * through `database.queryObserver` (plan shows it; errors name the failing query).
 */
export async function runStep(
  db: Kysely<any>,
  database: BotledgerDatabase,
  step: MigrationStep,
  context: MigrationContext,
  options: { measure?: boolean; inTransaction: boolean },
): Promise<StatementReport[]> {
  const reports: StatementReport[] = [];
  if (step.kind === 'sql') {
    for (const statement of step.statements) {
      const target = options.measure ? statementTarget(statement.sql) : { kind: 'other' as const };
      const tableRows =
        options.measure && options.inTransaction && target.kind === 'ddl' && target.table
          ? await tableRowCount(db, target.table)
          : undefined;
      const start = now();
      let result: Awaited<ReturnType<typeof exec>>;
      try {
        result = await exec(db, statement.sql);
      } catch (error) {
        throw new StatementFailure(statement, error);
      }
      reports.push({
        sql: statement.sql,
        line: statement.line,
        ms: now() - start,
        rowsAffected: target.kind === 'dml' && result.numAffectedRows !== undefined ? Number(result.numAffectedRows) : undefined,
        table: target.table,
        tableRows,
      });
    }
    return reports;
  }
  const previous = database.queryObserver;
  let failed: SqlStatement | undefined;
  database.queryObserver = (event) => {
    previous?.(event);
    if (event.error) failed = { sql: event.sql, line: 0 };
    else
      reports.push({
        sql: event.sql,
        line: 0,
        ms: event.durationMs,
        rowsAffected: statementTarget(event.sql).kind === 'dml' ? event.rowsAffected : undefined,
      });
  };
  try {
    await step.run(options.inTransaction ? guardNestedTransactions(db) : db, context);
  } catch (error) {
    throw error instanceof MigrateError ? error : new StatementFailure(failed, error);
  } finally {
    database.queryObserver = previous;
  }
  return reports;
}

/**
 * The Kysely a transactional `.ts` migration receives: the migration's own connection, already in
 * its transaction, where a nested `db.transaction()` would commit the migration half-way (PostgreSQL)
 * or fail obscurely (SQLite). Refuse it with a message that says what to do instead.
 */
function guardNestedTransactions(db: Kysely<any>): Kysely<any> {
  return new Proxy(db, {
    get(targetDb, property) {
      if (property === 'transaction' || property === 'startTransaction') {
        return () => {
          throw new MigrationInputError(
            'NESTED_TRANSACTION',
            'a migration already runs in its own transaction: use `db` directly, or set `config = { transaction: false }` to manage transactions yourself',
          );
        };
      }
      // Kysely keeps its state in #private fields, so getters and methods must see the real object.
      const value = Reflect.get(targetDb, property, targetDb);
      return typeof value === 'function' ? value.bind(targetDb) : value;
    },
  });
}

/** Runs `body` on one connection, inside a transaction when `transactional`, with SQLite foreign keys off around it. */
export async function onConnection<T>(
  database: BotledgerDatabase,
  transactional: boolean,
  body: (db: Kysely<any>) => Promise<T>,
  finish: 'commit' | 'rollback' = 'commit',
): Promise<T> {
  const dialectSql = MIGRATION_SQL[database.dialect];
  return database.db.connection().execute(async (db) => {
    for (const statement of dialectSql.session) await exec(db, statement).catch(() => {});
    // PRAGMA foreign_keys is a no-op inside a transaction, so it is switched before BEGIN; the
    // foreign_key_check before COMMIT is what keeps the data consistent.
    const pragma = database.capabilities.pragmaForeignKeys && transactional;
    if (pragma) await exec(db, 'pragma foreign_keys = off');
    try {
      if (!transactional) return await body(db);
      await exec(db, dialectSql.begin);
      try {
        const result = await body(db);
        await exec(db, finish);
        return result;
      } catch (error) {
        await exec(db, 'rollback').catch(() => {});
        throw error;
      }
    } finally {
      if (pragma) await exec(db, 'pragma foreign_keys = on');
    }
  });
}

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
 * Turns whatever a migration threw into the MigrationFailedError the user sees: file, line,
 * statement, database message, and whether it was rolled back.
 */
export function describeFailure(migration: Migration, direction: 'up' | 'down', error: unknown, rolledBack: boolean): MigrateError {
  if (error instanceof MigrationInputError) {
    const rolled = rolledBack ? '; it was rolled back' : '';
    return new MigrationInputError(error.code, `${migration.fileName}: ${error.message}${rolled}`, {
      ...error.details,
      file: migration.fileName,
      rolledBack,
    });
  }
  if (error instanceof MigrateError && !(error instanceof VerifyError)) return error;
  const undone = rolledBack
    ? 'it was rolled back: the database is exactly as before this migration'
    : 'it runs without a transaction (-- migrate:no-transaction), so the statements before the failing one stay applied; restore the backup or fix forward';
  if (error instanceof VerifyError) {
    return new MigrationFailedError(
      error.code,
      `migration ${migration.fileName} failed verification and ${undone}:\n  ${error.failures.map((f) => f.message).join('\n  ')}`,
      { version: migration.version, file: migration.fileName, direction, failures: error.failures, rolledBack },
    );
  }
  const failure = error instanceof StatementFailure ? error : new StatementFailure(undefined, error);
  const where = failure.statement?.line ? ` at line ${failure.statement.line}` : '';
  const statement = failure.statement ? `\n  statement: ${failure.statement.sql}` : '';
  return new MigrationFailedError(
    'STATEMENT_FAILED',
    `migration ${migration.fileName} (${direction}) failed${where}: ${failure.message}; ${undone}${statement}`,
    {
      version: migration.version,
      file: migration.fileName,
      direction,
      line: failure.statement?.line || undefined,
      statement: failure.statement?.sql,
      error: failure.message,
      rolledBack,
    },
  );
}

class VerifyError extends MigrateError {
  constructor(
    code: string,
    readonly failures: VerifyFailure[],
  ) {
    super(code, failures.map((f) => f.message).join('\n'), 1);
  }
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
      ...compareRowCounts(before.counts, await countRowsAfter(database, db, options.trackingTable, before), migration.config.allowRowChange),
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
