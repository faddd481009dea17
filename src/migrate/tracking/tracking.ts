/**
 * The tracking table: one row per applied migration, keyed by (source, version). Every function
 * takes a Kysely instance (or a Transaction), so the engine can record a migration inside the
 * transaction that applies it: the row and the schema change commit together or not at all.
 */
import { type Kysely, PostgresAdapter, sql } from 'kysely';
import type { DialectCapabilities } from '../../storage/dialects/capabilities.ts';
import { POSTGRES_CAPABILITIES } from '../../storage/dialects/postgres.ts';
import { SQLITE_CAPABILITIES } from '../../storage/dialects/sqlite.ts';
import { MigrationInputError } from '../errors.ts';
import { type AppliedMigration, compareVersions } from '../migration.ts';

/** The tracking table's name unless `--table` says otherwise. */
export const DEFAULT_TRACKING_TABLE = 'schema_migrations';

/** The columns of a botledger tracking table, in creation order. */
export const TRACKING_COLUMNS = [
  'version',
  'name',
  'source',
  'checksum',
  'applied_at',
  'duration_ms',
  'backup_path',
  'applied_by',
] as const;

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** A table name split into an optional schema and the table itself, validated. */
export interface TableName {
  readonly schema: string | undefined;
  readonly table: string;
  /** `schema.table` or `table`, as Kysely parses it. */
  readonly qualified: string;
}

/**
 * Validates a tracking table name: an identifier (letters, digits, underscore), optionally
 * qualified by a schema (`monitoring.schema_migrations`). Names reach SQL as identifiers, so
 * anything else is refused rather than quoted.
 *
 * @example
 * parseTableName('monitoring.schema_migrations'); // { schema: 'monitoring', table: 'schema_migrations', ... }
 */
export function parseTableName(name: string = DEFAULT_TRACKING_TABLE): TableName {
  const parts = name.split('.');
  if (parts.length > 2 || !parts.every((part) => IDENTIFIER.test(part))) {
    throw new MigrationInputError(
      'TRACKING_TABLE_INVALID',
      `tracking table name "${name}" is not valid: use letters, digits and underscores (at most 63, not starting with a digit), optionally prefixed by a schema, like schema_migrations or monitoring.schema_migrations`,
      { table: name },
    );
  }
  const [schema, table] = parts.length === 2 ? parts : [undefined, parts[0]];
  return { schema, table, qualified: name };
}

/**
 * The capabilities of the database behind a Kysely instance. These functions receive only Kysely
 * (often a Transaction), so the adapter is the one reliable witness of the dialect.
 */
function capabilitiesOf(db: Kysely<any>): DialectCapabilities {
  return db.getExecutor().adapter instanceof PostgresAdapter ? POSTGRES_CAPABILITIES : SQLITE_CAPABILITIES;
}

/** The columns of an existing table (lower-case), or [] when it does not exist. */
async function existingColumns(db: Kysely<any>, name: TableName): Promise<string[]> {
  if (capabilitiesOf(db).namedSchemas) {
    const result = await sql<{ column_name: string }>`
      select column_name from information_schema.columns
      where table_schema = coalesce(${name.schema ?? null}::text, current_schema()) and table_name = ${name.table}
      order by ordinal_position`.execute(db);
    return result.rows.map((row) => row.column_name.toLowerCase());
  }
  const result = await sql<{ name: string }>`select name from pragma_table_info(${name.table}, ${name.schema ?? 'main'})`.execute(db);
  return result.rows.map((row) => row.name.toLowerCase());
}

function assertOurShape(columns: readonly string[], name: TableName): void {
  const missing = TRACKING_COLUMNS.filter((column) => !columns.includes(column));
  if (missing.length === 0) return;
  throw new MigrationInputError(
    'TRACKING_TABLE_FOREIGN',
    `table ${name.qualified} exists but is not a botledger tracking table (its columns: ${columns.join(', ')}; missing: ${missing.join(', ')}). ` +
      `It probably belongs to another migration tool; choose another name with --table, for example --table botledger_migrations`,
    { table: name.qualified, columns, missing },
  );
}

/**
 * Creates the tracking table if it is missing. A table of that name with another shape (Rails',
 * golang-migrate's) is refused with TRACKING_TABLE_FOREIGN, never altered.
 *
 * @example
 * await ensureTrackingTable(database.db);                                   // schema_migrations
 * await ensureTrackingTable(database.db, 'monitoring.schema_migrations');   // PostgreSQL schema
 */
export async function ensureTrackingTable(db: Kysely<any>, table: string = DEFAULT_TRACKING_TABLE): Promise<void> {
  const name = parseTableName(table);
  const columns = await existingColumns(db, name);
  if (columns.length > 0) return assertOurShape(columns, name);
  const capabilities = capabilitiesOf(db);
  if (name.schema && capabilities.namedSchemas) await db.schema.createSchema(name.schema).ifNotExists().execute();
  await db.schema
    .createTable(name.qualified)
    .ifNotExists()
    .addColumn('version', 'text', (column) => column.notNull())
    .addColumn('name', 'text', (column) => column.notNull())
    .addColumn('source', 'text', (column) => column.notNull())
    .addColumn('checksum', 'text', (column) => column.notNull())
    .addColumn('applied_at', sql.raw(capabilities.timestampType), (column) => column.notNull())
    .addColumn('duration_ms', 'integer', (column) => column.notNull())
    .addColumn('backup_path', 'text')
    .addColumn('applied_by', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint(`${name.table}_pkey`, ['source', 'version'])
    .execute();
}

interface TrackingRow {
  version: string;
  name: string;
  source: string;
  checksum: string;
  applied_at: string | Date;
  duration_ms: number | string;
  backup_path: string | null;
  applied_by: string;
}

function toIso(value: string | Date): string {
  // PostgreSQL hands back a Date (timestamptz); SQLite the ISO text we stored.
  return value instanceof Date ? value.toISOString() : new Date(value).toISOString();
}

/**
 * The applied migrations, sorted by source then numeric version; [] when the table does not exist.
 *
 * @example
 * const applied = await readAppliedMigrations(database.db);
 * applied.at(-1)?.version; // '0004'
 */
export async function readAppliedMigrations(db: Kysely<any>, table: string = DEFAULT_TRACKING_TABLE): Promise<AppliedMigration[]> {
  const name = parseTableName(table);
  const columns = await existingColumns(db, name);
  if (columns.length === 0) return [];
  assertOurShape(columns, name);
  const rows = (await db
    .selectFrom(name.qualified)
    .select([...TRACKING_COLUMNS])
    .execute()) as TrackingRow[];
  return rows
    .map((row) => ({
      version: row.version,
      name: row.name,
      source: row.source,
      checksum: row.checksum,
      appliedAt: toIso(row.applied_at),
      durationMs: Number(row.duration_ms),
      backupPath: row.backup_path,
      appliedBy: row.applied_by,
    }))
    .sort((a, b) => (a.source < b.source ? -1 : a.source > b.source ? 1 : compareVersions(a.version, b.version)));
}

/**
 * Records one applied migration. Pass the migration's transaction so the row commits with it.
 *
 * @example
 * await database.db.transaction().execute(async (trx) => {
 *   await applyUp(trx);
 *   await recordApplied(trx, { version: '0004', name: 'plugin_id', source: 'core', checksum, appliedAt: new Date().toISOString(),
 *     durationMs: 12, backupPath: backup.path, appliedBy: 'alice@host' });
 * });
 */
export async function recordApplied(db: Kysely<any>, row: AppliedMigration, table: string = DEFAULT_TRACKING_TABLE): Promise<void> {
  const name = parseTableName(table);
  await db
    .insertInto(name.qualified)
    .values({
      version: row.version,
      name: row.name,
      source: row.source,
      checksum: row.checksum,
      applied_at: new Date(row.appliedAt).toISOString(),
      duration_ms: Math.round(row.durationMs),
      backup_path: row.backupPath,
      applied_by: row.appliedBy,
    })
    .execute();
}

/**
 * Forgets one applied migration (after its `down` ran, in the same transaction).
 *
 * @example
 * await removeApplied(trx, 'core', '0004');
 */
export async function removeApplied(
  db: Kysely<any>,
  source: string,
  version: string,
  table: string = DEFAULT_TRACKING_TABLE,
): Promise<void> {
  const name = parseTableName(table);
  await db.deleteFrom(name.qualified).where('source', '=', source).where('version', '=', version).execute();
}
