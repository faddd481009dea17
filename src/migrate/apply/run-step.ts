/**
 * Runs the statements of one direction of a migration and reports what each did: a SQL file's
 * statements one by one, or a `.ts` migration's function with the SQL it runs captured. A failing
 * statement is carried to the error message (failure.ts).
 */
import { type Kysely, sql } from 'kysely';
import type { BotledgerDatabase } from '../../storage/database.ts';
import { MigrateError, MigrationInputError } from '../errors.ts';
import type { MigrationContext, MigrationStep, SqlStatement } from '../migration.ts';
import { exec } from './connection.ts';
import { StatementFailure } from './failure.ts';

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
      const start = performance.now();
      let result: Awaited<ReturnType<typeof exec>>;
      try {
        result = await exec(db, statement.sql);
      } catch (error) {
        throw new StatementFailure(statement, error);
      }
      reports.push({
        sql: statement.sql,
        line: statement.line,
        ms: performance.now() - start,
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
