/** A cheap question that tells whether the database answers (for /readyz). */
import { type Kysely, sql } from 'kysely';

/**
 * Resolves when the database answers a trivial query; rejects with its error otherwise.
 *
 * @example
 * await pingDatabase(database.db);
 */
export async function pingDatabase(db: Kysely<any>): Promise<void> {
  await sql`select 1`.execute(db);
}

/**
 * Refreshes the query planner's statistics (ANALYZE, on both dialects), as after a bulk load.
 *
 * @example
 * await analyzeDatabase(database.db);
 */
export async function analyzeDatabase(db: Kysely<any>): Promise<void> {
  await sql`analyze`.execute(db);
}
