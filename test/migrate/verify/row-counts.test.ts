/**
 * The row-count guard stays exact when PostgreSQL's "after" count carries over the counts of tables
 * the migration provably did not change: every way a count can change is still caught, and a
 * table that was only updated is not counted a second time.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { MigrationFailedError } from '../../../src/migrate/errors.ts';
import type { QueryEvent } from '../../../src/storage/database.ts';
import { forEachDialect } from '../../support/dialects.ts';
import { openEngine, snapshot, sqlFile, writeMigrations } from '../engine-support.ts';

const SETUP = sqlFile(
  [
    'create table orders (id integer primary key, status text);',
    "insert into orders values (1, 'amo'), (2, 'closed'), (3, 'closed');",
    'create table other (id integer primary key);',
    'insert into other values (1), (2);',
  ].join('\n'),
);

forEachDialect('row-count guard', (target) => {
  const losing: Record<string, string> = {
    delete: "delete from orders where status = 'amo';",
    'delete one, insert two': "delete from orders where id = 1;\ninsert into orders values (4, 'amo'), (5, 'amo');",
    insert: "insert into orders values (9, 'x');",
    'drop and re-create with fewer rows':
      "create table orders_new (id integer primary key, status text);\ninsert into orders_new select * from orders where id < 3;\ndrop table orders;\nalter table orders_new rename to orders;",
    ...(target.dialect === 'postgres'
      ? {
          truncate: 'truncate orders;',
          'truncate and refill with fewer': "truncate orders;\ninsert into orders values (1, 'amo');",
        }
      : {}),
  };
  for (const [what, statements] of Object.entries(losing)) {
    test(`a migration that changes a count (${what}) fails the row check and changes nothing`, async () => {
      const { url, dir } = await target.create();
      writeMigrations(dir, { '1_setup.sql': SETUP });
      const { database, engine } = await openEngine(url, dir, { backup: false });
      try {
        await engine.up();
        const before = await snapshot(database);
        writeMigrations(dir, { '2_change.sql': sqlFile(statements) });
        await assert.rejects(engine.up(), (error: unknown) => {
          assert.ok(error instanceof MigrationFailedError, String(error));
          assert.match(error.message, /table \S*orders (had 3 rows before the migration and \d+ after|\(3 rows\) no longer exists)/);
          return true;
        });
        assert.deepEqual(await snapshot(database), before);
      } finally {
        await database.close();
      }
    });
  }

  test('an update-only migration passes, and on PostgreSQL no table is counted a second time', async () => {
    const { url, dir } = await target.create();
    writeMigrations(dir, { '1_setup.sql': SETUP });
    const { database, engine } = await openEngine(url, dir, { backup: false });
    try {
      await engine.up();
      writeMigrations(dir, { '2_update.sql': sqlFile("update orders set status = 'pending' where status = 'amo';\nalter table orders add column reason text;") });
      const queries: string[] = [];
      database.queryObserver = (event: QueryEvent) => queries.push(event.sql);
      const report = await engine.up();
      assert.deepEqual(
        report.applied.map((a) => a.version),
        ['2'],
      );
      const counts = queries.filter((q) => /count\(\*\)/i.test(q) && /union all|from "/i.test(q));
      if (target.dialect === 'postgres') {
        // Before: every table. After: neither table (orders was only updated, other untouched).
        assert.equal(counts.length, 1, counts.join('\n---\n'));
      }
      assert.equal((await sql<{ n: number }>`select count(*) as n from orders`.execute(database.db)).rows.length, 1);
    } finally {
      await database.close();
    }
  });
});

forEachDialect('row-count guard, partitions and inheritance', (target) => {
  if (target.dialect !== 'postgres') return;
  test("rows removed through a partition or an inheritance child are caught on the parent's count", async () => {
    const { url, dir } = await target.create();
    writeMigrations(dir, {
      '1_setup.sql': sqlFile(
        [
          'create table fills (id integer, day integer) partition by range (day);',
          'create table fills_1 partition of fills for values from (0) to (100);',
          'insert into fills values (1, 1), (2, 2);',
          'create table legacy (id integer);',
          'create table legacy_child () inherits (legacy);',
          'insert into legacy_child values (1), (2);',
        ].join('\n'),
      ),
    });
    const { database, engine } = await openEngine(url, dir, { backup: false });
    try {
      await engine.up();
      writeMigrations(dir, { '2_child.sql': sqlFile('delete from legacy_child where id = 1;', { directives: ['allow-row-change legacy_child'] }) });
      await assert.rejects(engine.up(), /table public\.legacy had 2 rows before the migration and 1 after/);
      writeMigrations(dir, {
        '2_child.sql': null,
        '2_partition.sql': sqlFile('delete from fills_1 where id = 1;', { directives: ['allow-row-change fills_1'] }),
      });
      await assert.rejects(engine.up(), /table public\.fills had 2 rows before the migration and 1 after/);
    } finally {
      await database.close();
    }
  });
});
