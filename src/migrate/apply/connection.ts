/**
 * The connection a migration runs on: one connection (so PRAGMAs and the transaction share it),
 * the dialect's BEGIN and session settings, and SQLite's foreign keys switched off around the
 * transaction. Plan's rehearsal and the down forecast use it too.
 */
import { type Kysely, sql } from 'kysely';
import type { BotledgerDatabase, DialectName } from '../../storage/database.ts';

/**
 * The few statements that differ between dialects, written down once. SQLite takes the write lock
 * up front (IMMEDIATE) so a bot's write cannot slip in between our reads and writes; PostgreSQL
 * uses REPEATABLE READ so the before/after row counts see only the migration's own changes.
 * `client_connection_check_interval` (PostgreSQL 14+) makes the server stop a killed migrator's
 * statement promptly instead of running it to the end while holding its locks.
 */
export const MIGRATION_SQL: Record<
  DialectName,
  { readonly begin: string; readonly session: readonly string[]; readonly rehearsal: readonly string[] }
> = {
  sqlite: { begin: 'begin immediate', session: [], rehearsal: [] },
  postgres: {
    begin: 'begin isolation level repeatable read',
    session: ["set client_connection_check_interval = '1s'"],
    // A rehearsal runs on the live database: it must not queue behind a bot's long transaction
    // while holding locks that make every other query queue behind it.
    rehearsal: ["set local lock_timeout = '5s'"],
  },
};

/** Executes one raw statement. */
export async function exec(db: Kysely<any>, query: string): Promise<{ rows: unknown[]; numAffectedRows?: bigint }> {
  return sql.raw(query).execute(db);
}

/** Runs `body` on one connection, inside a transaction when `transactional`, with SQLite foreign keys off around it. */
export async function onConnection<T>(
  database: BotledgerDatabase,
  transactional: boolean,
  body: (db: Kysely<any>) => Promise<T>,
  finish: 'commit' | 'rollback' = 'commit',
): Promise<T> {
  const dialectSql = MIGRATION_SQL[database.dialect];
  return database.db.connection().execute(async (db) => {
    for (const statement of dialectSql.session) await exec(db, statement).catch(() => {});
    // PRAGMA foreign_keys is a no-op inside a transaction, so it is switched before BEGIN; the
    // foreign_key_check before COMMIT is what keeps the data consistent.
    const pragma = database.capabilities.pragmaForeignKeys && transactional;
    if (pragma) await exec(db, 'pragma foreign_keys = off');
    try {
      if (!transactional) return await body(db);
      await exec(db, dialectSql.begin);
      try {
        const result = await body(db);
        await exec(db, finish);
        return result;
      } catch (error) {
        await exec(db, 'rollback').catch(() => {});
        throw error;
      }
    } finally {
      if (pragma) await exec(db, 'pragma foreign_keys = on');
    }
  });
}
