/**
 * The engine's own thin SQL layer: short transactions over raw, parameterised SQL on either
 * dialect. The hot path (venue events, group commit) needs statement caching and no query-builder
 * overhead per row, and every engine transaction must be a real COMMIT that another connection
 * can read (ARCHITECTURE.md, decision 1), so transactions are explicit here.
 *
 * SQL is written once with `?` placeholders; PostgreSQL gets `$n` through the dialect's
 * `placeholder` capability. The only place that looks at which handle exists is {@link LedgerSql.open}.
 */
import type BetterSqlite3 from 'better-sqlite3';
import type pg from 'pg';
import type { BotledgerDatabase } from '../storage/database.ts';

export type Row = Record<string, unknown>;

/** Statements inside one transaction. */
export interface SqlQueries {
  all<T = Row>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  get<T = Row>(sql: string, params?: readonly unknown[]): Promise<T | undefined>;
  /** Runs a statement; resolves to the number of rows it changed. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
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
 * that writes to the same file on its own connection (Kysely repositories, the API) while the
 * engine runs must take it too, or a write could land inside an engine transaction's awaits and
 * busy-wait on the only thread.
 *
 * @example
 * await withSqliteWriteTurn(database.target.path, () => repository.save(row));
 */
export async function withSqliteWriteTurn<T>(path: string, work: () => Promise<T>): Promise<T> {
  return withFileLock(path, work);
}

async function withFileLock<T>(key: string, work: () => Promise<T>): Promise<T> {
  const previous = fileLocks.get(key) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((resolve) => {
    release = resolve;
  });
  const chained = previous.then(() => mine);
  fileLocks.set(key, chained);
  await previous;
  try {
    return await work();
  } finally {
    release();
    if (fileLocks.get(key) === chained) fileLocks.delete(key);
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

class SqliteQueries implements SqlQueries {
  readonly #raw: BetterSqlite3.Database;
  readonly #cache: Map<string, BetterSqlite3.Statement>;
  constructor(raw: BetterSqlite3.Database, cache: Map<string, BetterSqlite3.Statement>) {
    this.#raw = raw;
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
    return this.#statement(sql).all(sqliteParams(params)) as T[];
  }
  async get<T>(sql: string, params: readonly unknown[] = []): Promise<T | undefined> {
    return this.#statement(sql).get(sqliteParams(params)) as T | undefined;
  }
  async run(sql: string, params: readonly unknown[] = []): Promise<number> {
    const statement = this.#statement(sql);
    if (statement.reader) {
      statement.all(sqliteParams(params));
      return 0;
    }
    return statement.run(sqliteParams(params)).changes;
  }
}

/** SQL text -> named prepared statement; pg prepares a name once per pooled connection. */
const pgStatements = new Map<string, { name: string; text: string }>();

class PostgresQueries implements SqlQueries {
  readonly #client: pg.PoolClient | pg.Pool;
  readonly #placeholder: (index: number) => string;
  constructor(client: pg.PoolClient | pg.Pool, placeholder: (index: number) => string) {
    this.#client = client;
    this.#placeholder = placeholder;
  }
  #query(sql: string, params: readonly unknown[]): Promise<pg.QueryResult> {
    let statement = pgStatements.get(sql);
    if (!statement) {
      statement = { name: `botledger_engine_${pgStatements.size + 1}`, text: toPlaceholders(sql, this.#placeholder) };
      pgStatements.set(sql, statement);
    }
    return this.#client.query({ ...statement, values: params.map((value) => (value === undefined ? null : value)) });
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
}

/**
 * Short transactions on one open database.
 *
 * @example
 * const ledger = LedgerSql.open(database);
 * await ledger.transaction(async (q) => q.run('update bots set status = ? where id = ?', ['stopped', 1]));
 */
export class LedgerSql {
  readonly database: BotledgerDatabase;
  readonly #sqliteCache = new Map<string, BetterSqlite3.Statement>();

  private constructor(database: BotledgerDatabase) {
    this.database = database;
  }

  /** Suffix for a SELECT of rows about to change: PostgreSQL row locks; SQLite's BEGIN IMMEDIATE already serialises writers. */
  get forUpdate(): string {
    return this.database.sqlite ? '' : ' for update';
  }

  /** Wraps an open database. Cheap; keep one per connection (it caches prepared statements). */
  static open(database: BotledgerDatabase): LedgerSql {
    if (!database.sqlite && !database.pool) throw new Error(`database ${database.url} has neither a SQLite handle nor a PostgreSQL pool`);
    return new LedgerSql(database);
  }

  /**
   * Runs `work` in one transaction and COMMITs it, so that any other connection sees the result
   * once this resolves. Rolls back and rethrows on error. Never call an exchange inside `work`.
   */
  async transaction<T>(work: (q: SqlQueries) => Promise<T>): Promise<T> {
    const raw = this.database.sqlite;
    if (raw) {
      const key = this.database.target.dialect === 'sqlite' ? this.database.target.path : this.database.url;
      return withFileLock(key, async () => {
        raw.exec('BEGIN IMMEDIATE');
        try {
          const result = await work(new SqliteQueries(raw, this.#sqliteCache));
          raw.exec('COMMIT');
          return result;
        } catch (error) {
          if (raw.inTransaction) raw.exec('ROLLBACK');
          throw error;
        }
      });
    }
    const client = await (this.database.pool as pg.Pool).connect();
    try {
      await client.query('BEGIN');
      try {
        const result = await work(new PostgresQueries(client, this.database.capabilities.placeholder));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK').catch(() => {});
        throw error;
      }
    } finally {
      client.release();
    }
  }

  /** Reads outside a transaction (each statement sees the latest committed state). */
  async read<T>(work: (q: SqlQueries) => Promise<T>): Promise<T> {
    const raw = this.database.sqlite;
    if (raw) return work(new SqliteQueries(raw, this.#sqliteCache));
    return work(new PostgresQueries(this.database.pool as pg.Pool, this.database.capabilities.placeholder));
  }
}
