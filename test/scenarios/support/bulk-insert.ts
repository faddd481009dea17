/**
 * Fast bulk loading for the scenario generators. SQLite: one transaction around a prepared
 * statement on the raw handle. PostgreSQL: one `INSERT ... SELECT * FROM unnest($1::t[], ...)` per
 * batch of rows (a handful of array parameters instead of thousands of scalars), all in one
 * transaction, so a million rows load in seconds on both dialects.
 */
import type { BotledgerDatabase } from '../../../src/storage/database.ts';

/** A column of a bulk insert and its PostgreSQL array element type (SQLite needs no type). */
export interface BulkColumn {
  readonly name: string;
  readonly pgType: 'text' | 'int' | 'bigint' | 'numeric' | 'timestamp' | 'timestamptz' | 'boolean' | 'jsonb' | 'double precision';
}

/** Rows per PostgreSQL statement. */
export const PG_BULK_BATCH = 10_000;

export type BulkValue = string | number | boolean | null;

/**
 * Inserts `count` rows produced by `row(i)` (0-based) into `table`.
 *
 * @example
 * await bulkInsert(database, 'orders', [{ name: 'symbol', pgType: 'text' }], 1000, (i) => [`SYM${i}`]);
 */
export async function bulkInsert(
  database: BotledgerDatabase,
  table: string,
  columns: readonly BulkColumn[],
  count: number,
  row: (i: number) => readonly BulkValue[],
): Promise<void> {
  const names = columns.map((c) => c.name).join(', ');
  if (database.sqlite) {
    const raw = database.sqlite;
    const insert = raw.prepare(`INSERT INTO ${table} (${names}) VALUES (${columns.map(() => '?').join(', ')})`);
    raw.transaction(() => {
      for (let i = 0; i < count; i++) {
        insert.run(row(i).map((v) => (typeof v === 'boolean' ? (v ? 1 : 0) : v)));
      }
    })();
    return;
  }
  const pool = database.pool;
  if (!pool) throw new Error(`bulkInsert(${table}): the database has neither a SQLite handle nor a PostgreSQL pool`);
  const sqlText = `INSERT INTO ${table} (${names}) SELECT * FROM unnest(${columns.map((c, i) => `$${i + 1}::${c.pgType}[]`).join(', ')})`;
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    for (let start = 0; start < count; start += PG_BULK_BATCH) {
      const end = Math.min(count, start + PG_BULK_BATCH);
      const arrays: BulkValue[][] = columns.map(() => []);
      for (let i = start; i < end; i++) {
        const values = row(i);
        for (let c = 0; c < columns.length; c++) arrays[c].push(values[c]);
      }
      await client.query(sqlText, arrays);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

/**
 * Runs a SQL script of several statements (a legacy schema file). SQLite: `exec`; PostgreSQL: one
 * simple-protocol query, which accepts many statements.
 *
 * @example
 * await runScript(database, readFileSync('legacy-schema.sql', 'utf8'));
 */
export async function runScript(database: BotledgerDatabase, script: string): Promise<void> {
  if (database.sqlite) {
    database.sqlite.exec(script);
    return;
  }
  if (!database.pool) throw new Error('runScript: no SQLite handle and no PostgreSQL pool');
  await database.pool.query(script);
}
