/**
 * The checks run after a migration's statements and before its commit: the migration's own verify
 * queries (each must return zero rows), the checks its context collected (remapValues), and the
 * row-count guard (every table that existed before keeps its row count unless allowed).
 */
import { type Kysely, sql } from 'kysely';
import type { BotledgerDatabase } from '../../storage/database.ts';
import { BACKFILL_PROGRESS_TABLE } from '../context/data-helpers.ts';
import type { Migration, MigrationContext, VerifyRow } from '../migration.ts';

/** How many returned rows a verification failure shows. */
export const VERIFY_ROWS_SHOWN = 5;

/** Row counts by table name (schema-qualified on PostgreSQL, bare on SQLite). */
export type RowCounts = Map<string, number>;

/** One failed verification. */
export interface VerifyFailure {
  /** `verify query`, `verify function`, `context check` or `row count`. */
  readonly kind: 'verify-query' | 'verify-function' | 'context-check' | 'row-count';
  readonly sql?: string;
  readonly line?: number;
  readonly rows: readonly VerifyRow[];
  readonly message: string;
}

/**
 * Tables whose counts are not guarded: the tracking table (it gains a row by design) and the
 * backfill progress table (it changes while a backfill runs).
 */
function isEngineTable(name: string, trackingTable: string): boolean {
  const parts = name.toLowerCase().split('.');
  const bare = parts.at(-1)!;
  if (bare === BACKFILL_PROGRESS_TABLE) return true;
  const tracking = trackingTable.toLowerCase();
  // An unqualified tracking table lives in the default schema; a user's own `monitoring.schema_migrations` is theirs and is guarded.
  if (tracking.includes('.')) return parts.join('.') === tracking;
  return bare === tracking && (parts.length === 1 || parts[0] === 'public');
}

/**
 * The user tables of the database: PostgreSQL, every schema but the system ones, schema-qualified;
 * SQLite, the tables of `main` except its internal ones.
 *
 * @example
 * await listUserTables(database, conn, 'schema_migrations'); // ['public.orders', 'monitoring.positions']
 */
export async function listUserTables(
  database: Pick<BotledgerDatabase, 'capabilities'>,
  db: Kysely<any>,
  trackingTable: string,
): Promise<string[]> {
  let names: string[];
  if (database.capabilities.namedSchemas) {
    const result = await sql<{ name: string }>`
      select table_schema || '.' || table_name as name from information_schema.tables
      where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')
        and table_schema not like 'pg\\_toast%' and table_schema not like 'pg\\_temp%'
      order by 1`.execute(db);
    names = result.rows.map((row) => row.name);
  } else {
    const result = await sql<{ name: string }>`
      select name from sqlite_master where type = 'table' and name not like 'sqlite\\_%' escape '\\' order by name`.execute(db);
    names = result.rows.map((row) => row.name);
  }
  return names.filter((name) => !isEngineTable(name, trackingTable));
}

function quoteQualified(name: string): string {
  return name
    .split('.')
    .map((part) => `"${part.replaceAll('"', '""')}"`)
    .join('.');
}

/**
 * Counts the rows of the given tables (or of every user table).
 *
 * @example
 * const before = await countRows(database, conn, 'schema_migrations');
 */
export async function countRows(
  database: Pick<BotledgerDatabase, 'capabilities'>,
  db: Kysely<any>,
  trackingTable: string,
  tables?: readonly string[],
): Promise<RowCounts> {
  const names = tables ?? (await listUserTables(database, db, trackingTable));
  const counts: RowCounts = new Map(names.map((name) => [name, 0]));
  if (names.length === 0) return counts;
  // One statement for every table: one round trip, and PostgreSQL may count several tables at
  // once (Parallel Append). Each count is still an exact count(*) in the transaction's snapshot.
  const query = names
    .map((name, index) => `select ${index} as i, count(*) as n from ${quoteQualified(name)}`)
    .join('\nunion all\n');
  const result = await sql.raw<{ i: string | number; n: string | number }>(query).execute(db);
  for (const row of result.rows) counts.set(names[Number(row.i)], Number(row.n));
  return counts;
}

/** True when `table` (bare or schema-qualified) is listed in allow-row-change (case-insensitive). */
export function isRowChangeAllowed(table: string, allowed: readonly string[]): boolean {
  const full = table.toLowerCase();
  const bare = full.split('.').pop()!;
  return allowed.some((entry) => {
    const e = entry.toLowerCase();
    return e === full || e === bare || (e.includes('.') === false && e === bare);
  });
}

/**
 * Compares row counts taken before and after a migration. A table that vanished or whose count
 * changed is a failure unless allowed.
 *
 * @example
 * compareRowCounts(before, after, ['orders']); // [] when nothing else changed
 */
export function compareRowCounts(before: RowCounts, after: RowCounts, allowed: readonly string[]): VerifyFailure[] {
  const failures: VerifyFailure[] = [];
  for (const [table, count] of before) {
    if (isRowChangeAllowed(table, allowed)) continue;
    const now = after.get(table);
    if (now === undefined) {
      failures.push({
        kind: 'row-count',
        rows: [{ table, before: count, after: null }],
        message: `table ${table} (${count} rows) no longer exists; if that is intended, add "-- migrate:allow-row-change ${table}"`,
      });
    } else if (now !== count) {
      failures.push({
        kind: 'row-count',
        rows: [{ table, before: count, after: now }],
        message: `table ${table} had ${count} rows before the migration and ${now} after; if that is intended, add "-- migrate:allow-row-change ${table}"`,
      });
    }
  }
  return failures;
}

async function runQuery(db: Kysely<any>, query: string): Promise<VerifyRow[]> {
  const result = await sql.raw<VerifyRow>(query).execute(db);
  return result.rows as VerifyRow[];
}

function describeRows(rows: readonly VerifyRow[]): string {
  const shown = rows.slice(0, VERIFY_ROWS_SHOWN).map((row) => JSON.stringify(row, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
  const more = rows.length > VERIFY_ROWS_SHOWN ? ` (and ${rows.length - VERIFY_ROWS_SHOWN} more)` : '';
  return shown.join('; ') + more;
}

/**
 * Runs a migration's verify steps and the context's collected checks; returns the failures (an
 * empty array means verified). A query that errors is reported as a failure too.
 *
 * @example
 * const failures = await runVerifySteps(conn, migration, context, verifySql);
 */
export async function runVerifySteps(
  db: Kysely<any>,
  migration: Migration,
  context: MigrationContext,
  contextChecks: readonly string[] = [],
): Promise<VerifyFailure[]> {
  const failures: VerifyFailure[] = [];
  const checks = [
    ...migration.verify,
    ...contextChecks.map((query) => ({ kind: 'context' as const, sql: query, line: undefined as number | undefined })),
  ];
  for (const step of checks) {
    if (step.kind === 'function') {
      const rows = ((await step.run(db, context)) ?? []) as VerifyRow[];
      if (rows.length > 0) {
        failures.push({
          kind: 'verify-function',
          rows,
          message: `the verify function returned ${rows.length} row(s): ${describeRows(rows)}`,
        });
      }
      continue;
    }
    const rows = await runQuery(db, step.sql);
    if (rows.length > 0) {
      const where = step.line ? ` (line ${step.line})` : '';
      failures.push({
        kind: step.kind === 'context' ? 'context-check' : 'verify-query',
        sql: step.sql,
        line: step.line,
        rows: rows.slice(0, VERIFY_ROWS_SHOWN),
        message: `verify query${where} returned ${rows.length} row(s), expected none: ${step.sql}\n  rows: ${describeRows(rows)}`,
      });
    }
  }
  return failures;
}
