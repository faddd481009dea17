/**
 * What a test compares to prove a refused request changed nothing: per ledger table, its row count
 * and the highest id / update time, and the event log's last id. Any insert, delete or update of a
 * versioned row moves one of these.
 */
import { type Kysely, sql } from 'kysely';

const TABLES: readonly [string, string][] = [
  ['users', 'id'],
  ['api_tokens', 'coalesce(revoked_at, created_at)'],
  ['exchange_accounts', 'updated_at'],
  ['bots', 'updated_at'],
  ['orders', 'updated_at'],
  ['fills', 'id'],
  ['positions', 'updated_at'],
  ['trades', 'id'],
  ['event_log', 'id'],
  ['plugin_stats', 'total'],
];

/**
 * @example
 * const before = await tableFingerprint(db);
 * ... a refused request ...
 * assert.deepEqual(await tableFingerprint(db), before);
 */
export async function tableFingerprint(db: Kysely<any>): Promise<Record<string, string>> {
  const fingerprint: Record<string, string> = {};
  for (const [table, column] of TABLES) {
    const { rows } = await sql<{
      n: string | number;
      last: unknown;
      versions: unknown;
    }>`select count(*) as n, max(${sql.raw(column)}) as last, ${sql.raw(table === 'bots' ? 'sum(version)' : '0')} as versions from ${sql.table(table)}`.execute(
      db,
    );
    const row = rows[0];
    fingerprint[table] = `${row.n}|${row.last instanceof Date ? row.last.toISOString() : String(row.last)}|${row.versions}`;
  }
  return fingerprint;
}
