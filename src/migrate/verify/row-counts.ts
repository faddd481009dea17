/**
 * The row-count guard's two counts, taken inside the migration's transaction: before its
 * statements (every user table, exactly) and after them.
 *
 * On PostgreSQL the "after" count skips tables the transaction provably did not change. The
 * migration runs at REPEATABLE READ, so its snapshot never shows another session's rows: a
 * table's count(*) in that snapshot can only change through this transaction's own writes. A
 * table counts as unchanged when all of these hold, and is then given its "before" count:
 * - it is the same table with the same storage (oid and relfilenode equal to before): TRUNCATE,
 *   a table rewrite or a drop and re-create all give it new storage;
 * - this transaction inserted and deleted no tuple in it: pg_stat_get_xact_tuples_inserted and
 *   _deleted did not move between the two counts. These are this backend's own counters (other
 *   sessions never move them; they also hold this backend's earlier transactions until it reports
 *   them when idle, which never happens inside a transaction), so they are only read as "moved
 *   or not", never as a number of rows: they over-count (rows of a rolled-back savepoint, say),
 *   which only means a table is counted, and the one thing that lowers them, TRUNCATE, also gives
 *   the table new storage;
 * - it has no partitions or inheritance children (their rows are counted in the parent);
 * - `track_counts` is on before and after (without it the counters stay zero).
 * UPDATE never changes a count, so an updated table is not recounted either. Every other table is
 * counted exactly, in one statement. SQLite counts every table again (cheap: it counts the
 * smallest index).
 */
import { type Kysely, sql } from 'kysely';
import type { BotledgerDatabase } from '../../storage/database.ts';
import { countRows, listUserTables, type RowCounts } from './verify.ts';

/** Counts before a migration, and on PostgreSQL what proves a table unchanged afterwards. */
export interface CountsBefore {
  readonly counts: RowCounts;
  /**
   * PostgreSQL: `oid:relfilenode:inserted:deleted` of each table whose count may be carried over
   * (see {@link stateKey}); undefined on SQLite or without track_counts.
   */
  readonly states?: ReadonlyMap<string, string>;
}

/** What must be equal before and after for a table's count to be carried over. */
function stateKey(state: TableState): string {
  return `${state.storage}:${state.inserted}:${state.deleted}`;
}

interface TableState {
  readonly name: string;
  readonly storage: string;
  readonly inherited: boolean;
  readonly inserted: string | number;
  readonly deleted: string | number;
}

async function postgresTableStates(db: Kysely<any>): Promise<Map<string, TableState> | undefined> {
  const tracking = await sql<{ on: string }>`select current_setting('track_counts') as on`.execute(db);
  if (tracking.rows[0]?.on !== 'on') return undefined;
  const result = await sql<TableState>`
    select n.nspname || '.' || c.relname as name,
           c.oid::text || ':' || c.relfilenode::text as storage,
           c.relkind = 'p' or exists (select 1 from pg_inherits i where i.inhparent = c.oid) as inherited,
           pg_stat_get_xact_tuples_inserted(c.oid) as inserted,
           pg_stat_get_xact_tuples_deleted(c.oid) as deleted
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relkind in ('r', 'p')`.execute(db);
  return new Map(result.rows.map((row) => [row.name, row]));
}

/**
 * Every user table's exact count, before the migration's statements.
 *
 * @example
 * const before = await countRowsBefore(database, conn, 'schema_migrations');
 */
export async function countRowsBefore(database: BotledgerDatabase, db: Kysely<any>, trackingTable: string): Promise<CountsBefore> {
  const counts = await countRows(database, db, trackingTable);
  if (database.dialect !== 'postgres') return { counts };
  const states = await postgresTableStates(db);
  if (!states) return { counts };
  const keys = new Map<string, string>();
  for (const name of counts.keys()) {
    const state = states.get(name);
    if (state && !state.inherited) keys.set(name, stateKey(state));
  }
  return { counts, states: keys };
}

/**
 * Every user table's count after the migration's statements: exact, with the tables the
 * transaction provably did not change given their "before" count (see the file comment).
 *
 * @example
 * compareRowCounts(before.counts, await countRowsAfter(database, conn, 'schema_migrations', before), allowed);
 */
export async function countRowsAfter(
  database: BotledgerDatabase,
  db: Kysely<any>,
  trackingTable: string,
  before: CountsBefore,
): Promise<RowCounts> {
  if (!before.states) return countRows(database, db, trackingTable);
  const states = await postgresTableStates(db);
  if (!states) return countRows(database, db, trackingTable);
  const unchanged = new Map<string, number>();
  for (const [name, key] of before.states) {
    const state = states.get(name);
    if (state && !state.inherited && stateKey(state) === key) unchanged.set(name, before.counts.get(name) ?? 0);
  }
  const tables = await listUserTables(database, db, trackingTable);
  const counted = await countRows(
    database,
    db,
    trackingTable,
    tables.filter((name) => !unchanged.has(name)),
  );
  return new Map(tables.map((name) => [name, unchanged.get(name) ?? counted.get(name) ?? 0]));
}
