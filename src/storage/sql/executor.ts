/**
 * The ledger's prepared-statement executor and its write transactions. The engine's hot path
 * (venue events under group commit) runs a handful of fixed statements per batch; compiling them
 * with the query builder for every batch would cost more than running them, so repositories keep
 * their batch statements as SQL text with `?` placeholders, and this file prepares each text once
 * per connection (better-sqlite3 statements; named pg statements, prepared once per pooled
 * client). PostgreSQL gets `$n` through the dialect's `placeholder` capability.
 *
 * This file and the dialect files are the only code that touches the raw handles; everything else
 * branches on capability flags (`singleWriter`, `rowLocks`).
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { CompiledQuery } from 'kysely';
import type pg from 'pg';
import { type BotledgerDatabase, type QueryTimer, reportQuery } from '../database.ts';

export type Row = Record<string, unknown>;

/** Statements on one connection (inside a write transaction, or plain reads). */
export interface SqlExecutor {
  all<T = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  get<T = Row>(sql: string, params?: readonly unknown[]): Promise<T | undefined>;
  /** Runs a statement; resolves to the number of rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
  /** Runs a query the query builder compiled (its placeholders are already the dialect's). */
  compiled<T = Row>(query: CompiledQuery): Promise<T[]>;
}

/**
 * SQLite allows one writer per file. Two handles to one file inside one process (the caller's and
 * the venue-event processor's, as in the acceptance tests) must not both hold a write transaction:
 * the second would busy-wait synchronously and block the only thread. This in-process queue per
 * file makes them take turns; other processes are still kept apart by SQLite's own lock.
 */
const fileLocks = new Map<string, Promise<void>>();

/**
 * Runs `work` holding this process's write turn on a SQLite file. Any other code of this process
 * that writes to the same file on its own connection while the engine runs must take it too, or a
 * write could land inside an engine transaction's awaits and busy-wait on the only thread.
 *
 * @example
 * await withSqliteWriteTurn(database.target.path, () => writeSomething());
 */
export async function withSqliteWriteTurn<T>(path: string, work: () => Promise<T>): Promise<T> {
  const previous = fileLocks.get(path) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((resolve) => {
    release = resolve;
  });
  const chained = previous.then(() => mine);
  fileLocks.set(path, chained);
  await previous;
  try {
    return await work();
  } finally {
    release();
    if (fileLocks.get(path) === chained) fileLocks.delete(path);
  }
}

function toPlaceholders(sql: string, placeholder: (index: number) => string): string {
  let index = 0;
  return sql.replace(/\?/g, () => placeholder(++index));
}

/** Booleans and undefined are not SQLite values; everything else is bound as given. */
function sqliteParams(params: readonly unknown[]): unknown[] {
  const out = new Array<unknown>(params.length);
  for (let index = 0; index < params.length; index++) {
    const value = params[index];
    out[index] = value === undefined ? null : typeof value === 'boolean' ? (value ? 1 : 0) : value;
  }
  return out;
}

const NO_TIMERS: ReadonlySet<QueryTimer> = new Set();

/** Runs a synchronous statement, timed when the database has query timers (metrics). */
function timedSync<T>(timers: ReadonlySet<QueryTimer>, sql: string, run: () => T): T {
  if (timers.size === 0) return run();
  const started = performance.now();
  try {
    const result = run();
    reportQuery(timers, sql, performance.now() - started, false);
    return result;
  } catch (error) {
    reportQuery(timers, sql, performance.now() - started, true);
    throw error;
  }
}

/** Runs a statement, timed when the database has query timers (metrics). */
async function timed<T>(timers: ReadonlySet<QueryTimer>, sql: string, run: () => Promise<T>): Promise<T> {
  if (timers.size === 0) return run();
  const started = performance.now();
  try {
    const result = await run();
    reportQuery(timers, sql, performance.now() - started, false);
    return result;
  } catch (error) {
    reportQuery(timers, sql, performance.now() - started, true);
    throw error;
  }
}

/** Prepared statements per SQLite handle (a statement belongs to its connection). */
const sqliteCaches = new WeakMap<BetterSqlite3.Database, Map<string, BetterSqlite3.Statement>>();

class SqliteExecutor implements SqlExecutor {
  readonly #raw: BetterSqlite3.Database;
  readonly #cache: Map<string, BetterSqlite3.Statement>;
  readonly #timers: ReadonlySet<QueryTimer>;
  constructor(raw: BetterSqlite3.Database, timers: ReadonlySet<QueryTimer> = NO_TIMERS) {
    this.#raw = raw;
    this.#timers = timers;
    let cache = sqliteCaches.get(raw);
    if (!cache) {
      cache = new Map();
      sqliteCaches.set(raw, cache);
    }
    this.#cache = cache;
  }
  #statement(sql: string): BetterSqlite3.Statement {
    let statement = this.#cache.get(sql);
    if (!statement) {
      statement = this.#raw.prepare(sql);
      this.#cache.set(sql, statement);
    }
    return statement;
  }
  async all<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return timedSync(this.#timers, sql, () => this.#statement(sql).all(sqliteParams(params)) as T[]);
  }
  async get<T>(sql: string, params: readonly unknown[] = []): Promise<T | undefined> {
    return timedSync(this.#timers, sql, () => this.#statement(sql).get(sqliteParams(params)) as T | undefined);
  }
  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    return timedSync(this.#timers, sql, () => {
      const statement = this.#statement(sql);
      if (statement.reader) {
        statement.all(sqliteParams(params));
        return 0;
      }
      return statement.run(sqliteParams(params)).changes;
    });
  }
  async compiled<T>(query: CompiledQuery): Promise<T[]> {
    return timedSync(this.#timers, query.sql, () => {
      const statement = this.#statement(query.sql);
      if (statement.reader) return statement.all(sqliteParams(query.parameters)) as T[];
      statement.run(sqliteParams(query.parameters));
      return [];
    });
  }
}

/** SQL text -> named prepared statement; pg prepares a name once per pooled connection. */
const pgStatements = new Map<string, { name: string; text: string }>();

class PostgresExecutor implements SqlExecutor {
  readonly #client: pg.PoolClient | pg.Pool;
  readonly #placeholder: (index: number) => string;
  readonly #timers: ReadonlySet<QueryTimer>;
  constructor(client: pg.PoolClient | pg.Pool, placeholder: (index: number) => string, timers: ReadonlySet<QueryTimer> = NO_TIMERS) {
    this.#client = client;
    this.#placeholder = placeholder;
    this.#timers = timers;
  }
  #query(sql: string, params: readonly unknown[], converted = false): Promise<pg.QueryResult> {
    let statement = pgStatements.get(sql);
    if (!statement) {
      statement = { name: `botledger_ledger_${pgStatements.size + 1}`, text: converted ? sql : toPlaceholders(sql, this.#placeholder) };
      pgStatements.set(sql, statement);
    }
    const query = { ...statement, values: params.map((value) => (value === undefined ? null : value)) };
    return timed(this.#timers, statement.text, () => this.#client.query(query));
  }
  async all<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return (await this.#query(sql, params)).rows as T[];
  }
  async get<T>(sql: string, params: readonly unknown[] = []): Promise<T | undefined> {
    return (await this.all<T>(sql, params))[0];
  }
  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    return (await this.#query(sql, params)).rowCount ?? 0;
  }
  async compiled<T>(query: CompiledQuery): Promise<T[]> {
    // Kysely's PostgreSQL text already has $n; a leading marker keeps it apart from `?` texts in the cache.
    return (await this.#query(`/*compiled*/ ${query.sql}`, query.parameters, true)).rows as T[];
  }
}

function sqliteHandle(database: BotledgerDatabase): BetterSqlite3.Database {
  if (!database.sqlite) throw new Error(`database ${database.url} is a single-writer dialect without its SQLite handle`);
  return database.sqlite;
}

function postgresPool(database: BotledgerDatabase): pg.Pool {
  if (!database.pool) throw new Error(`database ${database.url} has no PostgreSQL pool`);
  return database.pool;
}

/** The key of a database's in-process write turn: the SQLite file (several handles may open it). */
function writeTurnKey(database: BotledgerDatabase): string {
  return database.target.dialect === 'sqlite' ? database.target.path : database.url;
}

/**
 * Statements outside a transaction: each sees the latest committed state (on SQLite, the one
 * connection's, which includes a write transaction this process has open on it).
 *
 * @example
 * const rows = await readExecutor(database).all('select id from bots');
 */
export function readExecutor(database: BotledgerDatabase): SqlExecutor {
  if (database.capabilities.singleWriter) return new SqliteExecutor(sqliteHandle(database), database.queryTimers);
  return new PostgresExecutor(postgresPool(database), database.capabilities.placeholder, database.queryTimers);
}

/**
 * Runs `work` in one write transaction and COMMITs it, so that any other connection sees the
 * result once this resolves; rolls back and rethrows on error. A single-writer dialect (SQLite)
 * takes this process's write turn on the file and starts with `BEGIN IMMEDIATE` on its one
 * connection; a server dialect (PostgreSQL) pins a pool client and starts with `BEGIN`. Never call
 * an exchange inside `work`.
 *
 * @example
 * await writeTransaction(database, (q) => q.run('update bots set status = ? where id = ?', ['stopped', 'b1']));
 */
export async function writeTransaction<T>(database: BotledgerDatabase, work: (q: SqlExecutor) => Promise<T>): Promise<T> {
  if (database.capabilities.singleWriter) {
    const raw = sqliteHandle(database);
    return withSqliteWriteTurn(writeTurnKey(database), async () => {
      const timers = database.queryTimers;
      timedSync(timers, 'BEGIN IMMEDIATE', () => raw.exec('BEGIN IMMEDIATE'));
      try {
        const result = await work(new SqliteExecutor(raw, timers));
        timedSync(timers, 'COMMIT', () => raw.exec('COMMIT'));
        return result;
      } catch (error) {
        if (raw.inTransaction) raw.exec('ROLLBACK');
        throw error;
      }
    });
  }
  const client = await postgresPool(database).connect();
  try {
    const timers = database.queryTimers;
    await timed(timers, 'BEGIN', () => client.query('BEGIN'));
    try {
      const result = await work(new PostgresExecutor(client, database.capabilities.placeholder, timers));
      await timed(timers, 'COMMIT', () => client.query('COMMIT'));
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    }
  } finally {
    client.release();
  }
}
