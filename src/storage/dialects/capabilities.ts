/**
 * What a database dialect can do. Repositories and the migration engine branch on these flags,
 * never on the dialect's name, so that a difference between SQLite and PostgreSQL is written
 * down in exactly one place (docs/architecture.md, decision 8).
 */
export interface DialectCapabilities {
  /** Session-level advisory locks (`pg_advisory_lock`). Without them a lock file is used. */
  readonly advisoryLocks: boolean;
  /** `CREATE INDEX CONCURRENTLY`, which must run outside a transaction. */
  readonly concurrentIndexes: boolean;
  /** `ALTER TABLE ... ALTER COLUMN ... TYPE`; SQLite has to rebuild the table instead. */
  readonly alterColumnType: boolean;
  /** Named schemas (`monitoring.positions`); SQLite has only `main` and attached files. */
  readonly namedSchemas: boolean;
  /** Foreign keys are switched per connection and must be checked with `PRAGMA foreign_key_check`. */
  readonly pragmaForeignKeys: boolean;
  /** Column type for exact money amounts: NUMERIC(38,18) where the server has it, TEXT otherwise. */
  readonly moneyType: string;
  /** Column type for structured JSON. */
  readonly jsonType: string;
  /** Column type for instants. SQLite stores ISO-8601 text, which sorts correctly. */
  readonly timestampType: string;
  /** Column type for an auto-incrementing 64-bit primary key. */
  readonly autoIdType: string;
  /**
   * `SELECT ... FOR UPDATE` takes row locks that keep other writers off the rows a transaction is
   * about to change. Without them (SQLite), `BEGIN IMMEDIATE` already keeps every other writer out.
   */
  readonly rowLocks: boolean;
  /**
   * One writer per database at a time (SQLite): a write transaction starts with `BEGIN IMMEDIATE`
   * on the one connection, and writers of this process take turns per file instead of
   * busy-waiting on the only thread.
   */
  readonly singleWriter: boolean;
  /** Placeholder syntax for raw parameterised SQL: `$1` or `?`. */
  placeholder(index: number): string;
}
