import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { MigrateError } from '../../../src/migrate/errors.ts';
import { describeScenario, engineFor, legacyDatabase } from '../support/scenario-suite.ts';
import { snapshotDatabase } from '../support/snapshot.ts';
import { scenario } from './scenario.ts';

describeScenario(scenario, {
  // Migration 2 is irreversible (it drops the legacy reason columns); migration 1 has a working down, tested below.
  reversible: false,
  extra(dialect) {
    test('down: refused past the irreversible migration 2; migration 1 alone reverts to the exact legacy rows', async () => {
      const s = await legacyDatabase(scenario, dialect);
      try {
        const legacy = await snapshotDatabase(s.database);
        await engineFor(scenario, s).up();
        await assert.rejects(engineFor(scenario, s).down(), (error: unknown) => {
          assert.ok(error instanceof MigrateError);
          assert.equal(error.code, 'IRREVERSIBLE');
          assert.match(error.message, /0002_drop_legacy_reason_columns/);
          assert.match(error.message, /restore/);
          return true;
        });
        await s.database.close();

        const fresh = await legacyDatabase(scenario, dialect);
        await engineFor(scenario, fresh).up({ to: '0001' });
        const { rows } = await sql<{ n: number | string }>`select count(*) as n from orders where legacy_status is not null`.execute(
          fresh.database.db,
        );
        assert.ok(Number(rows[0].n) > 0, 'migration 1 kept the old statuses it changed');
        await engineFor(scenario, fresh).down();
        const reverted = await snapshotDatabase(fresh.database);
        assert.deepEqual(reverted.schema, legacy.schema);
        assert.deepEqual(reverted.tables, legacy.tables, 'every old status (AMO, sell, retry_pending, ...) is back, case included');
        await fresh.database.close();
      } finally {
        await s.database.close().catch(() => {});
      }
    });

    test("data that breaks the document's check (a 'sell' status on a buy order) is refused and rolled back", async () => {
      const s = await legacyDatabase(scenario, dialect);
      try {
        await sql`insert into orders (user_id, symbol, side, quantity, status, created_at) values (1, 'SBIN-EQ', 'buy', 1, 'sell', '2025-11-01T00:00:00Z')`.execute(
          s.database.db,
        );
        const before = await snapshotDatabase(s.database);
        await assert.rejects(engineFor(scenario, s).up(), (error: unknown) => {
          assert.ok(error instanceof MigrateError);
          assert.equal(error.exitCode, 1);
          assert.match(error.message, /0001_unify_reason_and_statuses/);
          assert.match(error.message, /sell/);
          return true;
        });
        assert.deepEqual(await snapshotDatabase(s.database), before, 'nothing changed');
        assert.deepEqual((await engineFor(scenario, s).status()).applied, []);
      } finally {
        await s.database.close();
      }
    });
  },
});
