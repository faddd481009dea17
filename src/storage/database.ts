import { dirname, join, resolve } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { Kysely, type KyselyPlugin, type LogEvent, type QueryId } from 'kysely';
import type pg from 'pg';
import { classifyDatabaseError, DatabaseError, type DatabaseOpenMode, DatabaseUrlError, prepareSqlitePath } from './database-errors.ts';
import type { DialectCapabilities } from './dialects/capabilities.ts';
import type { LedgerSchema } from './schema.ts';
import { POSTGRES_CAPABILITIES, postgresDialect } from './dialects/postgres.ts';
import { SQLITE_CAPABILITIES, openSqliteFile, type SqliteJournalMode, sqliteDialect } from './dialects/sqlite.ts';

export type DialectName = 'sqlite' | 'postgres';

export { DatabaseError, type DatabaseErrorCode, type DatabaseOpenMode, DatabaseUrlError } from './database-errors.ts';

/** The database used when neither `--db` nor `BOTLEDGER_DB` names one. */
export const DEFAULT_DATABASE_URL = 'sqlite:data/botledger.db';

/** Environment variable that names the database, like `--db`. */
export const DATABASE_URL_ENV = 'BOTLEDGER_DB';

/** Environment variable that names the data directory (backups, paper exchange state). */
export const DATA_DIR_ENV = 'BOTLEDGER_DATA_DIR';

/** A parsed database URL. */
export type DatabaseTarget =
  | { readonly dialect: 'sqlite'; readonly path: string }
  | { readonly dialect: 'postgres'; readonly connectionString: string };

/** One executed query, as seen by an observer (used by `migrate plan` to show the SQL a .ts migration runs). */
export interface QueryEvent {
  readonly sql: string;
  readonly parameters: readonly unknown[];
  readonly durationMs: number;
  /** Rows an INSERT, UPDATE or DELETE changed, as the driver reports them. */
  readonly rowsAffected?: number;
  readonly error?: unknown;
}

/** What a query timer hears of one query: its kind and how long it took (no SQL, no parameters). */
export interface QueryTiming {
  /** The statement's first keyword: select, insert, update, delete, or other (DDL, pragmas...). */
  readonly operation: QueryOperation;
  readonly durationMs: number;
  readonly failed: boolean;
}

export type QueryOperation = 'select' | 'insert' | 'update' | 'delete' | 'other';

export type QueryTimer = (timing: QueryTiming) => void;

/**
 * Tells the timers about one statement. A timer that throws must not fail the statement it timed
 * (the statement already ran).
 */
export function reportQuery(timers: ReadonlySet<QueryTimer>, sqlText: string, durationMs: number, failed: boolean): void {
  const timing: QueryTiming = { operation: queryOperation(sqlText), durationMs, failed };
  for (const timer of timers) {
    try {
      timer(timing);
    } catch {}
  }
}

// Leading comments (the executor marks compiled texts with one), an optional CTE, then the keyword.
const OPERATION_PATTERN = /^\s*(?:\/\*[\s\S]*?\*\/\s*)*(?:with\b[\s\S]*?\)\s*)?(select|insert|update|delete)\b/i;

/**
 * The kind of a statement, for a metric label (a bounded set, never the SQL itself).
 *
 * @example
 * queryOperation('SELECT * FROM orders'); // 'select'
 */
export function queryOperation(sqlText: string): QueryOperation {
  const match = OPERATION_PATTERN.exec(sqlText);
  return match ? (match[1].toLowerCase() as QueryOperation) : 'other';
}

/** An open botledger database: Kysely plus what the migration engine needs below Kysely. */
export interface BotledgerDatabase {
  readonly url: string;
  readonly target: DatabaseTarget;
  readonly dialect: DialectName;
  readonly capabilities: DialectCapabilities;
  /** Kysely over whatever schema the database has (the migration engine works on users' own schemas too). */
  readonly db: Kysely<any>;
  /** The same Kysely, typed by the ledger's core schema: what the repositories take. */
  readonly ledger: Kysely<LedgerSchema>;
  /** SQLite only: the raw handle, for the online backup API and pragmas. */
  readonly sqlite?: BetterSqlite3.Database;
  /** PostgreSQL only: the pool behind Kysely. */
  readonly pool?: pg.Pool;
  /** SQLite: true when this open made the file (mode `create` on a path that did not exist). */
  readonly created?: boolean;
  /** Set to see every query Kysely runs on this database. */
  queryObserver: ((event: QueryEvent) => void) | undefined;
  /**
   * Times every statement from now on (metrics): Kysely's queries (through its log) and the
   * storage executor's prepared statements, BEGIN and COMMIT included (sql/executor.ts). Returns
   * the function that stops it. With no timer the cost per statement is one size check.
   */
  addQueryTimer(timer: QueryTimer): () => void;
  /** The timers {@link BotledgerDatabase.addQueryTimer} added (the executor reports to them). */
  readonly queryTimers: ReadonlySet<QueryTimer>;
  close(): Promise<void>;
}

/**
 * Parses `sqlite:<file>` (also `sqlite://<file>` and a bare `*.db` / `*.sqlite` path) or
 * `postgres://...` / `postgresql://...`.
 *
 * @example
 * parseDatabaseUrl('sqlite:data/botledger.db'); // { dialect: 'sqlite', path: '/abs/data/botledger.db' }
 */
export function parseDatabaseUrl(url: string): DatabaseTarget {
  const trimmed = url.trim();
  if (/^postgres(ql)?:\/\//i.test(trimmed)) return { dialect: 'postgres', connectionString: trimmed };
  const sqliteMatch = /^sqlite:(\/\/)?(.+)$/i.exec(trimmed);
  if (sqliteMatch) return { dialect: 'sqlite', path: resolve(sqliteMatch[2]) };
  if (/\.(db|sqlite3?)$/i.test(trimmed) && !trimmed.includes('://')) return { dialect: 'sqlite', path: resolve(trimmed) };
  throw new DatabaseUrlError(
    `database URL "${redactUrl(url)}" is not understood: use sqlite:<file> (for example sqlite:data/botledger.db) or postgres://user@host:5432/name`,
    redactUrl(url),
  );
}

/**
 * The database URL to use: the flag, else `BOTLEDGER_DB`, else {@link DEFAULT_DATABASE_URL}.
 *
 * @example
 * resolveDatabaseUrl(options.db);
 */
export function resolveDatabaseUrl(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  return flag ?? env[DATABASE_URL_ENV] ?? DEFAULT_DATABASE_URL;
}

/**
 * Where backups and other files of a database live: `BOTLEDGER_DATA_DIR`, else the SQLite
 * file's directory, else `./data` for PostgreSQL.
 *
 * @example
 * dataDirFor(parseDatabaseUrl('sqlite:/srv/bot/ledger.db')); // '/srv/bot'
 */
export function dataDirFor(target: DatabaseTarget, env: NodeJS.ProcessEnv = process.env): string {
  if (env[DATA_DIR_ENV]) return resolve(env[DATA_DIR_ENV]);
  return target.dialect === 'sqlite' ? dirname(target.path) : resolve('data');
}

/** The directory backups of a database go to. */
export function backupDirFor(target: DatabaseTarget, env: NodeJS.ProcessEnv = process.env): string {
  return join(dataDirFor(target, env), 'backups');
}

/** How {@link openDatabase} opens. */
export interface OpenDatabaseOptions {
  /** Default `create`: a missing SQLite file (and its folders) is made. See {@link DatabaseOpenMode}. */
  readonly mode?: DatabaseOpenMode;
  /** SQLite: `wal` (default, botledger's own database) or `keep` the file's journal mode (a user's database). */
  readonly journalMode?: SqliteJournalMode;
}

/**
 * Opens a database from its URL. Mode `create` (the default) makes a missing SQLite file and its
 * folders; `write` needs the file to exist; `read` opens SQLite read-only (no journal-mode switch,
 * no pragma that writes), so a read-only file can be read. PostgreSQL databases are never created.
 * Anything that makes the database unusable throws a {@link DatabaseError} with a stable code.
 *
 * @example
 * const database = await openDatabase('sqlite:data/botledger.db', { mode: 'read' });
 * await sql`select 1`.execute(database.db);
 * await database.close();
 */
export async function openDatabase(url: string, options: OpenDatabaseOptions = {}): Promise<BotledgerDatabase> {
  const mode = options.mode ?? 'create';
  const target = parseDatabaseUrl(url);
  let observer: ((event: QueryEvent) => void) | undefined;
  const timers = new Set<QueryTimer>();
  // Kysely logs a query (with its SQL) before plugins see its result (with the rows it changed);
  // the two are joined by query id so an observer gets both in one event.
  const logged = new WeakMap<QueryId, QueryEvent>();
  const log = (event: LogEvent): void => {
    if (timers.size > 0) reportQuery(timers, event.query.sql, event.queryDurationMillis, event.level === 'error');
    if (!observer) return;
    const seen: QueryEvent = {
      sql: event.query.sql,
      parameters: event.query.parameters,
      durationMs: event.queryDurationMillis,
      error: event.level === 'error' ? event.error : undefined,
    };
    if (event.level === 'error') observer(seen);
    else logged.set(event.query.queryId, seen);
  };
  const reportResult: KyselyPlugin = {
    transformQuery: (args) => args.node,
    async transformResult(args) {
      const seen = logged.get(args.queryId);
      if (seen && observer) {
        logged.delete(args.queryId);
        const changed = args.result.numAffectedRows;
        observer(changed === undefined ? seen : { ...seen, rowsAffected: Number(changed) });
      }
      return args.result;
    },
  };
  const handle = {
    get queryObserver() {
      return observer;
    },
    set queryObserver(value: ((event: QueryEvent) => void) | undefined) {
      observer = value;
    },
    addQueryTimer(timer: QueryTimer): () => void {
      timers.add(timer);
      return () => timers.delete(timer);
    },
    queryTimers: timers as ReadonlySet<QueryTimer>,
  };
  if (target.dialect === 'sqlite') {
    const created = prepareSqlitePath(target.path, mode, redactUrl(url));
    let raw: BetterSqlite3.Database | undefined;
    try {
      raw = openSqliteFile(target.path, { readonly: mode === 'read', journalMode: options.journalMode });
      // Opening reads nothing; this reads the header and the schema, so a file that is not a
      // database, or is damaged, is reported here rather than by the first query somewhere deep.
      raw.prepare('select count(*) from sqlite_schema').get();
    } catch (error) {
      raw?.close();
      throw classifyDatabaseError(error, redactUrl(url), target.path) ?? error;
    }
    const db = new Kysely<any>({ dialect: sqliteDialect(raw), log, plugins: [reportResult] });
    return Object.assign(handle, {
      url,
      target,
      dialect: 'sqlite' as const,
      capabilities: SQLITE_CAPABILITIES,
      created,
      db,
      ledger: db as Kysely<LedgerSchema>,
      sqlite: raw,
      close: () => db.destroy(),
    });
  }
  const { dialect, pool } = postgresDialect(target.connectionString);
  const db = new Kysely<any>({ dialect, log, plugins: [reportResult] });
  // Fail here, with the URL named, rather than on the first query somewhere deep inside.
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await db.destroy();
    throw (
      classifyDatabaseError(error, redactUrl(url)) ??
      new DatabaseError('DATABASE_UNREACHABLE', `cannot connect to ${redactUrl(url)}: ${(error as Error).message}`, {
        database: redactUrl(url),
        cause: String((error as { code?: unknown }).code ?? ''),
      })
    );
  }
  return Object.assign(handle, {
    url,
    target,
    dialect: 'postgres' as const,
    capabilities: POSTGRES_CAPABILITIES,
    db,
    ledger: db as Kysely<LedgerSchema>,
    pool,
    // Kysely sets its driver up lazily: if no query ran, destroy() does not end the pool that the
    // connection check above used, and the process would linger until pg's idle timeout.
    close: async () => {
      await db.destroy();
      if (!pool.ended) await pool.end().catch(() => {});
    },
  });
}

/** The URL with any password replaced, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
}
