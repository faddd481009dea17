/**
 * Seed 004, migration 2 (Alembic 3473a345c7fb): drops the legacy reason columns failure_reason,
 * rejection_reason and cancelled_reason (all their text is in `reason` since migration 1), and
 * the `legacy_status` column migration 1 kept for its down.
 *
 * Irreversible: a down that recreated the columns empty would pretend the old data came back.
 * `migrate down` refuses to pass it and points to `migrate restore` (the backup taken before it).
 */
import { type Kysely, sql } from 'kysely';
import type { MigrationContext, VerifyRow } from '../../../../../src/migrate/migration.ts';

export const config = { irreversible: true };

export const DROPPED_COLUMNS = ['failure_reason', 'rejection_reason', 'cancelled_reason', 'legacy_status'] as const;

export async function up(db: Kysely<any>): Promise<void> {
  for (const column of DROPPED_COLUMNS) await sql.raw(`ALTER TABLE orders DROP COLUMN ${column}`).execute(db);
}

/** A row names a legacy column still present. */
export async function verify(db: Kysely<any>, context: MigrationContext): Promise<VerifyRow[]> {
  const { rows } = context.capabilities.namedSchemas
    ? await sql<{
        name: string;
      }>`select column_name as name from information_schema.columns where table_schema = current_schema() and table_name = 'orders'`.execute(
        db,
      )
    : await sql<{ name: string }>`select name from pragma_table_info('orders')`.execute(db);
  return rows
    .filter((r) => (DROPPED_COLUMNS as readonly string[]).includes(r.name))
    .map((r) => ({ column: r.name, problem: 'legacy column still present' }));
}
