/**
 * Seed 002's verification as assertions: every migration is listed in monitoring.schema_migrations,
 * exit_reason is TEXT, event_log and sync_status exist, the new position columns have the
 * document's types, and no data changed (same rows, the 100-character reasons kept as they were).
 */
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { ScenarioChecks } from '../support/scenario.ts';

export interface MonitoringFacts {
  readonly positions: number;
  readonly active: number;
  readonly atLimit: number;
  readonly exitReasonsSha256: string;
}

async function exitReasonsSha(database: Parameters<ScenarioChecks<MonitoringFacts>['before']>[0]): Promise<string> {
  const { rows } = await sql<{
    h: string;
  }>`select md5(string_agg(id::text || ':' || coalesce(exit_reason, '<null>'), '|' order by id)) as h from monitoring.positions`.execute(
    database.db,
  );
  return rows[0].h ?? '';
}

export const checks: ScenarioChecks<MonitoringFacts> = {
  async before(database) {
    // The document's "Questions to answer before proceeding".
    const { rows } = await sql<{ positions: string; active: string; at_limit: string }>`
      select (select count(*) from monitoring.positions) as positions,
             (SELECT COUNT(*) FROM monitoring.positions WHERE status = 'active') as active,
             (SELECT COUNT(*) FROM monitoring.positions WHERE LENGTH(exit_reason) = 100) as at_limit`.execute(database.db);
    return {
      positions: Number(rows[0].positions),
      active: Number(rows[0].active),
      atLimit: Number(rows[0].at_limit),
      exitReasonsSha256: await exitReasonsSha(database),
    };
  },
  async after(database, facts) {
    const { rows: applied } = await sql<{ version: string }>`SELECT * FROM monitoring.schema_migrations order by version`.execute(
      database.db,
    );
    assert.deepEqual(
      applied.map((r) => r.version),
      ['0001', '0002', '0003'],
      'monitoring.schema_migrations lists the three migrations',
    );
    const { rows: type } = await sql<{ data_type: string }>`
      SELECT data_type FROM information_schema.columns
      WHERE table_schema = 'monitoring' AND table_name = 'positions' AND column_name = 'exit_reason'`.execute(database.db);
    assert.deepEqual(type, [{ data_type: 'text' }], 'exit_reason is TEXT');
    const { rows: tables } = await sql<{ table_name: string }>`
      SELECT table_name FROM information_schema.tables
      WHERE table_schema = 'monitoring' AND table_name IN ('event_log', 'sync_status') order by table_name`.execute(database.db);
    assert.deepEqual(
      tables.map((t) => t.table_name),
      ['event_log', 'sync_status'],
      'the 2 new tables exist',
    );
    const { rows: columns } = await sql<{ column_name: string; data_type: string }>`
      select column_name, data_type from information_schema.columns
      where table_schema = 'monitoring' and table_name = 'positions'
        and column_name in ('error_details', 'retry_count', 'last_error_at', 'last_sync_at', 'sync_status', 'exchange_order_id', 'sl_order_id')
      order by column_name`.execute(database.db);
    assert.deepEqual(Object.fromEntries(columns.map((c) => [c.column_name, c.data_type])), {
      error_details: 'jsonb',
      exchange_order_id: 'character varying',
      last_error_at: 'timestamp without time zone',
      last_sync_at: 'timestamp without time zone',
      retry_count: 'integer',
      sl_order_id: 'character varying',
      sync_status: 'character varying',
    });
    const after = await checks.before(database);
    assert.equal(after.positions, facts.positions, 'no position lost or added');
    assert.equal(after.active, facts.active, 'active positions unchanged');
    assert.equal(after.atLimit, facts.atLimit, 'the 100-character reasons are kept as they were');
    assert.equal(after.exitReasonsSha256, facts.exitReasonsSha256, 'every exit_reason unchanged');
    const { rows: retries } = await sql<{
      n: string;
    }>`select count(*) as n from monitoring.positions where retry_count is distinct from 0`.execute(database.db);
    assert.equal(Number(retries[0].n), 0, 'existing positions start with retry_count 0');
  },
};
