/**
 * The backup taken by `up`/`down` on SQLite is checked (PRAGMA integrity_check) in a worker thread
 * while the first migration runs, and that migration's COMMIT waits for the verdict. These tests
 * hold the two halves: the worker's verdict is real, and a failed check means nothing is committed.
 */
import assert from 'node:assert/strict';
import { closeSync, openSync, readdirSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { applyMigration } from '../../../src/migrate/apply/apply.ts';
import { checkCopyInWorker } from '../../../src/migrate/backup/backup-sqlite.ts';
import { startBackup } from '../../../src/migrate/backup/backup.ts';
import { loadMigrations } from '../../../src/migrate/sources/sources.ts';
import { readAppliedMigrations } from '../../../src/migrate/tracking/tracking.ts';
import { openDatabase } from '../../../src/storage/database.ts';
import { forEachDialect, sqliteTarget, tempDir } from '../../support/dialects.ts';
import { openEngine, snapshot, writeMigrations } from '../engine-support.ts';

function filledSqliteFile(path: string): void {
  const raw = new BetterSqlite3(path);
  raw.exec('create table t (id integer primary key, v text); create index t_v on t (v);');
  const insert = raw.prepare('insert into t (v) values (?)');
  raw.transaction(() => {
    for (let i = 0; i < 5_000; i++) insert.run(`value ${i} `.repeat(5));
  })();
  raw.close();
}

test('the worker integrity check says ok for a sound copy and names the damage of a corrupt one', async () => {
  const dir = tempDir();
  const sound = join(dir, 'sound.db');
  filledSqliteFile(sound);
  assert.equal(await checkCopyInWorker(sound), 'ok');

  const damaged = join(dir, 'damaged.db');
  filledSqliteFile(damaged);
  const fd = openSync(damaged, 'r+');
  writeSync(fd, Buffer.alloc(4096, 0xab), 0, 4096, 4096 * 3); // scribble over a b-tree page
  closeSync(fd);
  const verdict = await checkCopyInWorker(damaged);
  assert.notEqual(verdict, 'ok');
  assert.ok(verdict.length > 0);
});

test('startBackup with a deferred check returns the copy at once and `checked` resolves for a sound database', async () => {
  const { url, dir } = await sqliteTarget.create();
  const database = await openDatabase(url);
  try {
    database.sqlite!.exec("create table t (id integer primary key, v text); insert into t (v) values ('a'), ('b');");
    const { backup, checked } = await startBackup(database, { dir: join(dir, 'backups'), atVersion: null }, { deferCheck: true });
    await checked;
    assert.ok(readdirSync(join(dir, 'backups')).includes(backup.path.split('/').at(-1)!));
    const copy = new BetterSqlite3(backup.path, { readonly: true });
    assert.equal((copy.prepare('select count(*) as n from t').get() as { n: number }).n, 2);
    copy.close();
  } finally {
    await database.close();
  }
});

forEachDialect('a failed backup check before COMMIT', (target) => {
  test('rolls the migration back: nothing is applied or recorded', async () => {
    const { url, dir } = await target.create();
    writeMigrations(dir, {
      '0001_add_table.sql': '-- migrate:up\ncreate table added (id integer primary key);\ninsert into added (id) values (1);\n',
    });
    const database = await openDatabase(url);
    try {
      const { ensureTrackingTable } = await import('../../../src/migrate/tracking/tracking.ts');
      await ensureTrackingTable(database.db);
      const before = await snapshot(database);
      const [migration] = await loadMigrations(join(dir, 'migrations'), 'test');
      await assert.rejects(
        applyMigration(database, migration, {
          trackingTable: 'schema_migrations',
          appliedBy: 'test',
          backupPath: null,
          beforeCommit: () => Promise.reject(new Error('backup failed its integrity check (page 4 is never used)')),
        }),
        /integrity check/,
      );
      assert.deepEqual(await snapshot(database), before);
      assert.deepEqual(await readAppliedMigrations(database.db), []);
    } finally {
      await database.close();
    }
  });

  test('engine up waits for the check and then applies (the backup is complete and sound)', async () => {
    const { url, dir } = await target.create();
    writeMigrations(dir, { '0001_add_table.sql': '-- migrate:up\ncreate table added (id integer primary key);\n' });
    const { database, engine } = await openEngine(url, dir);
    try {
      const report = await engine.up();
      assert.equal(report.applied.length, 1);
      assert.ok(report.backup);
      if (target.dialect === 'sqlite') assert.equal(await checkCopyInWorker(report.backup.path), 'ok');
    } finally {
      await database.close();
    }
  });
});
