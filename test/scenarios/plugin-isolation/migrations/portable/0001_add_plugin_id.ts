/**
 * Seed 003, PART 3 as an engine migration: `plugin_id TEXT DEFAULT 'legacy'` on all ten tables
 * (the document's SUCCESS CRITERIA 1: "All tables have plugin_id column"; its script only touched
 * four), the logic_type -> plugin_id mapping of PART 6 on trades, and the indexes of create_indexes().
 *
 * Deliberate difference from the document's script: logic_type is matched after trim() and
 * lower(), so `Logic1` or ` LOGIC1 ` is attributed to its plugin instead of silently staying
 * `legacy`. NULL, empty and unknown values stay `legacy`, as the document says. logic_type itself is
 * never changed ("Original data unchanged").
 *
 * Portable: the same file runs on SQLite (the document's database) and PostgreSQL.
 */
import { type Kysely, sql } from 'kysely';
import type { MigrationContext, VerifyRow } from '../../../../../src/migrate/migration.ts';

/** The ten tables of trading_bot.db (PART 1.2). */
export const PLUGIN_TABLES = [
  'trades',
  'reentry_chains',
  'sl_events',
  'tp_reentry_events',
  'reversal_exit_events',
  'system_state',
  'profit_booking_chains',
  'profit_booking_orders',
  'profit_booking_events',
  'trading_sessions',
] as const;

/** PART 6.1, keyed by the trimmed lower-case logic_type. */
export const LOGIC_TYPE_TO_PLUGIN_ID: Readonly<Record<string, string>> = {
  'combinedlogic-1': 'v3-logic-01-5min',
  'combinedlogic-2': 'v3-logic-02-15min',
  'combinedlogic-3': 'v3-logic-03-1h',
  logic1: 'v3-logic-01-5min',
  logic2: 'v3-logic-02-15min',
  logic3: 'v3-logic-03-1h',
};

/** create_indexes() of the document's script. */
export const PLUGIN_INDEXES: Readonly<Record<string, string>> = {
  idx_trades_plugin_id: 'trades(plugin_id)',
  idx_trades_plugin_status: 'trades(plugin_id, status)',
  idx_reentry_chains_plugin_id: 'reentry_chains(plugin_id)',
  idx_profit_booking_chains_plugin_id: 'profit_booking_chains(plugin_id)',
  idx_trading_sessions_plugin_id: 'trading_sessions(plugin_id)',
};

async function hasColumn(db: Kysely<any>, context: MigrationContext, table: string, column: string): Promise<boolean> {
  const { rows } = context.capabilities.namedSchemas
    ? await sql`select 1 from information_schema.columns where table_schema = current_schema() and table_name = ${table} and column_name = ${column}`.execute(
        db,
      )
    : await sql`select 1 from pragma_table_info(${table}) where name = ${column}`.execute(db);
  return rows.length > 0;
}

/** The plugin_id a trade's logic_type maps to, as SQL (for the check that the mapping was applied). */
function expectedPluginIdSql(): string {
  const whens = Object.entries(LOGIC_TYPE_TO_PLUGIN_ID).map(([from, to]) => `when '${from}' then '${to}'`);
  return `case lower(trim(logic_type)) ${whens.join(' ')} else 'legacy' end`;
}

export async function up(db: Kysely<any>, context: MigrationContext): Promise<void> {
  // Idempotent like the document's add_plugin_id_column(): a hand-added column is kept.
  for (const table of PLUGIN_TABLES) {
    if (!(await hasColumn(db, context, table, 'plugin_id'))) {
      await sql.raw(`ALTER TABLE ${table} ADD COLUMN plugin_id TEXT DEFAULT 'legacy'`).execute(db);
    }
  }
  // PART 3's migrate_existing_data() in one pass: plugin_id from the normalised logic_type, only
  // where it is still the default (the document's `plugin_id IS NULL OR plugin_id = 'legacy'`).
  // remapValues also adds its check that no such trade is left unmapped.
  await context.remapValues('trades', 'plugin_id', LOGIC_TYPE_TO_PLUGIN_ID, {
    from: 'lower(trim(logic_type))',
    where: "plugin_id IS NULL OR plugin_id = 'legacy'",
  });
  for (const [name, on] of Object.entries(PLUGIN_INDEXES)) {
    await sql.raw(`CREATE INDEX IF NOT EXISTS ${name} ON ${on}`).execute(db);
  }
  // Checked once, before commit: every existing trade carries the plugin its logic_type names.
  // (Not a lasting check: new trades get their plugin_id from the plugin, whatever logic_type says.)
  context.addVerify(`select id, logic_type, plugin_id from trades where plugin_id is null or plugin_id <> ${expectedPluginIdSql()}`);
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const name of Object.keys(PLUGIN_INDEXES)) await sql.raw(`DROP INDEX IF EXISTS ${name}`).execute(db);
  for (const table of PLUGIN_TABLES) await sql.raw(`ALTER TABLE ${table} DROP COLUMN plugin_id`).execute(db);
}

/** PART 8's lasting checks: every table has plugin_id, every index exists. A row names what is missing. */
export async function verify(db: Kysely<any>, context: MigrationContext): Promise<VerifyRow[]> {
  const problems: VerifyRow[] = [];
  for (const table of PLUGIN_TABLES) {
    if (!(await hasColumn(db, context, table, 'plugin_id'))) problems.push({ table, problem: 'plugin_id column missing' });
  }
  const { rows } = context.capabilities.namedSchemas
    ? await sql<{ name: string }>`select indexname as name from pg_indexes where schemaname = current_schema()`.execute(db)
    : await sql<{ name: string }>`select name from sqlite_master where type = 'index'`.execute(db);
  const present = new Set(rows.map((r) => r.name));
  for (const name of Object.keys(PLUGIN_INDEXES)) if (!present.has(name)) problems.push({ index: name, problem: 'index missing' });
  return problems;
}
