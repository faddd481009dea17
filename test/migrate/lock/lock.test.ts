import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { after, test } from 'node:test';
import pg from 'pg';
import { LockNotAcquiredError } from '../../../src/migrate/errors.ts';
import { acquireMigrationLock, type LockHolder } from '../../../src/migrate/lock/lock.ts';
import { advisoryLockKey } from '../../../src/migrate/lock/lock-postgres.ts';
import { openDatabase } from '../../../src/storage/database.ts';
import { forEachDialect } from '../../support/dialects.ts';
import { spawnHolder } from '../fixtures/lock-holder-spawn.ts';

forEachDialect('migration lock', (target) => {
  test('a second acquire waits, calls onWait once with the holder, and times out naming it', async () => {
    const database = await openDatabase((await target.create()).url);
    after(() => database.close());
    const first = await acquireMigrationLock(database);
    const seen: (LockHolder | undefined)[] = [];
    await assert.rejects(acquireMigrationLock(database, { timeoutMs: 400, onWait: (holder) => seen.push(holder) }), (error: Error) => {
      assert.ok(error instanceof LockNotAcquiredError);
      assert.equal(error.exitCode, 3);
      assert.match(error.message, new RegExp(`held by pid ${process.pid} on host ${hostname()}`));
      assert.match(error.message, /waited \d+ ms/);
      return true;
    });
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.pid, process.pid);
    await first.release();
    await first.release(); // idempotent
    const second = await acquireMigrationLock(database, { timeoutMs: 0 });
    await second.release();
  });

  test('locks with different names do not block each other', async () => {
    const database = await openDatabase((await target.create()).url);
    after(() => database.close());
    const a = await acquireMigrationLock(database, { name: 'schema_migrations' });
    const b = await acquireMigrationLock(database, { name: 'plugin_migrations', timeoutMs: 0 });
    await b.release();
    await a.release();
  });

  test('across processes: the waiter gets the lock once the holder releases it', async () => {
    const { url } = await target.create();
    const holder = spawnHolder(url);
    assert.match(await holder.first, /^ACQUIRED /);
    const database = await openDatabase(url);
    after(() => database.close());
    let waitedFor: LockHolder | undefined;
    let released: Promise<void> | undefined;
    const lock = await acquireMigrationLock(database, {
      timeoutMs: 20_000,
      onWait: (h) => {
        waitedFor = h;
        released = holder.release();
      },
    });
    assert.equal(waitedFor?.pid, holder.child.pid, 'onWait names the other process');
    await released;
    await lock.release();
  });

  test('across processes: a SIGKILLed holder does not leave the lock behind', async () => {
    const { url } = await target.create();
    const holder = spawnHolder(url);
    assert.match(await holder.first, /^ACQUIRED /);
    const database = await openDatabase(url);
    after(() => database.close());
    await assert.rejects(acquireMigrationLock(database, { timeoutMs: 0 }), LockNotAcquiredError);
    holder.child.kill('SIGKILL');
    assert.equal(await holder.exited, 'SIGKILL');
    const lock = await acquireMigrationLock(database, { timeoutMs: 10_000 });
    assert.equal(lock.holder.pid, process.pid);
    await lock.release();
  });

  if (target.dialect === 'postgres') {
    test('a session of another program holding the key is named by its backend pid and application name', async () => {
      const { url } = await target.create();
      const other = new pg.Client({ connectionString: url, application_name: 'psql' });
      other.on('error', () => {});
      await other.connect();
      const backend = (await other.query<{ pid: number }>('select pg_backend_pid() as pid')).rows[0].pid;
      await other.query('select pg_advisory_lock($1::bigint)', [advisoryLockKey('schema_migrations')]);
      const database = await openDatabase(url);
      after(() => database.close());
      try {
        await assert.rejects(acquireMigrationLock(database, { timeoutMs: 200 }), (error: Error) => {
          assert.match(error.message, new RegExp(`held by pid ${backend} .*\`psql\``));
          return true;
        });
      } finally {
        await other.end();
      }
    });
  }
});
