/**
 * Seed 004, migration 1 (Alembic 873e86bc5772, "order_status_simplification_and_unified_reason"),
 * portable to SQLite and PostgreSQL.
 *
 * - Adds `reason` as TEXT, not the document's String(512): a merged reason can be longer than 512,
 *   and a reason is never truncated.
 * - Fills it from failure_reason, rejection_reason and cancelled_reason. The one matching the old
 *   status comes first (rejected -> rejection_reason, cancelled -> cancelled_reason, otherwise
 *   failure_reason), then the first other non-blank one; any further distinct non-blank reason is
 *   appended as " | <column>: <text>", so dropping the legacy columns later loses nothing.
 * - Statuses (case and blanks ignored): amo, pending_execution -> pending; retry_pending, rejected
 *   -> failed; sell -> pending for orders with side 'sell' (the appendix's condition: a 'sell'
 *   status on a buy order is left alone and fails the check below, so the run is rolled back
 *   rather than guessing); Pending/ONGOING/... -> their lower-case form.
 * - Keeps the exact old status in `legacy_status` (only on rows whose status changed) so that
 *   `down` restores it exactly, where the appendix's rollback SQL could only guess from side and
 *   first_failed_at. Migration 2 drops it together with the legacy reason columns.
 */
import { type Kysely, sql } from 'kysely';
import type { MigrationContext, VerifyRow } from '../../../../../src/migrate/migration.ts';

export const STATUSES = ['pending', 'ongoing', 'closed', 'failed', 'cancelled'] as const;
export const LEGACY_STATUSES = ['amo', 'pending_execution', 'retry_pending', 'rejected', 'sell'] as const;

/** The new status of a row whose old status is the SQL expression `col` (side read from the row). */
function mappedStatus(col: string): string {
  return `CASE lower(trim(${col}))
    WHEN 'amo' THEN 'pending' WHEN 'pending_execution' THEN 'pending'
    WHEN 'retry_pending' THEN 'failed' WHEN 'rejected' THEN 'failed'
    WHEN 'sell' THEN CASE WHEN lower(trim(side)) = 'sell' THEN 'pending' ELSE ${col} END
    WHEN 'pending' THEN 'pending' WHEN 'ongoing' THEN 'ongoing' WHEN 'closed' THEN 'closed'
    WHEN 'failed' THEN 'failed' WHEN 'cancelled' THEN 'cancelled'
    ELSE ${col} END`;
}

/** The value, or NULL when it is NULL or blank (the text itself is kept, untrimmed). */
const present = (col: string) => `CASE WHEN trim(${col}) <> '' THEN ${col} END`;

async function textColumnType(db: Kysely<any>, context: MigrationContext): Promise<string | undefined> {
  const { rows } = context.capabilities.namedSchemas
    ? await sql<{
        type: string;
      }>`select data_type as type from information_schema.columns where table_schema = current_schema() and table_name = 'orders' and column_name = 'reason'`.execute(
        db,
      )
    : await sql<{ type: string }>`select lower(type) as type from pragma_table_info('orders') where name = 'reason'`.execute(db);
  return rows[0]?.type;
}

export async function up(db: Kysely<any>, context: MigrationContext): Promise<void> {
  await sql`ALTER TABLE orders ADD COLUMN reason TEXT`.execute(db);
  await sql`ALTER TABLE orders ADD COLUMN legacy_status VARCHAR(32)`.execute(db);
  const f = present('failure_reason');
  const r = present('rejection_reason');
  const c = present('cancelled_reason');
  // The primary reason, by the old status.
  const primary = `CASE lower(trim(status))
      WHEN 'rejected' THEN COALESCE(${r}, ${f}, ${c})
      WHEN 'cancelled' THEN COALESCE(${c}, ${f}, ${r})
      ELSE COALESCE(${f}, ${r}, ${c}) END`;
  // Every other distinct reason, labelled. NULL || '' stays NULL: an order without any reason keeps none.
  const extra = (col: string) =>
    `CASE WHEN ${present(col)} IS NOT NULL AND ${col} <> (${primary}) THEN ' | ${col}: ' || ${col} ELSE '' END`;
  const mapped = mappedStatus('status');
  // One pass over the table (each pass rewrites every touched row, and on PostgreSQL leaves a dead
  // version of it); every SET expression reads the row as it was before this UPDATE.
  await sql
    .raw(`UPDATE orders SET
        reason = (${primary}) || ${extra('failure_reason')} || ${extra('rejection_reason')} || ${extra('cancelled_reason')},
        legacy_status = CASE WHEN status <> ${mapped} THEN status END,
        status = ${mapped}
      WHERE ${f} IS NOT NULL OR ${r} IS NOT NULL OR ${c} IS NOT NULL OR status <> ${mapped}`)
    .execute(db);

  // Checked before commit (not lasting: the legacy columns are gone after migration 2).
  const contains = context.capabilities.namedSchemas
    ? (col: string) => `strpos(reason, ${col}) > 0`
    : (col: string) => `instr(reason, ${col}) > 0`;
  context.addVerify(
    `SELECT id, failure_reason, rejection_reason, cancelled_reason, reason FROM orders WHERE
       (${f} IS NOT NULL AND (reason IS NULL OR NOT ${contains('failure_reason')})) OR
       (${r} IS NOT NULL AND (reason IS NULL OR NOT ${contains('rejection_reason')})) OR
       (${c} IS NOT NULL AND (reason IS NULL OR NOT ${contains('cancelled_reason')}))`,
  );
  context.addVerify(
    `SELECT id, legacy_status, status FROM orders WHERE legacy_status IS NOT NULL AND status <> ${mappedStatus('legacy_status')}`,
  );
}

export async function down(db: Kysely<any>): Promise<void> {
  // An order that moved on since (pending -> ongoing) keeps its newer status: the five are valid old statuses too.
  await sql
    .raw(`UPDATE orders SET status = legacy_status WHERE legacy_status IS NOT NULL AND status = ${mappedStatus('legacy_status')}`)
    .execute(db);
  await sql`ALTER TABLE orders DROP COLUMN legacy_status`.execute(db);
  await sql`ALTER TABLE orders DROP COLUMN reason`.execute(db);
}

/** Lasting checks (the document's Step 3.2): reason is TEXT; only the five statuses; none of the old ones. */
export async function verify(db: Kysely<any>, context: MigrationContext): Promise<VerifyRow[]> {
  const problems: VerifyRow[] = [];
  const type = await textColumnType(db, context);
  if (type !== 'text') problems.push({ column: 'orders.reason', problem: `expected type text, found ${type ?? 'no column'}` });
  const { rows } = await sql<VerifyRow>`
    SELECT status, COUNT(*) as count FROM orders WHERE status IS NULL OR status NOT IN (${sql.join([...STATUSES])}) GROUP BY status`.execute(
    db,
  );
  problems.push(...rows);
  const { rows: old } = await sql<{ old_status_count: string | number }>`
    SELECT COUNT(*) as old_status_count FROM orders WHERE status IN (${sql.join([...LEGACY_STATUSES])})`.execute(db);
  if (Number(old[0].old_status_count) !== 0) problems.push(old[0]);
  return problems;
}
