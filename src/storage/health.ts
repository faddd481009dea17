/**
 * The cheapest question a database answers: is it there? For a running service's readiness probe
 * (/readyz), which must not read any table (a large ledger or a held lock would make it slow).
 */
import { sql } from 'kysely';
import type { BotledgerDatabase } from './database.ts';

/**
 * Resolves when the database answers `select 1`; rejects with the driver's error otherwise.
 *
 * @example
 * await pingDatabase(ledger.database);
 */
export async function pingDatabase(database: Pick<BotledgerDatabase, 'db'>): Promise<void> {
  await sql`select 1 as ok`.execute(database.db);
}
