import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { after, describe, test } from 'node:test';
import { LockNotAcquiredError } from '../../../src/migrate/errors.ts';
import { acquireMigrationLock } from '../../../src/migrate/lock/lock.ts';
import { lockFilePath } from '../../../src/migrate/lock/lock-file.ts';
import { type BotledgerDatabase, openDatabase } from '../../../src/storage/database.ts';
import { sqliteTarget } from '../../support/dialects.ts';
import { LOCK_HOLDER_SCRIPT, spawnHolder } from '../fixtures/lock-holder-spawn.ts';

async function sqliteDatabase(): Promise<{ database: BotledgerDatabase; url: string; lockFile: string }> {
  const { url } = await sqliteTarget.create();
  const database = await openDatabase(url);
  after(() => database.close());
  return { database, url, lockFile: lockFilePath(url.slice('sqlite:'.length)) };
}

function writeLock(path: string, fields: { pid: number; host: string; heartbeatAt: string }): void {
  writeFileSync(
    path,
    JSON.stringify({ user: 'bob', command: 'botledger migrate up', since: '2026-11-21T08:00:00.000Z', token: 'theirs', ...fields }),
  );
}

/** A pid that existed a moment ago and no longer does. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('SQLite lock file', () => {
  test('a live lock of another host is not taken over; the error names pid, host, user, command and since', async () => {
    const { database, url, lockFile } = await sqliteDatabase();
    writeLock(lockFile, { pid: 4242, host: 'other-host', heartbeatAt: new Date().toISOString() });
    await assert.rejects(acquireMigrationLock(database, { timeoutMs: 300 }), (error: Error) => {
      assert.ok(error instanceof LockNotAcquiredError);
      assert.equal(
        error.message.replace(/waited \d+ ms/, 'waited N'),
        `migration lock on ${url.slice('sqlite:'.length)} is held by pid 4242 on host other-host (user bob, \`botledger migrate up\`) since 2026-11-21T08:00:00.000Z; waited N`,
      );
      return true;
    });
    assert.match(readFileSync(lockFile, 'utf8'), /"token":"theirs"/, 'the holder keeps its lock');
  });

  test('a lock whose heartbeat is older than staleMs is taken over', async () => {
    const { database, lockFile } = await sqliteDatabase();
    writeLock(lockFile, { pid: 4242, host: 'other-host', heartbeatAt: new Date(Date.now() - 60_000).toISOString() });
    const lock = await acquireMigrationLock(database, { timeoutMs: 0, staleMs: 30_000 });
    assert.equal(JSON.parse(readFileSync(lockFile, 'utf8')).pid, process.pid);
    await lock.release();
    assert.equal(existsSync(lockFile), false);
  });

  test('a lock of a dead pid on this host is taken over even with a fresh heartbeat', async () => {
    const { database, lockFile } = await sqliteDatabase();
    writeLock(lockFile, { pid: deadPid(), host: hostname(), heartbeatAt: new Date().toISOString() });
    const lock = await acquireMigrationLock(database, { timeoutMs: 0 });
    await lock.release();
  });

  test('an unreadable lock file is waited for while recent, taken over once old', async () => {
    const { database, lockFile } = await sqliteDatabase();
    writeFileSync(lockFile, '{"pid": 12');
    await assert.rejects(acquireMigrationLock(database, { timeoutMs: 0, staleMs: 30_000 }), LockNotAcquiredError);
    const old = new Date(Date.now() - 120_000);
    utimesSync(lockFile, old, old);
    const lock = await acquireMigrationLock(database, { timeoutMs: 0, staleMs: 30_000 });
    await lock.release();
  });

  test('a process that ends without releasing exits by itself, and its leftover lock is taken over', { timeout: 20_000 }, async () => {
    const { database, url, lockFile } = await sqliteDatabase();
    const holder = spawnHolder(url);
    assert.match(await holder.first, /^ACQUIRED /);
    holder.child.stdin.write('abandon\n');
    holder.child.stdin.end();
    assert.equal(await holder.exited, 0, 'the heartbeat does not keep the process alive');
    assert.ok(existsSync(lockFile), 'the lock was never released');
    const lock = await acquireMigrationLock(database, { timeoutMs: 0 });
    await lock.release();
  });

  test('release removes the file only while it is still ours', async () => {
    const { database, lockFile } = await sqliteDatabase();
    const lock = await acquireMigrationLock(database);
    writeLock(lockFile, { pid: 4242, host: 'other-host', heartbeatAt: new Date().toISOString() }); // taken over meanwhile
    await lock.release();
    assert.match(readFileSync(lockFile, 'utf8'), /"token":"theirs"/);
  });

  test('the heartbeat advances, and keeps beating while the main thread is blocked in a long synchronous statement', async () => {
    const { database, url, lockFile } = await sqliteDatabase();
    const lock = await acquireMigrationLock(database, { staleMs: 900 });
    const first = JSON.parse(readFileSync(lockFile, 'utf8')).heartbeatAt;
    // Block this thread as a long better-sqlite3 statement would, then ask another process (also
    // while blocked): without a heartbeat off the main thread the lock would look 2 s stale.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2_000);
    const other = spawnSync(process.execPath, ['--import', 'tsx', LOCK_HOLDER_SCRIPT, url, '0', '900'], {
      encoding: 'utf8',
      input: 'release\n',
    });
    assert.match(other.stdout, new RegExp(`^BUSY .*held by pid ${process.pid}`), other.stderr);
    assert.ok(JSON.parse(readFileSync(lockFile, 'utf8')).heartbeatAt > first);
    await lock.release();
  });

  test('contenders racing for one stale lock: exactly one wins, the others name it', async () => {
    const { url, lockFile } = await sqliteDatabase();
    for (let round = 0; round < 2; round++) {
      writeLock(lockFile, { pid: 4242, host: 'other-host', heartbeatAt: new Date(Date.now() - 60_000).toISOString() });
      const startAt = Date.now() + 1_500;
      const contenders = [0, 1, 2].map(() => spawnHolder(url, [0, 30_000, startAt]));
      const answers = await Promise.all(contenders.map((c) => c.first));
      const winners = contenders.filter((_, i) => answers[i].startsWith('ACQUIRED'));
      assert.equal(winners.length, 1, answers.join('\n'));
      const winnerPid = winners[0].child.pid;
      for (const [i, answer] of answers.entries()) {
        if (contenders[i] !== winners[0]) assert.match(answer, new RegExp(`^BUSY .*held by pid ${winnerPid} `));
      }
      assert.equal(JSON.parse(readFileSync(lockFile, 'utf8')).pid, winnerPid);
      await winners[0].release();
      await Promise.all(contenders.map((c) => c.exited));
      assert.equal(existsSync(lockFile), false);
    }
  });
});
