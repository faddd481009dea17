/**
 * What a `down` would destroy, learnt before it runs: the down is rehearsed on the real database
 * in a transaction that is always rolled back, and every table's row count is compared before and
 * after each migration's down (a dropped table loses all its rows). For SQL downs, DROP COLUMN is
 * also read with the lint's SQL parsing and the column's non-null values are counted. A down that
 * runs without a transaction cannot be rehearsed; its DROP TABLE / DROP COLUMN statements are
 * counted from the SQL instead.
 */
import type { Kysely } from 'kysely';
import type { BotledgerDatabase } from '../../storage/database.ts';
import { onConnection } from '../apply/connection.ts';
import { runStep } from '../apply/run-step.ts';
import { createMigrationContext } from '../context/context.ts';
import { LintCatalog } from '../lint/lint-catalog.ts';
import { locateOperations } from '../lint/locate-operations.ts';
import { tableLabel } from '../lint/lint-sql.ts';
import type { Migration } from '../migration.ts';
import { countRows } from './verify.ts';

/** Data one migration's down would destroy in one table. */
export interface DataLoss {
  readonly version: string;
  readonly fileName: string;
  /** `orders` on SQLite, `public.orders` on PostgreSQL. */
  readonly table: string;
  /** `table-dropped` and `rows-deleted` lose rows; `column-dropped` loses the values of one column. */
  readonly kind: 'table-dropped' | 'rows-deleted' | 'column-dropped';
  readonly column?: string;
  /** Rows lost, or for `column-dropped` the non-null values lost. */
  readonly count: number;
}

export interface DataLossForecast {
  readonly losses: DataLoss[];
  /** Rows lost over all tables (column values not included). */
  readonly rowsLost: number;
  /** A down that failed in the rehearsal: the real one would fail the same way and roll back. */
  readonly rehearsalError?: string;
}

/**
 * Rehearses the downs of `targets` (newest first, as `down` runs them) and reports what each
 * would destroy. The database does not change.
 *
 * @example
 * const { losses, rowsLost } = await forecastDataLoss(database, [latest], 'schema_migrations');
 * // [{ fileName: '0001_core_schema.ts', table: 'event_log', kind: 'table-dropped', count: 1234 }, ...]
 */
export async function forecastDataLoss(
  database: BotledgerDatabase,
  targets: readonly Migration[],
  trackingTable: string,
): Promise<DataLossForecast> {
  const losses: DataLoss[] = [];
  let rehearsalError: string | undefined;
  await onConnection(
    database,
    true,
    async (db) => {
      for (const m of targets) {
        if (!m.down) continue;
        losses.push(...(await droppedColumns(database, db, m)));
        if (!m.config.transaction) {
          losses.push(...(await droppedTablesFromSql(database, db, m)));
          continue;
        }
        const before = await countRows(database, db, trackingTable);
        try {
          const { context } = createMigrationContext(db, database, m, { progress: false });
          await runStep(db, database, m.down, context, { inTransaction: true });
        } catch (error) {
          rehearsalError = `${m.fileName}: ${(error as Error).message}`;
          return;
        }
        const after = await countRows(database, db, trackingTable);
        for (const [table, rows] of before) {
          const left = after.get(table);
          if (rows > 0 && (left === undefined || left < rows)) {
            losses.push({
              version: m.version,
              fileName: m.fileName,
              table,
              kind: left === undefined ? 'table-dropped' : 'rows-deleted',
              count: rows - (left ?? 0),
            });
          }
        }
      }
    },
    'rollback',
  );
  const rowsLost = losses.filter((l) => l.kind !== 'column-dropped').reduce((sum, l) => sum + l.count, 0);
  return { losses, rowsLost, rehearsalError };
}

function catalogOn(database: BotledgerDatabase, db: Kysely<any>): LintCatalog {
  return new LintCatalog({ db, capabilities: database.capabilities });
}

/** DROP COLUMN in a SQL down, with the column's non-null values counted. */
async function droppedColumns(database: BotledgerDatabase, db: Kysely<any>, m: Migration): Promise<DataLoss[]> {
  if (m.down?.kind !== 'sql') return [];
  const catalog = catalogOn(database, db);
  const found: DataLoss[] = [];
  for (const { op, live } of locateOperations(m.down.statements)) {
    if (op.kind !== 'drop-column' || !live) continue;
    const column = await catalog.column(live, op.column);
    if (!column) continue;
    const { values } = await catalog.aggregates(live, { values: `count(${LintCatalog.quote(column.name)})` });
    if (values > 0)
      found.push({
        version: m.version,
        fileName: m.fileName,
        table: tableLabel(live),
        kind: 'column-dropped',
        column: column.name,
        count: values,
      });
  }
  return found;
}

/** DROP TABLE in a SQL down that cannot be rehearsed (no transaction), with the table's rows counted. */
async function droppedTablesFromSql(database: BotledgerDatabase, db: Kysely<any>, m: Migration): Promise<DataLoss[]> {
  if (m.down?.kind !== 'sql') return [];
  const catalog = catalogOn(database, db);
  const found: DataLoss[] = [];
  for (const { op, live, copiedInto } of locateOperations(m.down.statements)) {
    if (op.kind !== 'drop-table' || !live || copiedInto || !(await catalog.columns(live))) continue;
    const rows = await catalog.count(live);
    if (rows > 0) found.push({ version: m.version, fileName: m.fileName, table: tableLabel(live), kind: 'table-dropped', count: rows });
  }
  return found;
}

/**
 * One line per loss, for the prompt, the plan of a down and the refusal.
 *
 * @example
 * describeDataLoss(forecast.losses); // ['0001_core_schema.ts: table event_log dropped with 1,234 rows', ...]
 */
export function describeDataLoss(losses: readonly DataLoss[]): string[] {
  const n = (count: number) => count.toLocaleString('en-US');
  return losses.map((l) => {
    if (l.kind === 'column-dropped') return `${l.fileName}: column ${l.table}.${l.column} dropped with ${n(l.count)} non-null value(s)`;
    if (l.kind === 'table-dropped') return `${l.fileName}: table ${l.table} dropped with ${n(l.count)} row(s)`;
    return `${l.fileName}: ${n(l.count)} row(s) deleted from ${l.table}`;
  });
}
