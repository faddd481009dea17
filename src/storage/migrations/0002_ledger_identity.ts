/**
 * The ledger's own identity (issue 6, defect 5): a random id made once, when this migration runs,
 * and kept in the database itself, so a ledger finds its venue state from the database wherever
 * the command runs from (the paper exchange's file is `ledger-<ledger id>/paper-exchange.db`, and the file stores
 * the id and refuses another ledger). A backup carries the id, so a restored ledger finds the same
 * venue, and reconciliation at start adopts what the venue has that the backup lacks.
 *
 * `client_order_sequence_floors` keeps, per bot id, the highest client-order-id sequence the
 * venue is known to have used, also for bot ids this ledger does not have (orders of a bot created
 * after a backup that was then restored): a bot created later with that id continues after it, so a
 * client order id is never used twice.
 *
 * Irreversible, like 0001: reverting it would drop the ledger's identity, and the ledger could no
 * longer find its venue (a later `up` would make a new id). `down` refuses and points to restore.
 *
 * Frozen once released: change it with a new migration, never by editing this.
 */
import { randomBytes } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { MigrationContext } from '../../migrate/migration.ts';

export async function up(db: Kysely<any>, context: MigrationContext): Promise<void> {
  const time = sql.raw(context.capabilities.timestampType);
  // One row: `singleton` is always 1 and is the key, so a second row cannot be inserted.
  await db.schema
    .createTable('ledger_identity')
    .addColumn('singleton', 'integer', (c) => c.primaryKey().check(sql`singleton = 1`))
    .addColumn('ledger_id', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', time, (c) => c.notNull())
    .execute();
  // 12 random bytes in hex: unique enough across every ledger a user will ever have, short in a file name.
  const ledgerId = randomBytes(12).toString('hex');
  const createdAt = context.dialect === 'postgres' ? sql`now()` : sql`strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`;
  await sql`insert into ledger_identity (singleton, ledger_id, created_at) values (1, ${ledgerId}, ${createdAt})`.execute(db);

  await db.schema
    .createTable('client_order_sequence_floors')
    .addColumn('bot_id', 'text', (c) => c.primaryKey())
    .addColumn('sequence', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', time, (c) => c.notNull())
    .execute();
}

export const config = { irreversible: true };

/** Each query must return no rows: exactly one ledger id. */
export const verify = ["select 'missing' as problem from (select count(*) as n from ledger_identity) as c where c.n <> 1"];
