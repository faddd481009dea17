/**
 * The two safeguards of `migrate restore`: a backup of ANOTHER database is refused unless forced
 * (its sidecar names the database it was taken of), and
 * the database about to be overwritten is backed up first, so a mistaken restore can be undone
 * with another restore.
 */
import { existsSync } from 'node:fs';
import { basename, isAbsolute, resolve } from 'node:path';
import { type DatabaseTarget, openDatabase, redactUrl } from '../../storage/database.ts';
import { readSidecar } from './backup-files.ts';
import { MigrationRefusedError } from '../errors.ts';
import type { BackupResult } from './backup-types.ts';
import { compareVersions } from '../migration.ts';
import { readAppliedMigrations } from '../tracking/tracking.ts';

/** host, port and database name of a PostgreSQL URL (user, password and parameters do not make it another database). */
function postgresIdentity(url: string): string | undefined {
  try {
    const u = new URL(url.replace(/^postgresql:/i, 'postgres:'));
    return `${u.hostname.toLowerCase()}:${u.port || '5432'}/${decodeURIComponent(u.pathname.slice(1))}`;
  } catch {
    return undefined;
  }
}

/** Whether the database a sidecar names is `target` (a relative SQLite path is compared by file name: the backup may have run from another folder). */
function sameDatabase(recorded: string, target: DatabaseTarget): boolean {
  if (target.dialect === 'postgres') {
    const mine = postgresIdentity(target.connectionString);
    return /^postgres(ql)?:\/\//i.test(recorded) && mine !== undefined && postgresIdentity(recorded) === mine;
  }
  const match = /^sqlite:(?:\/\/)?(.+)$/i.exec(recorded.trim());
  const path = match?.[1] ?? (/\.(db|sqlite3?)$/i.test(recorded) ? recorded.trim() : undefined);
  if (path === undefined) return false;
  return isAbsolute(path) ? resolve(path) === target.path : basename(path) === basename(target.path);
}

/**
 * Refuses (exit 4, BACKUP_OTHER_DATABASE) a backup whose sidecar names another database than
 * `url`, naming both, unless `force`. A backup without a sidecar (a copy made by hand) cannot be
 * told apart and is let through.
 *
 * @example
 * refuseOtherDatabase('data/backups/trading_bot-20261121T223324123Z-vnone.sqlite', 'sqlite:data/botledger.db', target, false); // throws
 */
export function refuseOtherDatabase(path: string, url: string, target: DatabaseTarget, force: boolean): void {
  if (force) return;
  const sidecar = readSidecar(path);
  if (!sidecar || (sidecar.dialect === target.dialect && sameDatabase(sidecar.database, target))) return;
  throw new MigrationRefusedError(
    'BACKUP_OTHER_DATABASE',
    `backup ${path} was taken of ${sidecar.database} (its sidecar says), not of ${redactUrl(url)}; nothing was changed. Pass --force to restore it over ${redactUrl(url)} anyway`,
    { path, backupOf: sidecar.database, database: redactUrl(url) },
  );
}

/**
 * Backs up the database a restore is about to overwrite (nothing when there is none yet: a SQLite
 * file that does not exist). Retention is not applied, so the backup being restored is never
 * pushed out by this one.
 */
export async function backupBeforeRestore(
  url: string,
  target: DatabaseTarget,
  take: (database: Awaited<ReturnType<typeof openDatabase>>, atVersion: string | null) => Promise<BackupResult>,
  trackingTable: string | undefined,
): Promise<BackupResult | null> {
  if (target.dialect === 'sqlite' && !existsSync(target.path)) return null;
  // The database keeps its journal mode (a user's rollback-journal file stays one).
  const database = await openDatabase(url, { journalMode: 'keep' });
  try {
    let atVersion: string | null = null;
    try {
      const applied = await readAppliedMigrations(database.db, trackingTable);
      atVersion = applied.map((a) => a.version).reduce<string | null>((a, b) => (a === null || compareVersions(b, a) > 0 ? b : a), null);
    } catch {
      // not our tracking table (or none): the copy is still worth having
    }
    return await take(database, atVersion);
  } finally {
    await database.close();
  }
}
