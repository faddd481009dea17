/** Helpers of the engine and CLI tests: migration files in a temp folder, and a full snapshot of a database. */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { type EngineOptions, MigrationEngine } from '../../src/migrate/engine.ts';
import { type BotledgerDatabase, openDatabase } from '../../src/storage/database.ts';

/** Writes migration files into `dir/migrations` (created), removing the ones given as null. */
export function writeMigrations(dir: string, files: Record<string, string | null>): string {
  const migrations = join(dir, 'migrations');
  mkdirSync(migrations, { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    if (text === null) rmSync(join(migrations, name), { force: true });
    else writeFileSync(join(migrations, name), text);
  }
  return migrations;
}

/** Opens a database and an engine on `dir/migrations` with backups into `dir/backups`. */
export async function openEngine(
  url: string,
  dir: string,
  options: Partial<EngineOptions> = {},
): Promise<{ database: BotledgerDatabase; engine: MigrationEngine; events: string[] }> {
  const database = await openDatabase(url);
  const events: string[] = [];
  const engine = new MigrationEngine({
    database,
    dir: join(dir, 'migrations'),
    source: 'test',
    backupDir: join(dir, 'backups'),
    lockTimeoutMs: 5_000,
    onEvent: (e) => events.push(e.type === 'migration-start' ? `${e.type} ${e.fileName}` : e.type),
    ...options,
  });
  return { database, engine, events };
}

/**
 * Everything a user could notice about a database: the schema (tables, columns, indexes,
 * triggers), every row of every table, and the tracking table. Two equal snapshots mean the
 * database did not change.
 */
export async function snapshot(database: BotledgerDatabase): Promise<unknown> {
  const db = database.db;
  let schema: unknown[];
  let tables: string[];
  if (database.capabilities.namedSchemas) {
    schema = (
      await sql`select table_schema, table_name, column_name, data_type, is_nullable, column_default from information_schema.columns
        where table_schema not in ('pg_catalog', 'information_schema') order by 1, 2, column_name`.execute(db)
    ).rows;
    schema.push(
      ...(
        await sql`select schemaname, tablename, indexname, indexdef from pg_indexes where schemaname not in ('pg_catalog') order by 1, 2, 3`.execute(
          db,
        )
      ).rows,
    );
    tables = (
      await sql<{ name: string }>`select quote_ident(table_schema) || '.' || quote_ident(table_name) as name from information_schema.tables
        where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema') order by 1`.execute(db)
    ).rows.map((r) => r.name);
  } else {
    schema = (await sql`select type, name, tbl_name, sql from sqlite_master order by type, name`.execute(db)).rows;
    tables = (
      await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name`.execute(
        db,
      )
    ).rows.map((r) => `"${r.name}"`);
  }
  const rows: Record<string, unknown[]> = {};
  for (const table of tables) rows[table] = (await sql`select * from ${sql.raw(table)} order by 1`.execute(db)).rows;
  return { schema, rows };
}

/** The SQL of a migration file with the given sections. */
export function sqlFile(up: string, options: { down?: string; verify?: string; directives?: string[] } = {}): string {
  const parts = [...(options.directives ?? []).map((d) => `-- migrate:${d}`), '-- migrate:up', up];
  if (options.down !== undefined) parts.push('-- migrate:down', options.down);
  if (options.verify !== undefined) parts.push('-- migrate:verify', options.verify);
  return `${parts.join('\n')}\n`;
}
