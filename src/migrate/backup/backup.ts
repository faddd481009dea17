/**
 * Backups taken before anything is applied, and restore. SQLite goes through the online backup
 * API (backup-sqlite.ts), PostgreSQL through pg_dump/pg_restore (backup-postgres.ts). Every backup
 * has a sidecar recording the tracking table at that moment, so a restore can prove it brought
 * back the right state. Naming, listing and retention are in backup-files.ts.
 */
import { existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type BotledgerDatabase, type DatabaseTarget, openDatabase, parseDatabaseUrl, redactUrl } from '../../storage/database.ts';
import { applyRetention, type BackupSidecar, backupPathFor, findBackups, readSidecar, sidecarPath, writeSidecar } from './backup-files.ts';
import { backupPostgres, restorePostgres } from './backup-postgres.ts';
import { appliedInFile, backupSqlite, checkCopyInWorker, copySqlite, corruptBackupError, restoreSqlite } from './backup-sqlite.ts';
import { EXIT_FAILED, MigrateError, MigrationInputError } from '../errors.ts';
import { acquireMigrationLockFor } from '../lock/lock.ts';
import { backupBeforeRestore, refuseOtherDatabase } from './restore-guard.ts';
import type { AppliedMigration } from '../migration.ts';
import type { BackupInfo, BackupOptions, BackupResult, RestoreResult } from './backup-types.ts';
import { parseTableName, readAppliedMigrations } from '../tracking/tracking.ts';

export type { BackupInfo, BackupOptions, BackupResult, RestoreResult };

/** Backups of one database (and schema) kept in the backup directory unless `--keep` says otherwise. */
export const DEFAULT_BACKUP_KEEP = 10;

function checkSchema(schema: string | undefined, database: Pick<BotledgerDatabase, 'capabilities' | 'url'>): void {
  if (schema === undefined) return;
  if (!database.capabilities.namedSchemas) {
    throw new MigrationInputError(
      'SCHEMA_UNSUPPORTED',
      `--schema ${schema}: ${redactUrl(database.url)} has no named schemas (SQLite); back up the whole file instead`,
    );
  }
  parseTableName(schema); // identifier characters only
}

async function appliedOrNone(read: () => Promise<AppliedMigration[]>): Promise<AppliedMigration[]> {
  try {
    return await read();
  } catch (error) {
    // A foreign table of that name is not ours to describe; the backup itself is still good.
    if (error instanceof MigrateError && error.code === 'TRACKING_TABLE_FOREIGN') return [];
    throw error;
  }
}

/**
 * Backs up a database into `dir`, verifies the copy, writes its sidecar and applies retention.
 *
 * @example
 * const backup = await backupDatabase(database, { dir: backupDirFor(database.target), atVersion: '0003' });
 * console.log(`backup ${backup.path} (${backup.bytes} bytes)`);
 */
export async function backupDatabase(database: BotledgerDatabase, options: BackupOptions): Promise<BackupResult> {
  const { backup, checked } = await startBackup(database, options, { deferCheck: false });
  await checked;
  return backup;
}

/** A backup that is on disk, and the promise of its integrity check. */
export interface StartedBackup {
  readonly backup: BackupResult;
  /**
   * Resolves once the copy passed its integrity check and retention ran; rejects with
   * BACKUP_CHECK_FAILED (the copy and its sidecar deleted) otherwise. Already settled unless
   * `deferCheck` was asked for on SQLite.
   */
  readonly checked: Promise<void>;
}

/**
 * Like {@link backupDatabase}, but with `deferCheck` a SQLite copy's `PRAGMA quick_check` runs
 * in a worker thread after this returns, so the engine can run the first migration meanwhile and
 * hold its COMMIT until `checked` resolves: nothing is committed on the strength of an unchecked
 * backup, and the check costs no wall time when a core is free. PostgreSQL dumps are always
 * checked (`pg_restore --list`) before this returns.
 *
 * @example
 * const { backup, checked } = await startBackup(database, { dir, atVersion: '0003' }, { deferCheck: true });
 * // ... run the migration's statements ...
 * await checked; // then COMMIT
 */
export async function startBackup(
  database: BotledgerDatabase,
  options: BackupOptions,
  how: { deferCheck: boolean },
): Promise<StartedBackup> {
  const started = performance.now();
  const keep = options.keep ?? DEFAULT_BACKUP_KEEP;
  if (!Number.isInteger(keep) || keep < 1)
    throw new MigrationInputError('KEEP_INVALID', `--keep ${keep}: keep at least 1 backup (a whole number)`);
  checkSchema(options.schema, database);
  mkdirSync(options.dir, { recursive: true });
  const { path, createdAt } = backupPathFor(options.dir, database.target, options.schema ?? null, options.atVersion, new Date());
  const partial = `${path}.partial`;
  let applied: AppliedMigration[];
  const deferred = how.deferCheck && database.sqlite !== undefined;
  if (database.sqlite) {
    await (deferred ? copySqlite(database.sqlite, partial) : backupSqlite(database.sqlite, partial));
    // Read from the copy itself: the sidecar then describes exactly what the file holds.
    applied = await appliedOrNone(() => appliedInFile(partial, options.trackingTable));
  } else {
    const target = database.target as Extract<DatabaseTarget, { dialect: 'postgres' }>;
    applied = await appliedOrNone(() => readAppliedMigrations(database.db, options.trackingTable));
    await backupPostgres(target.connectionString, partial, options.schema);
  }
  const sidecar: BackupSidecar = {
    dialect: database.dialect,
    database: redactUrl(database.url),
    atVersion: options.atVersion,
    createdAt,
    schema: options.schema ?? null,
    applied,
  };
  try {
    writeSidecar(path, sidecar);
    renameSync(partial, path);
  } catch (error) {
    rmSync(partial, { force: true });
    throw new MigrateError('BACKUP_FAILED', `could not store backup ${path}: ${(error as Error).message}`, EXIT_FAILED, { path });
  }
  const bytes = statSync(path).size;
  // Retention only after the new copy proved sound: a corrupt copy must not push out a good one.
  const retain = (): void => {
    applyRetention(options.dir, database.target, options.schema ?? null, keep);
  };
  const checked = deferred ? checkDeferred(database.url, path, retain) : Promise.resolve().then(retain);
  checked.catch(() => {}); // the caller awaits it; a rejection before that is not "unhandled"
  return { backup: { path, bytes, durationMs: performance.now() - started, atVersion: options.atVersion, createdAt }, checked };
}

async function checkDeferred(url: string, path: string, retain: () => void): Promise<void> {
  const integrity = await checkCopyInWorker(path);
  if (integrity !== 'ok') {
    rmSync(path, { force: true });
    rmSync(sidecarPath(path), { force: true });
    throw corruptBackupError(redactUrl(url), integrity);
  }
  retain();
}

/**
 * The backups of a database in `dir`, newest first (whole-database and schema-only ones).
 *
 * @example
 * listBackups(backupDirFor(target), target)[0]?.path; // the newest
 */
export function listBackups(dir: string, target: DatabaseTarget): BackupInfo[] {
  return findBackups(dir, target);
}

function resolveFile(file: string | undefined, dir: string, target: DatabaseTarget, schema: string | undefined): string {
  if (file !== undefined) {
    const candidates = isAbsolute(file) ? [file] : [resolve(file), join(dir, file)];
    const found = candidates.find((candidate) => existsSync(candidate));
    if (!found) {
      throw new MigrationInputError(
        'BACKUP_NOT_FOUND',
        `backup file ${file} does not exist (looked in ${candidates.join(' and ')}); the live database was not touched`,
        {
          path: file,
        },
      );
    }
    return found;
  }
  const backups = findBackups(dir, target, schema ?? null);
  if (backups.length > 0) return backups[0].path;
  const others = findBackups(dir, target).filter((b) => b.schema !== (schema ?? null));
  const hint =
    others.length > 0
      ? ` (there are ${others.length} backups of ${others[0].schema ? `schema ${others[0].schema}; pass --schema ${others[0].schema}` : 'the whole database; drop --schema'})`
      : '';
  throw new MigrationInputError(
    'BACKUP_NOT_FOUND',
    `no backup of ${schema ? `schema ${schema} of ` : ''}${redactUrl(target.dialect === 'sqlite' ? target.path : target.connectionString)} in ${dir}${hint}`,
    { dir },
  );
}

export interface RestoreOptions {
  dir: string;
  schema?: string;
  trackingTable?: string;
  /** How long to wait for a running migration's lock (default 30 s); the restore holds it throughout. */
  lockTimeoutMs?: number;
  /** False when the caller already holds the migration lock. */
  lock?: boolean;
  /** Restore even a backup whose sidecar (or file name) says it was taken of another database. */
  force?: boolean;
  /** Called with the safety backup's path before the database is overwritten. */
  onSafetyBackup?: (backup: BackupResult) => void;
}

/**
 * Restores FILE (default: the newest backup of this database in `dir`) over the database at
 * `url`, then checks that it opens and that its tracking table equals the sidecar's `applied`.
 * No connection of ours may be open to it. It holds the migration lock throughout (so it never
 * runs under a `migrate up`). A missing or corrupt backup is refused before the live database is
 * touched.
 *
 * @example
 * const result = await restoreBackup('sqlite:data/botledger.db', undefined, { dir: 'data/backups' });
 * console.log(`restored ${result.path}: ${result.applied.length} migrations applied`);
 */
export async function restoreBackup(url: string, file: string | undefined, options: RestoreOptions): Promise<RestoreResult> {
  const started = performance.now();
  const target = parseDatabaseUrl(url);
  if (options.schema !== undefined) {
    if (target.dialect === 'sqlite')
      throw new MigrationInputError('SCHEMA_UNSUPPORTED', `--schema ${options.schema}: SQLite has no named schemas`);
    parseTableName(options.schema);
  }
  const path = resolveFile(file, options.dir, target, options.schema);
  refuseOtherDatabase(path, url, target, options.force ?? false);
  const sidecar = readSidecar(path);
  const schema = options.schema ?? sidecar?.schema ?? undefined;
  if (sidecar && options.schema !== undefined && (sidecar.schema ?? undefined) !== options.schema) {
    throw new MigrationInputError(
      'BACKUP_SCHEMA_MISMATCH',
      `backup ${path} holds ${sidecar.schema ? `schema ${sidecar.schema}` : 'the whole database'}, not schema ${options.schema}`,
      { path },
    );
  }
  let expected = sidecar?.applied;
  if (target.dialect === 'sqlite')
    expected ??= await appliedOrNone(() => appliedInFile(path, options.trackingTable)).catch(() => undefined);
  // Never restore under a running `migrate up`: it would go on applying to the restored database.
  if (target.dialect === 'sqlite') mkdirSync(dirname(target.path), { recursive: true });
  const lock =
    options.lock === false
      ? undefined
      : await acquireMigrationLockFor(target, { timeoutMs: options.lockTimeoutMs, name: options.trackingTable });
  let applied: AppliedMigration[];
  let safetyBackup: BackupResult | null;
  try {
    // What is about to be overwritten is backed up first (no retention: it must not push out `path`).
    safetyBackup = await backupBeforeRestore(
      url,
      target,
      (database, atVersion) =>
        backupDatabase(database, {
          dir: options.dir,
          atVersion,
          schema,
          keep: Number.MAX_SAFE_INTEGER,
          trackingTable: options.trackingTable,
        }),
      options.trackingTable,
    );
    if (safetyBackup) options.onSafetyBackup?.(safetyBackup);
    if (target.dialect === 'sqlite') await restoreSqlite(path, target.path);
    else await restorePostgres(path, target.connectionString, schema, options.dir);
    // The restored file keeps the journal mode the live file had (the backup API writes into it in its own mode).
    const database = await openDatabase(url, { journalMode: 'keep' });
    try {
      applied = await appliedOrNone(() => readAppliedMigrations(database.db, options.trackingTable));
    } finally {
      await database.close();
    }
  } finally {
    await lock?.release();
  }
  if (expected && JSON.stringify(applied) !== JSON.stringify(expected)) {
    const show = (rows: readonly AppliedMigration[]) => rows.map((row) => `${row.source}/${row.version}`).join(', ') || 'none';
    throw new MigrateError(
      'RESTORE_MISMATCH',
      `restored ${path}, but the tracking table does not match its sidecar: expected ${show(expected)}, found ${show(applied)}`,
      EXIT_FAILED,
      { path, expected, found: applied },
    );
  }
  return { path, durationMs: performance.now() - started, applied, safetyBackup };
}
