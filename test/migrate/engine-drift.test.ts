import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { MigrationInputError, MigrationRefusedError } from '../../src/migrate/errors.ts';
import { readAppliedMigrations } from '../../src/migrate/tracking/tracking.ts';
import { forEachDialect } from '../support/dialects.ts';
import { openEngine, snapshot, sqlFile, writeMigrations } from './engine-support.ts';

const FILES = {
  '1_a.sql': sqlFile('create table a (id integer);', { down: 'drop table a;', verify: 'select id from a where id < 0;' }),
  '2_b.sql': sqlFile('create table b (id integer);', { down: 'drop table b;' }),
  '3_c.sql': sqlFile('create table c (id integer);', { down: 'drop table c;' }),
};

const refused = (code: string, pattern: RegExp) => (error: unknown) => {
  assert.ok(error instanceof MigrationRefusedError, `expected MigrationRefusedError, got ${error}`);
  assert.equal(error.exitCode, 4);
  assert.equal(error.code, code);
  assert.match(error.message, pattern);
  return true;
};

forEachDialect('migrate drift', (target) => {
  test('an applied file that was edited stops everything, naming the file and both checksums', async () => {
    const { url, dir } = await target.create();
    writeMigrations(dir, { '1_a.sql': FILES['1_a.sql'] });
    const { database, engine } = await openEngine(url, dir, { backup: false });
    try {
      await engine.up();
      writeMigrations(dir, { '1_a.sql': `${FILES['1_a.sql']}-- edited\n`, '2_b.sql': FILES['2_b.sql'] });
      const before = await snapshot(database);
      await assert.rejects(
        engine.up(),
        refused(
          'CHECKSUM_MISMATCH',
          /migration 1_a\.sql was edited after it was applied \(checksum [0-9a-f]{12}… recorded, [0-9a-f]{12}… now\); restore the file or write a new migration/,
        ),
      );
      await assert.rejects(engine.down(), refused('CHECKSUM_MISMATCH', /1_a\.sql was edited/));
      assert.deepEqual(await snapshot(database), before, '2_b was not applied');
      const status = await engine.status();
      assert.equal(status.applied[0].state, 'edited');
      assert.deepEqual(
        status.drift.map((d) => d.code),
        ['CHECKSUM_MISMATCH'],
      );
    } finally {
      await database.close();
    }
  });

  test('a database migrated by a newer botledger is refused; a missing older file is drift too', async () => {
    const { url, dir } = await target.create();
    writeMigrations(dir, FILES);
    const { database, engine } = await openEngine(url, dir, { backup: false });
    try {
      await engine.up();
      writeMigrations(dir, { '3_c.sql': null });
      await assert.rejects(
        engine.up(),
        refused('DATABASE_NEWER', /the database was migrated by a newer botledger \(version 3 "c" of source test is not known here/),
      );
      writeMigrations(dir, { '3_c.sql': FILES['3_c.sql'], '1_a.sql': null });
      await assert.rejects(engine.up(), refused('MISSING_FILE', /version 1 "a" of source test was applied but its file is missing/));
      assert.equal((await engine.status()).applied.find((a) => a.version === '1')?.state, 'missing');
    } finally {
      await database.close();
    }
  });

  test('another source in the same tracking table is not drift', async () => {
    const { url, dir } = await target.create();
    writeMigrations(dir, FILES);
    const { database, engine } = await openEngine(url, dir, { backup: false });
    const other = await openEngine(url, dir, { backup: false, source: 'other-plugin' });
    try {
      await engine.up();
      await sql`drop table a`.execute(database.db);
      await sql`drop table b`.execute(database.db);
      await sql`drop table c`.execute(database.db);
      await other.engine.up({ to: '1' });
      const status = await engine.status();
      assert.deepEqual(status.drift, []);
      assert.deepEqual(status.otherSources, ['other-plugin']);
    } finally {
      await database.close();
      await other.database.close();
    }
  });

  test('status reports applied, pending and current', async () => {
    const { url, dir } = await target.create();
    writeMigrations(dir, FILES);
    const { database, engine } = await openEngine(url, dir, { backup: false });
    try {
      await engine.up({ to: '1' });
      const status = await engine.status();
      assert.equal(status.current, '1');
      assert.deepEqual(
        status.applied.map((a) => [a.version, a.state]),
        [['1', 'ok']],
      );
      assert.deepEqual(
        status.pending.map((p) => p.fileName),
        ['2_b.sql', '3_c.sql'],
      );
      assert.equal(status.dialect, target.dialect);
    } finally {
      await database.close();
    }
  });

  test('baseline records versions up to --to without running them; refuses an edited one', async () => {
    const { url, dir } = await target.create();
    writeMigrations(dir, FILES);
    const { database, engine } = await openEngine(url, dir, { backup: false });
    try {
      await assert.rejects(engine.baseline({ to: '9' }), (e: unknown) => e instanceof MigrationInputError && /--to 9/.test(e.message));
      const report = await engine.baseline({ to: '2' });
      assert.deepEqual(
        report.recorded.map((m) => m.fileName),
        ['1_a.sql', '2_b.sql'],
      );
      const applied = await readAppliedMigrations(database.db);
      assert.deepEqual(
        applied.map((a) => a.version),
        ['1', '2'],
      );
      const tables = await sql<{
        n: string | number;
      }>`select count(*) as n from ${sql.raw(target.dialect === 'sqlite' ? "sqlite_master where name in ('a','b')" : "information_schema.tables where table_name in ('a','b')")}`.execute(
        database.db,
      );
      assert.equal(Number(tables.rows[0].n), 0, 'baseline runs nothing');
      assert.deepEqual((await engine.baseline({ to: '2' })).recorded, [], 'baseline again is a no-op');
      writeMigrations(dir, { '2_b.sql': `${FILES['2_b.sql']}-- edited\n` });
      await assert.rejects(engine.baseline({ to: '3' }), refused('CHECKSUM_MISMATCH', /2_b\.sql was edited/));
      writeMigrations(dir, { '2_b.sql': FILES['2_b.sql'] });
      assert.deepEqual(
        (await engine.up()).applied.map((m) => m.version),
        ['3'],
      );
    } finally {
      await database.close();
    }
  });

  test('verify re-runs the verify queries of applied migrations and reports rows', async () => {
    const { url, dir } = await target.create();
    writeMigrations(dir, FILES);
    const { database, engine } = await openEngine(url, dir, { backup: false });
    try {
      await engine.up();
      assert.equal((await engine.verify()).ok, true);
      await sql`insert into a values (-5)`.execute(database.db);
      const report = await engine.verify();
      assert.equal(report.ok, false);
      assert.equal(report.checked[0].fileName, '1_a.sql');
      assert.match(report.checked[0].failures[0].message, /returned 1 row\(s\)[\s\S]*"id":-5/);
    } finally {
      await database.close();
    }
  });
});
