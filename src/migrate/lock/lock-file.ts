/**
 * The SQLite migration lock: a file `<db>.migrate-lock` created exclusively, holding its owner as
 * JSON plus a heartbeat. A lock whose heartbeat is older than `staleMs`, or whose pid is dead on
 * this host, is stale and taken over atomically: the contender renames the file away (only one
 * rename of a given file can succeed), checks that what it moved is the stale lock it judged, and
 * creates its own.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { Worker } from 'node:worker_threads';
import { LockNotAcquiredError } from '../errors.ts';
import { currentHolder, describeHolder, formatWait, LOCK_POLL_MS, type LockHolder, type MigrationLock, sleep } from './lock-common.ts';
import { DEFAULT_TRACKING_TABLE } from '../tracking/tracking.ts';

/** The contents of a lock file: the holder plus a token that tells our file from a successor's. */
interface LockFileContent extends LockHolder {
  heartbeatAt: string;
  token: string;
}

export interface FileLockOptions {
  timeoutMs: number;
  staleMs: number;
  name: string;
  onWait?: (holder: LockHolder | undefined) => void;
}

/**
 * The lock file of a SQLite database: `<db>.migrate-lock`, or `<db>.<name>.migrate-lock` for a
 * lock with another name.
 *
 * @example
 * lockFilePath('/srv/data/botledger.db'); // '/srv/data/botledger.db.migrate-lock'
 */
export function lockFilePath(dbPath: string, name: string = DEFAULT_TRACKING_TABLE): string {
  return name === DEFAULT_TRACKING_TABLE ? `${dbPath}.migrate-lock` : `${dbPath}.${name.replace(/[^\w.-]/g, '_')}.migrate-lock`;
}

function readLockFile(path: string): LockFileContent | undefined | 'unreadable' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as LockFileContent;
    if (typeof parsed.pid !== 'number' || typeof parsed.heartbeatAt !== 'string') return 'unreadable';
    return parsed;
  } catch {
    return 'unreadable';
  }
}

function olderThan(path: string, ms: number): boolean {
  try {
    return Date.now() - statSync(path).mtimeMs > ms;
  } catch {
    return false;
  }
}

function pidIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/**
 * Whether a lock file's owner is gone: its heartbeat is older than `staleMs` (a crashed process
 * on any host, or a reused pid), or it is on this host and its pid no longer exists.
 */
export function isStale(holder: LockHolder, staleMs: number, now = Date.now()): boolean {
  const beat = Date.parse(holder.heartbeatAt ?? holder.since);
  if (!Number.isFinite(beat) || now - beat > staleMs) return true;
  return holder.host === hostname() && holder.pid !== process.pid && !pidIsAlive(holder.pid);
}

/**
 * Creates `path` with `content` only if it does not exist. The content is written to a private
 * file first and hard-linked into place, so nobody ever reads a half-written lock; where the file
 * system has no hard links, an exclusive ('wx') create is used instead.
 */
function createExclusive(path: string, content: string): boolean {
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temp, 'wx');
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temp, path);
    return true;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw error;
    try {
      const direct = openSync(path, 'wx');
      writeSync(direct, content);
      closeSync(direct);
      return true;
    } catch (inner) {
      if ((inner as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw inner;
    }
  } finally {
    unlinkSync(temp);
  }
}

/**
 * Moves a stale lock file out of the way. Returns true when the file we moved is the stale one
 * we judged (same token); when a faster contender had already replaced it with a fresh lock, that
 * fresh lock is linked back (never over a newer one) and we report failure.
 */
function takeOver(path: string, stale: LockFileContent | 'unreadable'): boolean {
  const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  const moved = readLockFile(aside);
  const same = stale === 'unreadable' ? moved === 'unreadable' : typeof moved === 'object' && moved.token === stale.token;
  if (!same) {
    try {
      linkSync(aside, path);
    } catch {
      // A third process created a lock in the instant the path was free; it holds the lock now.
    }
  }
  unlinkSync(aside);
  return same;
}

/** A heartbeat that keeps beating while the main thread is blocked in a long synchronous SQLite statement. */
const HEARTBEAT_WORKER = `
const { workerData, parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const { path, token, intervalMs } = workerData;
const beat = () => {
  try {
    const current = JSON.parse(fs.readFileSync(path, 'utf8'));
    if (current.token !== token) { parentPort.postMessage('lost'); clearInterval(timer); return; }
    current.heartbeatAt = new Date().toISOString();
    const temp = path + '.' + token + '.beat';
    fs.writeFileSync(temp, JSON.stringify(current));
    fs.renameSync(temp, path);
  } catch (error) {
    if (error && error.code === 'ENOENT') { parentPort.postMessage('lost'); clearInterval(timer); }
  }
};
const timer = setInterval(beat, intervalMs);
`;

/**
 * Takes the lock file of a SQLite database.
 *
 * @example
 * const lock = await acquireFileLock('/srv/data/botledger.db', { timeoutMs: 30_000, staleMs: 30_000, name: 'schema_migrations' });
 */
export async function acquireFileLock(dbPath: string, options: FileLockOptions): Promise<MigrationLock> {
  const path = lockFilePath(dbPath, options.name);
  const started = Date.now();
  let waiting = false;
  let lastSeen: LockFileContent | undefined;
  for (;;) {
    const mine: LockFileContent = { ...currentHolder(), heartbeatAt: new Date().toISOString(), token: randomBytes(12).toString('hex') };
    if (createExclusive(path, JSON.stringify(mine))) return holdFileLock(path, mine, options.staleMs);
    const existing = readLockFile(path);
    if (existing === undefined) continue; // released between our create and our read
    if (existing === 'unreadable' ? olderThan(path, options.staleMs) : isStale(existing, options.staleMs)) {
      // Whether we moved it or a faster contender did, try again: the next look sees who holds it now.
      takeOver(path, existing);
      continue;
    } else if (existing !== 'unreadable') {
      lastSeen = existing;
    }
    const waited = Date.now() - started;
    if (waited >= options.timeoutMs) {
      const holder = existing === 'unreadable' ? lastSeen : existing;
      throw new LockNotAcquiredError(
        `migration lock on ${dbPath} is held by ${describeHolder(strip(holder))}; waited ${formatWait(waited)}`,
        {
          lockFile: path,
          holder: strip(holder),
          waitedMs: waited,
        },
      );
    }
    if (!waiting) {
      waiting = true;
      options.onWait?.(strip(lastSeen));
    }
    await sleep(Math.min(LOCK_POLL_MS, Math.max(1, options.timeoutMs - waited)));
  }
}

function strip(content: LockFileContent | undefined): LockHolder | undefined {
  if (!content) return undefined;
  const { token: _token, ...holder } = content;
  return holder;
}

function holdFileLock(path: string, mine: LockFileContent, staleMs: number): MigrationLock {
  const worker = new Worker(HEARTBEAT_WORKER, {
    eval: true,
    workerData: { path, token: mine.token, intervalMs: Math.max(50, Math.floor(staleMs / 3)) },
  });
  worker.on('error', () => {});
  worker.on('message', () => {
    // Someone judged us stale and took over (our heartbeat could not be written for staleMs).
    process.emitWarning(
      `migration lock ${path} was taken over by another process while this one (pid ${process.pid}) held it`,
      'LockLostWarning',
    );
  });
  // After the listeners: adding a 'message' listener refs the worker's port again.
  worker.unref();
  let released = false;
  return {
    holder: strip(mine)!,
    async release() {
      if (released) return;
      released = true;
      await worker.terminate();
      rmSync(`${path}.${mine.token}.beat`, { force: true }); // a beat cut short by terminate()
      const current = readLockFile(path);
      // Remove the file only if it is still ours: after a takeover it belongs to someone else.
      if (typeof current === 'object' && current.token === mine.token) {
        try {
          unlinkSync(path);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        }
      }
    },
  };
}
