/**
 * The ledger's identity (migration 0002_ledger_identity): one random id, made when the migration
 * ran and kept in the database, so that whatever belongs to this ledger outside the database (the
 * paper exchange's state file) is found from the database, not from the folder a command runs in.
 */
import type { Kysely } from 'kysely';
import type { LedgerSchema } from '../schema.ts';

/** Raised when a database has no ledger id (its core schema is older than 0002). */
export class LedgerIdentityMissingError extends Error {
  readonly code = 'LEDGER_ID_MISSING';
}

/**
 * This ledger's id.
 *
 * @example
 * const ledgerId = await readLedgerId(database.db); // '5f0c9e2a41d8b7c3e6a19f20'
 */
export async function readLedgerId(db: Kysely<LedgerSchema>): Promise<string> {
  const row = await db.selectFrom('ledger_identity').select('ledger_id').where('singleton', '=', 1).executeTakeFirst();
  if (!row) throw new LedgerIdentityMissingError('this database has no ledger id (table ledger_identity is empty): run `botledger migrate up`');
  return String(row.ledger_id);
}
