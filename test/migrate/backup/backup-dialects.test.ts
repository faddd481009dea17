import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { integrityOf } from '../../../src/migrate/backup/backup-sqlite.ts';
import { backupDatabase, listBackups, restoreBackup } from '../../../src/migrate/backup/backup.ts';
import type { MigrateError } from '../../../src/migrate/errors.ts';
import { ensureTrackingTable, readAppliedMigrations, recordApplied } from '../../../src/migrate/tracking/tracking.ts';
import { openDatabase } from '../../../src/storage/database.ts';
import { postgresTarget, sqliteTarget } from '../../support/dialects.ts';
import { postgresServerUrl } from '../../support/postgres.ts';

describe('SQLite restore over a live WAL database', () => {
  test('a WAL-mode database with uncheckpointed writes, held open by another connection, is fully replaced', async () => {
    const { url, dir } = await sqliteTarget.create();
    const database = await openDatabase(url);
    await sql`create table orders (id integer primary key, reason text)`.execute(database.db);
    await sql`insert into orders values (1, 'kept')`.execute(database.db);
    const backup = await backupDatabase(database, { dir, atVersion: null });
    await database.close();

    // Another process (a running bot) keeps the file open and writes into the WAL, never checkpointed.
    const path = url.slice('sqlite:'.length);
    const bot = new BetterSqlite3(path);
    after(() => bot.close());
    bot.pragma('journal_mode = WAL');
    bot.pragma('wal_autocheckpoint = 0');
    bot.exec(`insert into orders values (2, 'after backup'); update orders set reason = 'changed' where id = 1; create table later (x)`);
    assert.ok(existsSync(`${path}-wal`));

    await restoreBackup(url, backup.path, { dir });
    assert.deepEqual(
      bot.prepare('select id, reason from orders order by id').all(),
      [{ id: 1, reason: 'kept' }],
      'the open connection sees the restored data',
    );
    bot.close();
    assert.equal(integrityOf(path), 'ok');
    const reopened = new BetterSqlite3(path, { readonly: true });
    try {
      assert.deepEqual(reopened.prepare('select id, reason from orders order by id').all(), [{ id: 1, reason: 'kept' }]);
      const later = reopened.prepare(`select count(*) as n from sqlite_master where name = 'later'`).get() as { n: number };
      assert.equal(later.n, 0, 'a table created after the backup is gone');
    } finally {
      reopened.close();
    }
  });

  test('backups taken while another process writes are each one consistent snapshot', async () => {
    const { url, dir } = await sqliteTarget.create();
    const path = url.slice('sqlite:'.length);
    const database = await openDatabase(url);
    await sql`create table fills (id integer primary key, pad text)`.execute(database.db);
    database.sqlite!.exec(
      `with recursive n(i) as (select 1 union all select i + 1 from n where i < 20000) insert into fills select i, hex(randomblob(100)) from n`,
    );
    // The writer commits rows in pairs: a consistent copy always holds an even number of them.
    const writer = spawn(
      process.execPath,
      [
        '-e',
        `const db = new (require('better-sqlite3'))(process.argv[1]); db.pragma('busy_timeout = 5000'); const pair = db.transaction(() => { db.prepare('insert into fills (pad) values (?)').run('a'); db.prepare('insert into fills (pad) values (?)').run('b'); }); process.stdout.write('go\\n'); for (;;) pair();`,
        path,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'], cwd: process.cwd() },
    );
    after(() => writer.kill('SIGKILL'));
    await new Promise((resolve) => writer.stdout.once('data', resolve));
    const counts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const backup = await backupDatabase(database, { dir, atVersion: null });
      assert.equal(integrityOf(backup.path), 'ok');
      const copy = new BetterSqlite3(backup.path, { readonly: true });
      counts.push((copy.prepare('select count(*) as n from fills').get() as { n: number }).n);
      copy.close();
    }
    writer.kill('SIGKILL');
    await database.close();
    assert.ok(
      counts.every((n) => n % 2 === 0),
      `pairs are never split: ${counts.join(', ')}`,
    );
    assert.ok(counts[2] > 20000, 'the writer was really writing meanwhile');
  });

  test('a missing live file next to a leftover -wal is restored without replaying that WAL', async () => {
    const { url, dir } = await sqliteTarget.create();
    const path = url.slice('sqlite:'.length);
    const database = await openDatabase(url);
    await sql`create table orders (id integer primary key)`.execute(database.db);
    await sql`insert into orders values (1), (2)`.execute(database.db);
    await backupDatabase(database, { dir, atVersion: null });
    await database.close();
    rmSync(path);
    writeFileSync(`${path}-wal`, Buffer.alloc(4096, 7));
    await restoreBackup(url, undefined, { dir });
    assert.equal(integrityOf(path), 'ok');
    const reopened = await openDatabase(url);
    try {
      assert.equal((await sql<{ n: number }>`select count(*) as n from orders`.execute(reopened.db)).rows[0].n, 2);
    } finally {
      await reopened.close();
    }
  });

  test('--schema is refused on SQLite', async () => {
    const { url, dir } = await sqliteTarget.create();
    const database = await openDatabase(url);
    try {
      await assert.rejects(backupDatabase(database, { dir, atVersion: null, schema: 'monitoring' }), (error: Error) => {
        assert.equal((error as MigrateError).code, 'SCHEMA_UNSUPPORTED');
        return true;
      });
    } finally {
      await database.close();
    }
  });
});

describe('PostgreSQL schema-only backup', async () => {
  if (!(await postgresServerUrl())) return;

  test('--schema monitoring backs up and restores that schema alone, leaving the rest of the database as it is', async () => {
    const { url, dir } = await postgresTarget.create();
    const database = await openDatabase(url);
    const table = 'monitoring.schema_migrations';
    await ensureTrackingTable(database.db, table);
    await recordApplied(
      database.db,
      {
        version: '1',
        name: 'positions',
        source: 'monitoring',
        checksum: 'c',
        appliedAt: '2026-11-21T00:00:00.000Z',
        durationMs: 1,
        backupPath: null,
        appliedBy: 't',
      },
      table,
    );
    await sql`create table monitoring.positions (id int primary key, exit_reason varchar(100))`.execute(database.db);
    await sql`insert into monitoring.positions values (1, 'stop'), (2, 'target')`.execute(database.db);
    await sql`create table public.orders (id int primary key)`.execute(database.db);
    const backup = await backupDatabase(database, { dir, atVersion: '1', schema: 'monitoring', trackingTable: table });
    assert.match(backup.path, /\.monitoring-\d{8}T\d{9}Z-v1\.dump$/);
    assert.equal(listBackups(dir, database.target)[0].schema, 'monitoring');

    await sql`delete from monitoring.positions`.execute(database.db);
    await sql`create table monitoring.event_log (id int)`.execute(database.db);
    await sql`insert into public.orders values (7)`.execute(database.db);
    await database.close();

    await assert.rejects(restoreBackup(url, undefined, { dir }), (error: Error) => {
      assert.equal((error as MigrateError).code, 'BACKUP_NOT_FOUND');
      assert.match(error.message, /--schema monitoring/);
      return true;
    });
    const result = await restoreBackup(url, undefined, { dir, schema: 'monitoring', trackingTable: table });
    assert.equal(result.path, backup.path);
    assert.equal(result.applied.length, 1);
    const after = await openDatabase(url);
    try {
      const positions = await sql<{ id: number }>`select id from monitoring.positions order by id`.execute(after.db);
      assert.deepEqual(
        positions.rows.map((r) => r.id),
        [1, 2],
      );
      await assert.rejects(sql`select 1 from monitoring.event_log`.execute(after.db), /does not exist/);
      const orders = await sql<{ id: number }>`select id from public.orders`.execute(after.db);
      assert.deepEqual(
        orders.rows.map((r) => r.id),
        [7],
        'outside the schema nothing was restored',
      );
      assert.equal((await readAppliedMigrations(after.db, table)).length, 1);
    } finally {
      await after.close();
    }
  });

  test('a pg_dump failure names the command and its stderr, and leaves no file', async () => {
    const { url, dir } = await postgresTarget.create();
    const database = await openDatabase(url);
    try {
      await assert.rejects(backupDatabase(database, { dir, atVersion: null, schema: 'nosuch' }), (error: Error) => {
        assert.equal((error as MigrateError).code, 'BACKUP_FAILED');
        assert.match(error.message, /`pg_dump -Fc --compress=1 --no-owner --schema=nosuch/);
        assert.match(error.message, /no matching schemas/);
        return true;
      });
      assert.deepEqual(listBackups(dir, database.target), []);
    } finally {
      await database.close();
    }
  });
});
