/**
 * Seed 004, migration 2 (Alembic 3473a345c7fb): drops the legacy reason columns failure_reason,
 * rejection_reason and cancelled_reason (all their text is in `reason` since migration 1), and
 * the `legacy_status` column migration 1 kept for its down.
 *
 * PostgreSQL drops them in one ALTER TABLE (a catalog change). SQLite rewrites the whole table
 * for every DROP COLUMN, so there the table is rebuilt once instead (SQLite's documented
 * "generalized ALTER TABLE" procedure): the same columns, types, defaults, NOT NULLs, primary key,
 * foreign keys and indexes, without the dropped ones. The engine runs it with foreign keys off and
 * checks PRAGMA foreign_key_check before commit.
 *
 * Irreversible: a down that recreated the columns empty would pretend the old data came back.
 * `migrate down` refuses to pass it and points to `migrate restore` (the backup taken before it).
 */
import { type Kysely, sql } from 'kysely';
import type { MigrationContext, VerifyRow } from '../../../../../src/migrate/migration.ts';

export const config = { irreversible: true };

export const DROPPED_COLUMNS = ['failure_reason', 'rejection_reason', 'cancelled_reason', 'legacy_status'] as const;

const dropped = (name: string) => (DROPPED_COLUMNS as readonly string[]).includes(name);

interface SqliteColumn {
  name: string;
  type: string;
  notnull: number;
  dflt_value: string | null;
  pk: number;
}

interface SqliteForeignKey {
  id: number;
  table: string;
  from: string;
  to: string;
  on_update: string;
  on_delete: string;
}

async function rebuildSqliteOrders(db: Kysely<any>): Promise<void> {
  const { rows: columns } =
    await sql<SqliteColumn>`select name, type, "notnull", dflt_value, pk from pragma_table_info('orders') order by cid`.execute(db);
  const { rows: foreignKeys } =
    await sql<SqliteForeignKey>`select id, "table", "from", "to", on_update, on_delete from pragma_foreign_key_list('orders')`.execute(db);
  const { rows: indexes } = await sql<{
    sql: string;
  }>`select sql from sqlite_master where type = 'index' and tbl_name = 'orders' and sql is not null`.execute(db);
  const kept = columns.filter((c) => !dropped(c.name));
  const definitions = kept.map((c) =>
    [
      `"${c.name}"`,
      c.type,
      c.pk === 1 && columns.filter((x) => x.pk > 0).length === 1 ? 'PRIMARY KEY' : '',
      c.notnull ? 'NOT NULL' : '',
      c.dflt_value !== null ? `DEFAULT ${c.dflt_value}` : '',
    ]
      .filter(Boolean)
      .join(' '),
  );
  for (const fk of foreignKeys) {
    if (dropped(fk.from)) continue;
    definitions.push(`FOREIGN KEY ("${fk.from}") REFERENCES "${fk.table}"("${fk.to}") ON UPDATE ${fk.on_update} ON DELETE ${fk.on_delete}`);
  }
  const names = kept.map((c) => `"${c.name}"`).join(', ');
  await sql.raw(`CREATE TABLE orders_rebuilt (${definitions.join(', ')})`).execute(db);
  await sql.raw(`INSERT INTO orders_rebuilt (${names}) SELECT ${names} FROM orders`).execute(db);
  await sql`DROP TABLE orders`.execute(db);
  await sql`ALTER TABLE orders_rebuilt RENAME TO orders`.execute(db);
  for (const index of indexes) {
    if (DROPPED_COLUMNS.some((c) => new RegExp(`\\b${c}\\b`).test(index.sql))) continue;
    await sql.raw(index.sql).execute(db);
  }
}

export async function up(db: Kysely<any>, context: MigrationContext): Promise<void> {
  if (context.capabilities.alterColumnType) {
    await sql.raw(`ALTER TABLE orders ${DROPPED_COLUMNS.map((c) => `DROP COLUMN ${c}`).join(', ')}`).execute(db);
  } else {
    await rebuildSqliteOrders(db);
  }
}

/** A row names a legacy column still present, or an index the rebuild lost. */
export async function verify(db: Kysely<any>, context: MigrationContext): Promise<VerifyRow[]> {
  const { rows } = context.capabilities.namedSchemas
    ? await sql<{
        name: string;
      }>`select column_name as name from information_schema.columns where table_schema = current_schema() and table_name = 'orders'`.execute(
        db,
      )
    : await sql<{ name: string }>`select name from pragma_table_info('orders')`.execute(db);
  const problems: VerifyRow[] = rows
    .filter((r) => dropped(r.name))
    .map((r) => ({ column: r.name, problem: 'legacy column still present' }));
  const { rows: indexes } = context.capabilities.namedSchemas
    ? await sql<{
        name: string;
      }>`select indexname as name from pg_indexes where schemaname = current_schema() and tablename = 'orders'`.execute(db)
    : await sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = 'orders'`.execute(db);
  for (const index of ['ix_orders_user_id', 'ix_orders_status']) {
    if (!indexes.some((i) => i.name === index)) problems.push({ index, problem: 'index missing on orders' });
  }
  return problems;
}
