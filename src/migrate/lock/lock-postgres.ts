/**
 * The PostgreSQL migration lock: a session-level advisory lock held on a dedicated connection
 * (not a pooled one, which could be handed to other work or recycled). The server releases it
 * when that connection ends, so a killed process never leaves a stale lock. The connection's
 * application_name carries our pid, host and user so that a waiter can say who holds the lock.
 */
import { createHash } from 'node:crypto';
import type pg from 'pg';
import { loadPg } from '../../storage/dialects/postgres.ts';
import { LockNotAcquiredError } from '../errors.ts';
import { currentHolder, describeHolder, formatWait, LOCK_POLL_MS, type LockHolder, type MigrationLock, sleep } from './lock-common.ts';

export interface AdvisoryLockOptions {
  timeoutMs: number;
  name: string;
  onWait?: (holder: LockHolder | undefined) => void;
}

/**
 * The 64-bit advisory lock key of a lock name (first 8 bytes of sha256, signed), as a decimal
 * string because it does not fit a JS number.
 *
 * @example
 * advisoryLockKey('schema_migrations'); // '-3141...'
 */
export function advisoryLockKey(name: string): string {
  return createHash('sha256').update(`botledger:migrate:${name}`).digest().readBigInt64BE(0).toString();
}

const APPLICATION_NAME = /^botledger migrate pid=(\d+) host=(\S+) user=(\S+)/;

/** application_name is cut at 63 bytes by the server; pid, host and user come first so they survive. */
function applicationName(holder: LockHolder): string {
  return `botledger migrate pid=${holder.pid} host=${holder.host} user=${holder.user.replace(/\s/g, '_')}`.slice(0, 63);
}

/** Who holds the advisory lock `key` in the current database, from pg_locks and pg_stat_activity. */
async function findHolder(client: pg.Client, key: string): Promise<LockHolder | undefined> {
  const big = BigInt.asUintN(64, BigInt(key));
  // A bigint advisory key shows up in pg_locks as classid (high 32 bits) and objid (low 32 bits), objsubid 1.
  const result = await client.query<{
    pid: number;
    application_name: string;
    backend_start: Date | null;
    usename: string | null;
    client_addr: string | null;
  }>(
    `select a.pid, a.application_name, a.backend_start, a.usename, host(a.client_addr) as client_addr
       from pg_locks l join pg_stat_activity a on a.pid = l.pid
      where l.locktype = 'advisory' and l.granted and l.objsubid = 1
        and l.database = (select oid from pg_database where datname = current_database())
        and l.classid = $1::bigint::oid and l.objid = $2::bigint::oid
      limit 1`,
    [(big >> 32n).toString(), (big & 0xffffffffn).toString()],
  );
  const row = result.rows[0];
  if (!row) return undefined;
  const since = row.backend_start ? row.backend_start.toISOString() : 'an unknown time';
  const ours = APPLICATION_NAME.exec(row.application_name ?? '');
  if (ours) return { pid: Number(ours[1]), host: ours[2], user: ours[3], command: 'botledger migrate', since };
  return {
    pid: row.pid,
    host: row.client_addr ?? 'the database server (local socket)',
    user: row.usename ?? 'unknown',
    command: row.application_name || 'unknown client',
    since,
  };
}

/**
 * Takes the advisory lock `name` on the database at `connectionString`, polling until `timeoutMs`.
 *
 * @example
 * const lock = await acquireAdvisoryLock('postgres://u@h/db', { timeoutMs: 30_000, name: 'schema_migrations' });
 */
export async function acquireAdvisoryLock(connectionString: string, options: AdvisoryLockOptions): Promise<MigrationLock> {
  const holder = currentHolder();
  const key = advisoryLockKey(options.name);
  const client = new (loadPg().Client)({ connectionString, application_name: applicationName(holder) });
  // The lock lives on this connection; if the server drops it, the next query reports the loss.
  client.on('error', () => {});
  await client.connect();
  const started = Date.now();
  let waiting = false;
  try {
    for (;;) {
      const result = await client.query<{ locked: boolean }>('select pg_try_advisory_lock($1::bigint) as locked', [key]);
      if (result.rows[0].locked) break;
      const waited = Date.now() - started;
      if (waited >= options.timeoutMs) {
        const other = await findHolder(client, key);
        throw new LockNotAcquiredError(
          `migration lock "${options.name}" on ${describeDatabase(connectionString)} is held by ${describeHolder(other)}; waited ${formatWait(waited)}`,
          { lockKey: key, holder: other, waitedMs: waited },
        );
      }
      if (!waiting) {
        waiting = true;
        options.onWait?.(await findHolder(client, key));
      }
      await sleep(Math.min(LOCK_POLL_MS, Math.max(1, options.timeoutMs - waited)));
    }
  } catch (error) {
    await client.end().catch(() => {});
    throw error;
  }
  let released = false;
  return {
    holder,
    async release() {
      if (released) return;
      released = true;
      try {
        await client.query('select pg_advisory_unlock($1::bigint)', [key]);
      } finally {
        // Ending the session releases the lock even if the unlock above failed.
        await client.end().catch(() => {});
      }
    },
  };
}

function describeDatabase(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    return `database ${url.pathname.slice(1) || 'postgres'} at ${url.host}`;
  } catch {
    return 'the database';
  }
}
