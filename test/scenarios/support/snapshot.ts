/**
 * Snapshots of a database for "nothing changed" and "restored exactly" assertions: the schema
 * (columns with types, indexes), and for each table its row count and a sha256 of all its rows in
 * key order. Tables of the migration engine itself (tracking, backfill progress) are left out and
 * compared on their own.
 */
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { BotledgerDatabase } from '../../../src/storage/database.ts';

export interface TableState {
  readonly rows: number;
  readonly sha256: string;
}

export interface DatabaseSnapshot {
  /** One line per column and per index, sorted. */
  readonly schema: readonly string[];
  /** `schema.table` (PostgreSQL) or `table` (SQLite) -> its rows. */
  readonly tables: Readonly<Record<string, TableState>>;
}

/** Tables that belong to the migration engine, not to the scenario's data. */
export const ENGINE_TABLES = ['schema_migrations', 'botledger_backfill_progress'];

async function schemaLines(database: BotledgerDatabase): Promise<{ lines: string[]; tables: string[] }> {
  if (database.capabilities.namedSchemas) {
    const columns = await sql<Record<string, string | null>>`
      select table_schema, table_name, column_name, data_type, character_maximum_length::text as len, is_nullable, column_default
      from information_schema.columns
      where table_schema not in ('pg_catalog', 'information_schema') and table_name <> all(${ENGINE_TABLES})
      order by table_schema, table_name, column_name`.execute(database.db);
    const indexes = await sql<Record<string, string>>`
      select schemaname, tablename, indexname, indexdef from pg_indexes
      where schemaname not in ('pg_catalog', 'information_schema') and tablename <> all(${ENGINE_TABLES})`.execute(database.db);
    const tables = await sql<{ name: string }>`
      select table_schema || '.' || table_name as name from information_schema.tables
      where table_schema not in ('pg_catalog', 'information_schema') and table_type = 'BASE TABLE' and table_name <> all(${ENGINE_TABLES})
      order by 1`.execute(database.db);
    return {
      lines: [
        ...columns.rows.map(
          (c) =>
            `column ${c.table_schema}.${c.table_name}.${c.column_name} ${c.data_type}(${c.len ?? ''}) null=${c.is_nullable} default=${c.column_default ?? ''}`,
        ),
        ...indexes.rows.map((i) => `index ${i.schemaname}.${i.indexname} ${i.indexdef}`),
      ].sort(),
      tables: tables.rows.map((t) => t.name),
    };
  }
  const objects = await sql<{ type: string; name: string; sql: string | null }>`
    select type, name, sql from sqlite_master where name not like 'sqlite_%' order by type, name`.execute(database.db);
  const rows = objects.rows.filter((o) => !ENGINE_TABLES.includes(o.name) && !ENGINE_TABLES.some((t) => o.name.includes(t)));
  return {
    lines: rows.map((o) => `${o.type} ${o.name} ${(o.sql ?? '').replace(/\s+/g, ' ')}`).sort(),
    tables: rows.filter((o) => o.type === 'table').map((o) => o.name),
  };
}

/** Row count and sha256 of every row of `table`, ordered by its first column then all columns. */
export async function tableState(database: BotledgerDatabase, table: string): Promise<TableState> {
  const { rows } = await sql.raw<Record<string, unknown>>(`select * from ${table} order by 1`).execute(database.db);
  const hash = createHash('sha256');
  for (const row of rows) {
    hash.update(JSON.stringify(row, (_key, value) => (typeof value === 'bigint' ? value.toString() : value)));
    hash.update('\n');
  }
  return { rows: rows.length, sha256: hash.digest('hex') };
}

/**
 * The schema and the rows of every user table (engine tables excluded).
 *
 * @example
 * const before = await snapshotDatabase(database);
 * // ... a migration that fails ...
 * assert.deepEqual(await snapshotDatabase(database), before);
 */
export async function snapshotDatabase(database: BotledgerDatabase): Promise<DatabaseSnapshot> {
  const { lines, tables } = await schemaLines(database);
  const states: Record<string, TableState> = {};
  for (const table of tables) states[table] = await tableState(database, table);
  return { schema: lines, tables: states };
}
