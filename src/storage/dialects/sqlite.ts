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
  rowLocks: false,
  singleWriter: true,
  placeholder: () => '?',
};

/** How long a writer waits for another connection's write lock before SQLITE_BUSY. */
export const SQLITE_BUSY_TIMEOUT_MS = 5_000;

/**
 * The journal mode a SQLite file is opened with: `wal` switches it to WAL (botledger's own
 * database: readers never block the writer); `keep` leaves the mode the file has (a user's
 * database, migrated with `--dir`: a migration tool must not change it behind the user's back;
 * WAL is a persistent property of the file, and it changes how other programs must open and copy it).
 */
export type SqliteJournalMode = 'wal' | 'keep';

/**
 * Opens a SQLite file the way botledger always does: WAL unless `journalMode` is `keep` (see
 * {@link SqliteJournalMode}), `synchronous = FULL` in either mode (a commit survives a power cut,
 * not only a process kill), foreign keys on.
 *
 * @example
 * const raw = openSqliteFile('data/botledger.db');
 * raw.prepare('select 1 as one').get(); // { one: 1 }
 */
export function openSqliteFile(path: string, options: { readonly?: boolean; journalMode?: SqliteJournalMode } = {}): BetterSqlite3.Database {
  const raw = new BetterSqlite3(path, { readonly: options.readonly ?? false, fileMustExist: options.readonly ?? false });
  raw.pragma(`busy_timeout = ${SQLITE_BUSY_TIMEOUT_MS}`);
  if (!options.readonly) {
    if ((options.journalMode ?? 'wal') === 'wal') raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = FULL');
  }
  raw.pragma('foreign_keys = ON');
  return raw;
}

/** A Kysely dialect over an already opened better-sqlite3 handle. */
export function sqliteDialect(raw: BetterSqlite3.Database): SqliteDialect {
  return new SqliteDialect({ database: raw });
}
