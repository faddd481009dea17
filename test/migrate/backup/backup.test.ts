import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { test } from 'node:test';
import { sql } from 'kysely';
import { checkPostgresBackup } from '../../../src/migrate/backup/backup-postgres.ts';
import { integrityOf } from '../../../src/migrate/backup/backup-sqlite.ts';
import { backupDatabase, listBackups, restoreBackup } from '../../../src/migrate/backup/backup.ts';
import { LockNotAcquiredError, MigrateError } from '../../../src/migrate/errors.ts';
import { acquireMigrationLock } from '../../../src/migrate/lock/lock.ts';
import type { AppliedMigration } from '../../../src/migrate/migration.ts';
import { ensureTrackingTable, recordApplied } from '../../../src/migrate/tracking/tracking.ts';
import { type BotledgerDatabase, openDatabase } from '../../../src/storage/database.ts';
import { forEachDialect } from '../../support/dialects.ts';

function applied(version: string): AppliedMigration {
  return {
    version,
    name: `m${version}`,
    source: 'core',
    checksum: `c${version}`,
    appliedAt: '2026-11-21T10:00:00.000Z',
    durationMs: 5,
    backupPath: null,
    appliedBy: 'test',
  };
}

/** A database with a tracking table at version 0001 and three orders. */
async function seeded(url: string): Promise<BotledgerDatabase> {
  const database = await openDatabase(url);
  await ensureTrackingTable(database.db);
  await recordApplied(database.db, applied('0001'));
  await sql`create table orders (id integer primary key, reason text not null)`.execute(database.db);
  await sql`insert into orders (id, reason) values (1, 'a'), (2, 'b'), (3, ${'x'.repeat(5000)})`.execute(database.db);
  return database;
}

async function orderIds(url: string): Promise<number[]> {
  const database = await openDatabase(url);
  try {
    const result = await sql<{ id: number | string }>`select id from orders order by id`.execute(database.db);
    return result.rows.map((row) => Number(row.id));
  } finally {
    await database.close();
  }
}

async function tableExists(url: string, table: string): Promise<boolean> {
  const database = await openDatabase(url);
  try {
    await sql`select 1 from ${sql.table(table)} limit 1`.execute(database.db);
    return true;
  } catch {
    return false;
  } finally {
    await database.close();
  }
}

forEachDialect('backup and restore', (target) => {
  const extension = target.dialect === 'sqlite' ? 'sqlite' : 'dump';

  test('a backup is a verified file named by database, time and version, with a sidecar of the applied migrations', async () => {
    const { url, dir } = await target.create();
    const database = await seeded(url);
    try {
      const backup = await backupDatabase(database, { dir, atVersion: '0001' });
      assert.ok(existsSync(backup.path));
      assert.match(basename(backup.path), new RegExp(`^[\\w-]+-\\d{8}T\\d{9}Z-v0001\\.${extension}$`));
      assert.equal(backup.bytes, statSync(backup.path).size);
      if (target.dialect === 'sqlite') assert.ok(backup.bytes > 5000, 'the copy holds the data');
      assert.ok(backup.durationMs >= 0);
      if (target.dialect === 'sqlite') assert.equal(integrityOf(backup.path), 'ok');
      else await checkPostgresBackup(backup.path);
      const sidecar = JSON.parse(readFileSync(`${backup.path}.json`, 'utf8'));
      assert.deepEqual(sidecar, {
        dialect: target.dialect,
        database: url,
        atVersion: '0001',
        createdAt: backup.createdAt,
        schema: null,
        applied: [applied('0001')],
      });
      assert.deepEqual(listBackups(dir, database.target), [
        { path: backup.path, bytes: backup.bytes, createdAt: backup.createdAt, atVersion: '0001', schema: null },
      ]);
    } finally {
      await database.close();
    }
  });

  test('a database without a tracking table is backed up as version none with an empty applied list, and restores', async () => {
    const { url, dir } = await target.create();
    const database = await openDatabase(url);
    await sql`create table orders (id integer primary key, reason text not null)`.execute(database.db);
    await sql`insert into orders (id, reason) values (1, 'a')`.execute(database.db);
    const backup = await backupDatabase(database, { dir, atVersion: null });
    await sql`delete from orders`.execute(database.db);
    await database.close();
    assert.match(backup.path, new RegExp(`-vnone\\.${extension}$`));
    const sidecar = JSON.parse(readFileSync(`${backup.path}.json`, 'utf8'));
    assert.equal(sidecar.atVersion, null);
    assert.deepEqual(sidecar.applied, []);
    assert.deepEqual((await restoreBackup(url, undefined, { dir })).applied, []);
    assert.deepEqual(await orderIds(url), [1]);
  });

  test("retention keeps the newest N backups of this database, with their sidecars, and no other database's", async () => {
    const { url, dir } = await target.create();
    const database = await seeded(url);
    try {
      const other = join(dir, `someotherdb-20200101T000000000Z-vnone.${extension}`);
      writeFileSync(other, 'not ours');
      const made = [];
      for (let i = 0; i < 4; i++) made.push(await backupDatabase(database, { dir, atVersion: `000${i}`, keep: 2 }));
      const kept = listBackups(dir, database.target);
      assert.deepEqual(
        kept.map((b) => b.path),
        [made[3].path, made[2].path],
        'newest first, only two kept',
      );
      for (const old of made.slice(0, 2)) {
        assert.equal(existsSync(old.path), false);
        assert.equal(existsSync(`${old.path}.json`), false);
      }
      assert.ok(existsSync(`${made[3].path}.json`));
      assert.ok(existsSync(other), "another database's backup is left alone");
      // A crashed backup's leftover is removed once old; a recent one may be a backup in progress.
      const crashed = `${made[0].path}.partial`;
      const inProgress = `${made[1].path}.partial`;
      writeFileSync(crashed, 'half');
      writeFileSync(inProgress, 'half');
      const old = new Date(Date.now() - 2 * 60 * 60 * 1000);
      utimesSync(crashed, old, old);
      await backupDatabase(database, { dir, atVersion: null, keep: 2 });
      assert.equal(existsSync(crashed), false);
      assert.ok(existsSync(inProgress));
      await assert.rejects(backupDatabase(database, { dir, atVersion: null, keep: 0 }), (error: Error) => /--keep 0/.test(error.message));
    } finally {
      await database.close();
    }
  });

  test('restore brings back the newest backup by default: deleted rows return, later tables and versions go', async () => {
    const { url, dir } = await target.create();
    const database = await seeded(url);
    await backupDatabase(database, { dir, atVersion: '0000' });
    await sql`insert into orders (id, reason) values (4, 'd')`.execute(database.db);
    const newest = await backupDatabase(database, { dir, atVersion: '0001' });
    await sql`delete from orders where id in (1, 2)`.execute(database.db);
    await sql`create table added_later (x integer)`.execute(database.db);
    await recordApplied(database.db, applied('0002'));
    await database.close();

    const result = await restoreBackup(url, undefined, { dir });
    assert.equal(result.path, newest.path);
    assert.deepEqual(result.applied, [applied('0001')]);
    assert.ok(result.durationMs >= 0);
    assert.deepEqual(await orderIds(url), [1, 2, 3, 4]);
    assert.equal(await tableExists(url, 'added_later'), false, 'a table created after the backup is gone');
  });

  test('restore of a named older file goes back to that one', async () => {
    const { url, dir } = await target.create();
    const database = await seeded(url);
    const older = await backupDatabase(database, { dir, atVersion: '0001' });
    await sql`insert into orders (id, reason) values (4, 'd')`.execute(database.db);
    await backupDatabase(database, { dir, atVersion: '0001' });
    await database.close();
    const result = await restoreBackup(url, basename(older.path), { dir });
    assert.equal(result.path, older.path);
    assert.deepEqual(await orderIds(url), [1, 2, 3]);
  });

  test('a missing, corrupt or absent backup is refused with a clear error and the live database is unchanged', async () => {
    const { url, dir } = await target.create();
    const database = await seeded(url);
    await database.close();
    await assert.rejects(restoreBackup(url, undefined, { dir }), (error: Error) => {
      assert.ok(error instanceof MigrateError);
      assert.equal(error.code, 'BACKUP_NOT_FOUND');
      assert.ok(error.message.includes(dir), 'names the directory');
      return true;
    });
    await assert.rejects(restoreBackup(url, join(dir, 'nope.sqlite'), { dir }), (error: Error) => {
      assert.equal((error as MigrateError).code, 'BACKUP_NOT_FOUND');
      assert.match(error.message, /nope\.sqlite does not exist/);
      return true;
    });
    const corrupt = join(dir, `test-20261121T000000000Z-v0001.${extension}`);
    writeFileSync(corrupt, 'this is not a backup at all'.repeat(200));
    await assert.rejects(restoreBackup(url, corrupt, { dir }), (error: Error) => {
      assert.equal((error as MigrateError).code, 'BACKUP_CORRUPT');
      assert.ok(error.message.includes(corrupt));
      assert.match(error.message, /not touched/);
      return true;
    });
    assert.deepEqual(await orderIds(url), [1, 2, 3]);
  });

  test('restore waits for the migration lock and, when a migration keeps it, refuses without touching the database', async () => {
    const { url, dir } = await target.create();
    const database = await seeded(url);
    const backup = await backupDatabase(database, { dir, atVersion: '0001' });
    await sql`delete from orders where id = 1`.execute(database.db);
    const lock = await acquireMigrationLock(database);
    try {
      await assert.rejects(restoreBackup(url, backup.path, { dir, lockTimeoutMs: 200 }), LockNotAcquiredError);
    } finally {
      await lock.release();
      await database.close();
    }
    assert.deepEqual(await orderIds(url), [2, 3]);
    await restoreBackup(url, backup.path, { dir, lockTimeoutMs: 0 });
    assert.deepEqual(await orderIds(url), [1, 2, 3]);
  });

  test('a restored tracking table that differs from the sidecar is reported as RESTORE_MISMATCH', async () => {
    const { url, dir } = await target.create();
    const database = await seeded(url);
    const backup = await backupDatabase(database, { dir, atVersion: '0001' });
    await database.close();
    const sidecar = JSON.parse(readFileSync(`${backup.path}.json`, 'utf8'));
    sidecar.applied.push(applied('0002'));
    writeFileSync(`${backup.path}.json`, JSON.stringify(sidecar));
    await assert.rejects(restoreBackup(url, backup.path, { dir }), (error: Error) => {
      assert.equal((error as MigrateError).code, 'RESTORE_MISMATCH');
      assert.match(error.message, /expected core\/0001, core\/0002, found core\/0001/);
      return true;
    });
  });
});
