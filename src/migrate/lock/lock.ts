/**
 * The migration lock: at most one `migrate up|down|baseline|restore` per database at a time,
 * across processes and machines. PostgreSQL uses a session-level advisory lock on a dedicated
 * connection (it dies with the process, so a crash never leaves it behind); SQLite, which has no
 * such thing, uses a lock file next to the database holding its owner and a heartbeat, taken over
 * when stale. Either way a waiter can say who holds the lock.
 */
import type { BotledgerDatabase, DatabaseTarget } from '../../storage/database.ts';
import type { LockHolder, MigrationLock } from './lock-common.ts';
import { acquireFileLock } from './lock-file.ts';
import { acquireAdvisoryLock } from './lock-postgres.ts';
import { DEFAULT_TRACKING_TABLE } from '../tracking/tracking.ts';

/** How long `acquireMigrationLock` waits for another run by default (`--lock-timeout`). */
export const DEFAULT_LOCK_TIMEOUT_MS = 30_000;
/** SQLite: a heartbeat older than this (or a dead pid on this host) makes a lock file stale. */
export const DEFAULT_LOCK_STALE_MS = 30_000;

export type { LockHolder, MigrationLock } from './lock-common.ts';

export interface AcquireLockOptions {
  /** Bounded wait; 0 = try once. Default {@link DEFAULT_LOCK_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** SQLite: see {@link DEFAULT_LOCK_STALE_MS}. */
  staleMs?: number;
  /** Distinguishes locks (default: the tracking table's name). */
  name?: string;
  /** Called once when we start waiting, with who holds the lock. */
  onWait?: (holder: LockHolder | undefined) => void;
}

/**
 * Takes the migration lock of a database, waiting up to `timeoutMs` for another holder; throws
 * LockNotAcquiredError (exit 3) naming the holder when it does not come free in time.
 *
 * @example
 * const lock = await acquireMigrationLock(database, { onWait: (h) => console.error(`waiting for ${h?.pid}`) });
 * try {
 *   // apply migrations
 * } finally {
 *   await lock.release();
 * }
 */
export async function acquireMigrationLock(database: BotledgerDatabase, options: AcquireLockOptions = {}): Promise<MigrationLock> {
  return acquireMigrationLockFor(database.target, options);
}

/**
 * The same lock, from a parsed URL alone: `migrate restore` takes it without opening the
 * database it is about to replace.
 *
 * @example
 * const lock = await acquireMigrationLockFor(parseDatabaseUrl(url), { timeoutMs: 0 });
 */
export async function acquireMigrationLockFor(target: DatabaseTarget, options: AcquireLockOptions = {}): Promise<MigrationLock> {
  const resolved = {
    timeoutMs: Math.max(0, options.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS),
    staleMs: options.staleMs ?? DEFAULT_LOCK_STALE_MS,
    name: options.name ?? DEFAULT_TRACKING_TABLE,
    onWait: options.onWait,
  };
  // The target's kind is the capability here: a server connection can hold an advisory lock, a file cannot.
  return target.dialect === 'postgres' ? acquireAdvisoryLock(target.connectionString, resolved) : acquireFileLock(target.path, resolved);
}
