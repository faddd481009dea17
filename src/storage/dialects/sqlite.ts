import BetterSqlite3 from 'better-sqlite3';
import { SqliteDialect } from 'kysely';
import type { DialectCapabilities } from './capabilities.ts';

/** Capabilities of SQLite (3.35 or newer, as bundled with better-sqlite3 12). */
export const SQLITE_CAPABILITIES: DialectCapabilities = {
  advisoryLocks: false,
  concurrentIndexes: false,
  alterColumnType: false,
  namedSchemas: false,
  pragmaForeignKeys: true,
  moneyType: 'text',
  jsonType: 'text',
  timestampType: 'text',
  autoIdType: 'integer',
  placeholder: () => '?',
};

/** How long a writer waits for another connection's write lock before SQLITE_BUSY. */
export const SQLITE_BUSY_TIMEOUT_MS = 5_000;

/**
 * Opens a SQLite file the way botledger always does: WAL (readers never block the writer),
 * `synchronous = FULL` (a commit survives a power cut, not only a process kill), foreign keys on.
 *
 * @example
 * const raw = openSqliteFile('data/botledger.db');
 * raw.prepare('select 1 as one').get(); // { one: 1 }
 */
export function openSqliteFile(path: string, options: { readonly?: boolean } = {}): BetterSqlite3.Database {
  const raw = new BetterSqlite3(path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  raw.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  if (!options.readonly) {
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = FULL');
  }
  raw.pragma('foreign_keys = ON');
  return raw;
}

/** A Kysely dialect over an already opened better-sqlite3 handle. */
export function sqliteDialect(raw: BetterSqlite3.Database): SqliteDialect {
  return new SqliteDialect({ database: raw });
}
