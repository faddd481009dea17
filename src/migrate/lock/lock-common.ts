/**
 * What the two lock implementations share: what a lock and its holder are, who we are (the
 * holder record a waiter reads) and how a holder is described in messages.
 */
import { hostname, userInfo } from 'node:os';
import { basename } from 'node:path';

/** Who holds a lock. */
export interface LockHolder {
  pid: number;
  host: string;
  user: string;
  command: string;
  /** ISO-8601: when the lock was taken (PostgreSQL: when the holder's connection started). */
  since: string;
  /** SQLite only: the last heartbeat. */
  heartbeatAt?: string;
}

/** A held lock. `release()` is idempotent. */
export interface MigrationLock {
  readonly holder: LockHolder;
  release(): Promise<void>;
}

/** How often a waiter asks again whether the lock is free. */
export const LOCK_POLL_MS = 150;

/** The user name, without throwing where the uid has no passwd entry (containers). */
export function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? process.env.LOGNAME ?? `uid ${process.getuid?.() ?? '?'}`;
  }
}

/** The command line of this process, short: `botledger migrate up`, not two absolute paths. */
export function currentCommand(argv: readonly string[] = process.argv): string {
  const script = argv[1] ? basename(argv[1]).replace(/\.(m?[jt]s)$/, '') : basename(argv[0] ?? 'node');
  return [script === 'main' ? 'botledger' : script, ...argv.slice(2)].join(' ');
}

/** The holder record of this process, as of now. */
export function currentHolder(now = new Date()): LockHolder {
  const since = now.toISOString();
  return { pid: process.pid, host: hostname(), user: currentUser(), command: currentCommand(), since, heartbeatAt: since };
}

/**
 * "pid 4242 on host h (user u, `botledger migrate up`) since 2026-..." for messages.
 *
 * @example
 * describeHolder(lock.holder);
 */
export function describeHolder(holder: LockHolder | undefined): string {
  if (!holder) return 'an unknown process (its lock could not be read, or it was released as we looked)';
  return `pid ${holder.pid} on host ${holder.host} (user ${holder.user}, \`${holder.command}\`) since ${holder.since}`;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** "30 s" or "250 ms". */
export function formatWait(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${Math.round(ms)} ms`;
}
