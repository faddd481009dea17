import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { MigrationInputError } from '../../../src/migrate/errors.ts';
import type { AppliedMigration } from '../../../src/migrate/migration.ts';
import { ensureTrackingTable, parseTableName, readAppliedMigrations, recordApplied, removeApplied } from '../../../src/migrate/tracking/tracking.ts';
import { openDatabase } from '../../../src/storage/database.ts';
import { forEachDialect } from '../../support/dialects.ts';

function row(version: string, source = 'core', extra: Partial<AppliedMigration> = {}): AppliedMigration {
  return {
    version,
    name: `m${version}`,
    source,
    checksum: `sha-${version}`,
    appliedAt: '2026-11-21T10:00:00.123Z',
    durationMs: 42,
    backupPath: null,
    appliedBy: 'alice@host',
    ...extra,
  };
}

test('a tracking table name with anything but identifier characters is refused, naming it', () => {
  for (const bad of ['schema_migrations; drop table x', 'a.b.c', '1abc', 'with space', '']) {
    assert.throws(
      () => parseTableName(bad),
      (error: Error) =>
        error instanceof MigrationInputError && error.code === 'TRACKING_TABLE_INVALID' && error.message.includes(`"${bad}"`),
    );
  }
  assert.deepEqual(parseTableName('monitoring.schema_migrations'), {
    schema: 'monitoring',
    table: 'schema_migrations',
    qualified: 'monitoring.schema_migrations',
  });
});

forEachDialect('tracking table', (target) => {
  test('is created, records, reads back sorted by source then numeric version, and forgets', async () => {
    const database = await openDatabase((await target.create()).url);
    try {
      assert.deepEqual(await readAppliedMigrations(database.db), [], 'no table yet reads as nothing applied');
      await ensureTrackingTable(database.db);
      await ensureTrackingTable(database.db); // idempotent
      await recordApplied(database.db, row('10'));
      await recordApplied(database.db, row('9', 'core', { backupPath: '/b/x.sqlite', durationMs: 1234 }));
      await recordApplied(database.db, row('1', 'plugin-a'));
      await database.db.transaction().execute((trx) => recordApplied(trx, row('0002', 'core')));
      const applied = await readAppliedMigrations(database.db);
      assert.deepEqual(
        applied.map((r) => `${r.source}/${r.version}`),
        ['core/0002', 'core/9', 'core/10', 'plugin-a/1'],
      );
      assert.deepEqual(applied[1], row('9', 'core', { backupPath: '/b/x.sqlite', durationMs: 1234 }));
      await assert.rejects(recordApplied(database.db, row('10')), 'the primary key (source, version) refuses a duplicate');
      await recordApplied(database.db, row('10', 'plugin-b'));
      await removeApplied(database.db, 'core', '10');
      assert.deepEqual(
        (await readAppliedMigrations(database.db)).map((r) => `${r.source}/${r.version}`),
        ['core/0002', 'core/9', 'plugin-a/1', 'plugin-b/10'],
      );
    } finally {
      await database.close();
    }
  });

  test('a row recorded in a rolled-back transaction is not kept', async () => {
    const database = await openDatabase((await target.create()).url);
    try {
      await ensureTrackingTable(database.db);
      await assert.rejects(
        database.db.transaction().execute(async (trx) => {
          await recordApplied(trx, row('1'));
          throw new Error('migration failed');
        }),
        /migration failed/,
      );
      assert.deepEqual(await readAppliedMigrations(database.db), []);
    } finally {
      await database.close();
    }
  });

  test("another tool's schema_migrations is refused with its columns named and --table suggested, and left untouched", async () => {
    const database = await openDatabase((await target.create()).url);
    try {
      // golang-migrate's shape
      await sql`create table schema_migrations (version bigint not null primary key, dirty boolean not null)`.execute(database.db);
      await sql`insert into schema_migrations values (3, false)`.execute(database.db);
      for (const call of [() => ensureTrackingTable(database.db), () => readAppliedMigrations(database.db)]) {
        await assert.rejects(call(), (error: Error) => {
          assert.ok(error instanceof MigrationInputError);
          assert.equal(error.code, 'TRACKING_TABLE_FOREIGN');
          assert.match(error.message, /schema_migrations/);
          assert.match(error.message, /version, dirty/);
          assert.match(error.message, /--table/);
          return true;
        });
      }
      const kept = await sql<{ n: number | string }>`select count(*) as n from schema_migrations`.execute(database.db);
      assert.equal(Number(kept.rows[0].n), 1);
      await ensureTrackingTable(database.db, 'botledger_migrations');
      await recordApplied(database.db, row('1'), 'botledger_migrations');
      assert.equal((await readAppliedMigrations(database.db, 'botledger_migrations')).length, 1);
    } finally {
      await database.close();
    }
  });

  if (target.dialect === 'postgres') {
    test('a schema-qualified table is created in that schema, applied_at is timestamptz', async () => {
      const database = await openDatabase((await target.create()).url);
      try {
        await ensureTrackingTable(database.db, 'monitoring.schema_migrations');
        await recordApplied(database.db, row('1'), 'monitoring.schema_migrations');
        assert.deepEqual(await readAppliedMigrations(database.db, 'monitoring.schema_migrations'), [row('1')]);
        assert.deepEqual(await readAppliedMigrations(database.db), [], 'public.schema_migrations is another table');
        const type = await sql<{ data_type: string }>`
          select data_type from information_schema.columns
          where table_schema = 'monitoring' and table_name = 'schema_migrations' and column_name = 'applied_at'`.execute(database.db);
        assert.equal(type.rows[0].data_type, 'timestamp with time zone');
      } finally {
        await database.close();
      }
    });
  }
});
