/**
 * Seed 003's PART 8 checklist as assertions: every table has plugin_id, existing trades carry
 * the plugin their logic_type names (PART 6.1; NULL, empty and unknown -> legacy), the other
 * tables' rows are `legacy`, the indexes exist, and the document's get_trades_by_plugin /
 * get_plugin_statistics / get_all_plugin_statistics queries work and agree with counts computed
 * here, in JS, from the generated rows. No row lost (SUCCESS CRITERIA 5).
 */
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { BotledgerDatabase } from '../../../src/storage/database.ts';
import type { ScenarioChecks } from '../support/scenario.ts';

/** The document's mapping table (PART 6.1), written out again so the check does not reuse the migration's code. */
const MAPPING: Readonly<Record<string, string>> = {
  'combinedlogic-1': 'v3-logic-01-5min',
  'combinedlogic-2': 'v3-logic-02-15min',
  'combinedlogic-3': 'v3-logic-03-1h',
  LOGIC1: 'v3-logic-01-5min',
  LOGIC2: 'v3-logic-02-15min',
  LOGIC3: 'v3-logic-03-1h',
};

/** logic_type -> plugin_id as the migration promises (case and surrounding blanks ignored). */
export function expectedPluginId(logicType: string | null): string {
  if (logicType === null) return 'legacy';
  const key = Object.keys(MAPPING).find((k) => k.toLowerCase() === logicType.trim().toLowerCase());
  return key ? MAPPING[key] : 'legacy';
}

const TABLES = [
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
];
const INDEXES = [
  'idx_trades_plugin_id',
  'idx_trades_plugin_status',
  'idx_reentry_chains_plugin_id',
  'idx_profit_booking_chains_plugin_id',
  'idx_trading_sessions_plugin_id',
];

interface PluginStats {
  total_trades: number;
  winning_trades: number;
  total_pnl: number;
}

export interface PluginFacts {
  readonly counts: Readonly<Record<string, number>>;
  readonly pluginOf: ReadonlyMap<number, string>;
  /** get_all_plugin_statistics() computed in JS: closed trades per plugin. */
  readonly stats: Readonly<Record<string, PluginStats>>;
}

async function tableCounts(database: BotledgerDatabase): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of TABLES) {
    const { rows } = await sql.raw<{ n: string | number }>(`select count(*) as n from ${table}`).execute(database.db);
    counts[table] = Number(rows[0].n);
  }
  return counts;
}

async function hasPluginId(database: BotledgerDatabase, table: string): Promise<boolean> {
  const { rows } = database.capabilities.namedSchemas
    ? await sql`select 1 from information_schema.columns where table_schema = current_schema() and table_name = ${table} and column_name = 'plugin_id'`.execute(
        database.db,
      )
    : await sql`select 1 from pragma_table_info(${table}) where name = 'plugin_id'`.execute(database.db);
  return rows.length === 1;
}

export const checks: ScenarioChecks<PluginFacts> = {
  async before(database) {
    const { rows } = await sql<{ id: number; logic_type: string | null; status: string | null; pnl: number | null }>`
      select id, logic_type, status, pnl from trades`.execute(database.db);
    const pluginOf = new Map<number, string>();
    const stats: Record<string, PluginStats> = {};
    for (const row of rows) {
      const plugin = expectedPluginId(row.logic_type);
      pluginOf.set(Number(row.id), plugin);
      if (row.status !== 'closed') continue;
      stats[plugin] ??= { total_trades: 0, winning_trades: 0, total_pnl: 0 };
      stats[plugin].total_trades++;
      if (row.pnl !== null && row.pnl > 0) stats[plugin].winning_trades++;
      stats[plugin].total_pnl += row.pnl ?? 0;
    }
    return { counts: await tableCounts(database), pluginOf, stats };
  },
  async after(database, facts) {
    for (const table of TABLES) assert.ok(await hasPluginId(database, table), `${table} has a plugin_id column`);
    assert.deepEqual(await tableCounts(database), facts.counts, 'no row lost or added in any of the ten tables');

    const { rows: trades } = await sql<{ id: number; plugin_id: string }>`select id, plugin_id from trades`.execute(database.db);
    const wrong = trades.filter((t) => facts.pluginOf.get(Number(t.id)) !== t.plugin_id);
    assert.deepEqual(wrong.slice(0, 5), [], 'every trade carries the plugin its logic_type maps to');
    for (const table of TABLES.slice(1)) {
      const { rows } = await sql
        .raw<{ n: string | number }>(`select count(*) as n from ${table} where plugin_id is distinct from 'legacy'`)
        .execute(database.db);
      assert.equal(Number(rows[0].n), 0, `${table}: existing rows are legacy`);
    }

    const { rows: indexes } = database.capabilities.namedSchemas
      ? await sql<{ name: string }>`select indexname as name from pg_indexes where schemaname = current_schema()`.execute(database.db)
      : await sql<{ name: string }>`select name from sqlite_master where type = 'index'`.execute(database.db);
    for (const index of INDEXES)
      assert.ok(
        indexes.some((i) => i.name === index),
        `index ${index} exists`,
      );

    // get_all_plugin_statistics()
    const { rows: all } = await sql<{
      plugin_id: string;
      total_trades: string | number;
      winning_trades: string | number;
      total_pnl: number;
    }>`
      SELECT plugin_id, COUNT(*) as total_trades, COUNT(CASE WHEN pnl > 0 THEN 1 END) as winning_trades, SUM(pnl) as total_pnl, AVG(pnl) as avg_pnl
      FROM trades WHERE status = 'closed' GROUP BY plugin_id`.execute(database.db);
    assert.deepEqual(
      Object.fromEntries(all.map((r) => [r.plugin_id, [Number(r.total_trades), Number(r.winning_trades)]])),
      Object.fromEntries(Object.entries(facts.stats).map(([p, s]) => [p, [s.total_trades, s.winning_trades]])),
      'per-plugin trade and winner counts match the generated data',
    );
    for (const row of all) {
      const expected = facts.stats[row.plugin_id].total_pnl;
      assert.ok(Math.abs(Number(row.total_pnl) - expected) < 1e-6 * Math.max(1, Math.abs(expected)), `total_pnl of ${row.plugin_id}`);
    }
    // get_plugin_statistics('v3-logic-01-5min') and get_trades_by_plugin(), on the index.
    const plugin = 'v3-logic-01-5min';
    const { rows: one } = await sql<{ total_trades: string | number }>`
      SELECT COUNT(*) as total_trades, COUNT(CASE WHEN pnl > 0 THEN 1 END) as winning_trades, COUNT(CASE WHEN pnl < 0 THEN 1 END) as losing_trades,
             SUM(pnl) as total_pnl, AVG(pnl) as avg_pnl, MAX(pnl) as best_trade, MIN(pnl) as worst_trade
      FROM trades WHERE plugin_id = ${plugin} AND status = 'closed'`.execute(database.db);
    assert.equal(Number(one[0].total_trades), facts.stats[plugin]?.total_trades ?? 0, `get_plugin_statistics(${plugin})`);
    const { rows: recent } = await sql<{ plugin_id: string }>`
      SELECT plugin_id FROM trades WHERE plugin_id = ${plugin} AND close_time IS NOT NULL ORDER BY close_time DESC`.execute(database.db);
    const expectedRecent = trades.filter((t) => t.plugin_id === plugin).length;
    assert.ok(recent.length > 0 && recent.length <= expectedRecent, 'get_trades_by_plugin returns only that plugin');
  },
};
