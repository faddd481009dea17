import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Kysely, sql } from 'kysely';
import { createMigrationContext } from '../../../src/migrate/context/context.ts';
import { BACKFILL_PROGRESS_TABLE } from '../../../src/migrate/context/data-helpers.ts';
import { MigrationInputError } from '../../../src/migrate/errors.ts';
import { type BackfillOptions, DEFAULT_MIGRATION_CONFIG, type Migration, type MigrationConfig } from '../../../src/migrate/migration.ts';
import { type BotledgerDatabase, openDatabase } from '../../../src/storage/database.ts';
import { forEachDialect } from '../../support/dialects.ts';

function moduleMigration(config: Partial<MigrationConfig> = {}): Migration {
  return {
    version: '0007',
    name: 'plugin_id',
    fileName: '0007_plugin_id.ts',
    path: '/nowhere/0007_plugin_id.ts',
    source: 'core',
    checksum: '0'.repeat(64),
    format: 'module',
    config: { ...DEFAULT_MIGRATION_CONFIG, ...config },
    up: { kind: 'function', run: async () => {} },
    verify: [],
  };
}

async function counters(db: Kysely<any>): Promise<number[]> {
  return (await sql<{ counter: number }>`select counter from items order by id`.execute(db)).rows.map((r) => Number(r.counter));
}

async function itemsTable(db: Kysely<any>): Promise<void> {
  await sql`create table items (id integer primary key, counter integer not null default 0, status text)`.execute(db);
  for (let i = 1; i <= 10; i++) await sql`insert into items (id, status) values (${i}, ${i <= 4 ? 'amo' : 'ongoing'})`.execute(db);
}

forEachDialect('createMigrationContext', (target) => {
  async function open(): Promise<BotledgerDatabase> {
    const { url } = await target.create();
    return openDatabase(url);
  }

  test('describes the migration and collects verify queries from addVerify and remapValues', async () => {
    const database = await open();
    try {
      await itemsTable(database.db);
      const { context, verifySql } = createMigrationContext(database.db, database, moduleMigration());
      assert.equal(context.dialect, database.dialect);
      assert.equal(context.capabilities, database.capabilities);
      assert.deepEqual(context.migration, { version: '0007', name: 'plugin_id', source: 'core', fileName: '0007_plugin_id.ts' });
      context.addVerify('select id from items where counter < 0');
      assert.equal(await context.remapValues('items', 'status', { amo: 'pending' }), 4);
      assert.equal(verifySql.length, 2);
      assert.equal(verifySql[0], 'select id from items where counter < 0');
      assert.match(verifySql[1], /"status" in \('amo'\)/);
      for (const query of verifySql) assert.deepEqual((await sql.raw(query).execute(database.db)).rows, []);
      assert.throws(
        () => context.addVerify('  '),
        (error: Error) => error instanceof MigrationInputError && error.message.includes('0007_plugin_id.ts'),
      );
    } finally {
      await database.close();
    }
  });

  test('in a transactional migration the backfill commits or rolls back with it (no transaction of its own)', async () => {
    const database = await open();
    try {
      await itemsTable(database.db);
      // the engine's way: one connection, BEGIN issued by hand, the migration rolled back on failure
      await database.db.connection().execute(async (db) => {
        await sql`begin`.execute(db);
        const { context } = createMigrationContext(db, database, moduleMigration({ transaction: true }));
        assert.equal(await context.backfill('items', { counter: 'counter + 1' }, { batchSize: 3 }), 10);
        assert.deepEqual(await counters(db), [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
        await sql`rollback`.execute(db);
      });
      // had the backfill committed batches by itself, they would have survived the rollback
      assert.deepEqual(await counters(database.db), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    } finally {
      await database.close();
    }
  });

  test('in a no-transaction migration each batch commits, keyed by source, version and table, and a rerun resumes', async () => {
    const database = await open();
    try {
      await itemsTable(database.db);
      const migration = moduleMigration({ transaction: false });
      const crashAfterTwo = { batchSize: 3, maxBatches: 2 } as BackfillOptions;
      await database.db.connection().execute(async (db) => {
        const { context } = createMigrationContext(db, database, migration);
        assert.equal(await context.backfill('items', { counter: 'counter + 1' }, crashAfterTwo), 6);
      });
      const saved = await sql<{
        progress_key: string;
        last_key: string;
      }>`select progress_key, last_key from ${sql.raw(BACKFILL_PROGRESS_TABLE)}`.execute(database.db);
      assert.deepEqual(saved.rows, [{ progress_key: 'core:0007:items:counter', last_key: '6' }]);
      await database.db.connection().execute(async (db) => {
        const { context } = createMigrationContext(db, database, migration);
        assert.equal(await context.backfill('items', { counter: 'counter + 1' }, { batchSize: 3 }), 4);
      });
      assert.deepEqual(await counters(database.db), [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    } finally {
      await database.close();
    }
  });
});
