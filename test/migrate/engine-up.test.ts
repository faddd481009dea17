import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { sql } from 'kysely';
import { MigrationFailedError } from '../../src/migrate/errors.ts';
import { readAppliedMigrations } from '../../src/migrate/tracking/tracking.ts';
import { forEachDialect } from '../support/dialects.ts';
import { openEngine, snapshot, sqlFile, writeMigrations } from './engine-support.ts';

const BASE = {
  '1_orders.sql': sqlFile(
    "create table orders (id integer primary key, status text not null);\ninsert into orders values (1, 'open'), (2, 'closed'), (3, 'open');",
    {
      down: 'drop table orders;',
    },
  ),
  '2_reason.sql': sqlFile("alter table orders add column reason text;\nupdate orders set reason = 'legacy';", {
    down: 'alter table orders drop column reason;',
    verify: 'select id from orders where reason is null;',
  }),
};

const failed =
  (pattern: RegExp, check: (e: MigrationFailedError) => void = () => {}) =>
  (error: unknown) => {
    assert.ok(error instanceof MigrationFailedError, `expected MigrationFailedError, got ${error}`);
    assert.equal(error.exitCode, 1);
    assert.match(error.message, pattern);
    check(error);
    return true;
  };

forEachDialect('migrate up', (target) => {
  test('applies pending migrations in numeric order, records them with checksum and backup, and a second up is a no-op', async () => {
    const { url, dir } = await target.create();
    writeMigrations(dir, {
      ...BASE,
      '10_index.sql': sqlFile('create index orders_status on orders (status);', { down: 'drop index orders_status;' }),
    });
    const { database, engine, events } = await openEngine(url, dir);
    try {
      const report = await engine.up();
      assert.deepEqual(
        report.applied.map((m) => m.fileName),
        ['1_orders.sql', '2_reason.sql', '10_index.sql'],
      );
      assert.equal(report.current, '10');
      assert.ok(report.backup && existsSync(report.backup.path), 'a backup was taken before applying');
      assert.equal(report.backup.atVersion, null);
      assert.ok(report.timings.sqlMs >= 0 && report.timings.verifyMs >= 0 && report.timings.totalMs >= report.timings.sqlMs);
      assert.ok(events.indexOf('backup-done') < events.indexOf('migration-start 1_orders.sql'), 'backup before the first migration');
      const applied = await readAppliedMigrations(database.db);
      assert.deepEqual(
        applied.map((a) => [a.source, a.version, a.name, a.backupPath]),
        [
          ['test', '1', 'orders', report.backup.path],
          ['test', '2', 'reason', report.backup.path],
          ['test', '10', 'index', report.backup.path],
        ],
      );
      assert.match(applied[0].checksum, /^[0-9a-f]{64}$/);
      const rows = await sql<{ reason: string }>`select reason from orders order by id`.execute(database.db);
      assert.deepEqual(
        rows.rows.map((r) => r.reason),
        ['legacy', 'legacy', 'legacy'],
      );

      const before = await snapshot(database);
      const again = await engine.up();
      assert.deepEqual(again.applied, []);
      assert.equal(again.backup, null, 'no backup when there is nothing to do');
      assert.equal(again.current, '10');
      assert.deepEqual(await snapshot(database), before);
    } finally {
      await database.close();
    }
  });

  test('--to stops at a version; an unknown --to is an input error', async () => {
    const { url, dir } = await target.create();
    writeMigrations(dir, BASE);
    const { database, engine } = await openEngine(url, dir, { backup: false });
    try {
      assert.deepEqual(
        (await engine.up({ to: '1' })).applied.map((m) => m.version),
        ['1'],
      );
      await assert.rejects(engine.up({ to: '7' }), /--to 7: no migration with that version/);
      assert.deepEqual(
        (await engine.up()).applied.map((m) => m.version),
        ['2'],
      );
    } finally {
      await database.close();
    }
  });

  test('a failing statement rolls its migration back exactly, names file, line and statement, and gives the backup path', async () => {
    const { url, dir } = await target.create();
    writeMigrations(dir, { '1_orders.sql': BASE['1_orders.sql'] });
    const { database, engine } = await openEngine(url, dir);
    try {
      await engine.up();
      writeMigrations(dir, {
        '2_reason.sql': sqlFile(
          "alter table orders add column reason text;\ncreate table audit (id integer);\nupdate orders set status = 'x';\ninsert into orders (id, status) values (1, 'duplicate');",
        ),
      });
      const before = await snapshot(database);
      await assert.rejects(
        engine.up(),
        failed(
          /2_reason\.sql \(up\) failed at line 5: .*rolled back[\s\S]*statement: insert into orders[\s\S]*backup taken before this run: /,
          (e) => {
            assert.equal(e.details.line, 5);
            assert.equal(e.details.file, '2_reason.sql');
            assert.equal(e.details.version, '2');
            assert.ok(typeof e.details.backupPath === 'string' && existsSync(e.details.backupPath as string));
          },
        ),
      );
      assert.deepEqual(await snapshot(database), before, 'schema, rows and tracking are exactly as before the migration');
    } finally {
      await database.close();
    }
  });

  test('earlier migrations of the same run stay applied when a later one fails, and the message says so', async () => {
    const { url, dir } = await target.create();
    writeMigrations(dir, { ...BASE, '3_bad.sql': sqlFile('select * from no_such_table;') });
    const { database, engine } = await openEngine(url, dir, { backup: false });
    try {
      await assert.rejects(
        engine.up(),
        failed(/3_bad\.sql[\s\S]*earlier migrations of this run stay applied .*: 1_orders\.sql, 2_reason\.sql/),
      );
      assert.deepEqual(
        (await readAppliedMigrations(database.db)).map((a) => a.version),
        ['1', '2'],
      );
    } finally {
      await database.close();
    }
  });

  test('a verify query that returns rows fails the migration, shows the rows, and rolls back', async () => {
    const { url, dir } = await target.create();
    writeMigrations(dir, { '1_orders.sql': BASE['1_orders.sql'] });
    const { database, engine } = await openEngine(url, dir, { backup: false });
    try {
      await engine.up();
      writeMigrations(dir, {
        '2_reason.sql': sqlFile("alter table orders add column reason text;\nupdate orders set reason = 'x' where status = 'open';", {
          verify: 'select 1 as ok where false;\nselect id, status from orders where reason is null;',
        }),
      });
      const before = await snapshot(database);
      await assert.rejects(
        engine.up(),
        failed(
          /failed verification and it was rolled back[\s\S]*verify query \(line 6\) returned 1 row\(s\)[\s\S]*"id":2,"status":"closed"/,
          (e) => {
            assert.equal(e.code, 'VERIFY_FAILED');
          },
        ),
      );
      assert.deepEqual(await snapshot(database), before);
    } finally {
      await database.close();
    }
  });

  test('a migration that loses rows or drops a table fails unless allow-row-change names the table', async () => {
    const { url, dir } = await target.create();
    writeMigrations(dir, {
      '1_orders.sql': BASE['1_orders.sql'],
      '2_keep.sql': sqlFile('create table keep (id integer);\ninsert into keep values (1);'),
    });
    const { database, engine } = await openEngine(url, dir, { backup: false });
    try {
      await engine.up();
      const before = await snapshot(database);
      writeMigrations(dir, { '3_purge.sql': sqlFile("delete from orders where status = 'closed';") });
      await assert.rejects(
        engine.up(),
        failed(/table \S*orders had 3 rows before the migration and 2 after/, (e) => assert.equal(e.code, 'ROW_CHECK_FAILED')),
      );
      writeMigrations(dir, { '3_purge.sql': sqlFile('drop table keep;') });
      await assert.rejects(engine.up(), failed(/table \S*keep \(1 rows\) no longer exists/));
      assert.deepEqual(await snapshot(database), before);
      writeMigrations(dir, {
        '3_purge.sql': sqlFile("delete from orders where status = 'closed';\ndrop table keep;", {
          directives: ['allow-row-change ORDERS, keep'],
        }),
      });
      assert.equal((await engine.up()).applied.length, 1);
    } finally {
      await database.close();
    }
  });

  test('a .ts migration runs in the transaction with its context; remapValues adds its check', async () => {
    const { url, dir } = await target.create();
    writeMigrations(dir, {
      '1_orders.sql': BASE['1_orders.sql'],
      // Kysely's builder only: a migrations folder in /tmp cannot import packages.
      '2_remap.ts': `export const verify = ["select id from orders where status not in ('pending', 'closed')"];
export async function up(db, context) {
  await db.schema.alterTable('orders').addColumn('note', 'text').execute();
  await context.remapValues('orders', 'status', { open: 'pending' });
}
`,
      '3_fail.ts': `export async function up(db) {
  await db.updateTable('orders').set({ status: 'gone' }).execute();
  await db.selectFrom('missing_table').selectAll().execute();
}
`,
    });
    const { database, engine } = await openEngine(url, dir, { backup: false });
    try {
      await assert.rejects(
        engine.up(),
        failed(/3_fail\.ts \(up\) failed: .*missing_table[\s\S]*statement: select \* from "missing_table"/),
      );
      const statuses = await sql<{ status: string }>`select status from orders order by id`.execute(database.db);
      assert.deepEqual(
        statuses.rows.map((r) => r.status),
        ['pending', 'closed', 'pending'],
        '2 applied, 3 rolled back',
      );
    } finally {
      await database.close();
    }
  });
});

forEachDialect('migrate up, SQLite foreign keys', (target) => {
  if (target.dialect !== 'sqlite') return;
  const parent = sqlFile(
    "create table bots (id integer primary key, name text);\ncreate table orders (id integer primary key, bot_id integer not null references bots(id));\ninsert into bots values (1, 'a'), (2, 'b');\ninsert into orders values (10, 1), (11, 2);",
  );

  test('a table rebuild under foreign keys works (keys are off during the migration, checked before commit)', async () => {
    const { url, dir } = await target.create();
    writeMigrations(dir, {
      '1_init.sql': parent,
      '2_rebuild.sql': sqlFile(
        "create table bots_new (id integer primary key, name text not null default '');\ninsert into bots_new select id, coalesce(name, '') from bots;\ndrop table bots;\nalter table bots_new rename to bots;",
        { directives: ['allow-row-change bots, bots_new'] },
      ),
    });
    const { database, engine } = await openEngine(url, dir, { backup: false });
    try {
      await engine.up();
      assert.deepEqual((await sql`pragma foreign_key_check`.execute(database.db)).rows, []);
      assert.equal(
        (await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(database.db)).rows[0].foreign_keys,
        1,
        'foreign keys are back on',
      );
    } finally {
      await database.close();
    }
  });

  test('a migration that leaves a dangling foreign key fails PRAGMA foreign_key_check and rolls back', async () => {
    const { url, dir } = await target.create();
    writeMigrations(dir, { '1_init.sql': parent });
    const { database, engine } = await openEngine(url, dir, { backup: false });
    try {
      await engine.up();
      const before = await snapshot(database);
      writeMigrations(dir, {
        '2_orphan.sql': sqlFile(
          'create table bots_new (id integer primary key, name text);\ninsert into bots_new select * from bots where id = 1;\ndrop table bots;\nalter table bots_new rename to bots;',
          {
            directives: ['allow-row-change bots'],
          },
        ),
      });
      await assert.rejects(engine.up(), failed(/foreign_key_check found 1 row\(s\)/));
      assert.deepEqual(await snapshot(database), before);
    } finally {
      await database.close();
    }
  });
});
