/**
 * SQLite backup and restore through SQLite's online backup API: a consistent snapshot even while
 * another connection writes, and, on restore, pages written through SQLite's own locking and WAL
 * so that a process that has the file open never reads a half-copied file (which `cp` would give).
 */
import { copyFileSync, existsSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely } from 'kysely';
import { sqliteDialect } from '../../storage/dialects/sqlite.ts';
import { EXIT_FAILED, MigrateError, MigrationInputError } from '../errors.ts';
import type { AppliedMigration } from '../migration.ts';
import { readAppliedMigrations } from '../tracking/tracking.ts';

/**
 * Pages per backup step: everything in one step. SQLite restarts a stepwise backup whenever
 * another connection writes between two steps, so a busy bot could starve a backup taken in
 * small steps; one step reads a single snapshot (in WAL mode writers are not blocked by it).
 */
const ONE_STEP = { progress: () => 1_000_000_000 };

/**
 * Which check a fresh backup copy gets: `quick_check`. The copy is written page by page by
 * SQLite's own pager from one consistent snapshot, so what can go wrong in it is structural: a
 * short or torn file, a page written in the wrong place, an I/O error. quick_check walks every
 * page of every table and index b-tree and finds all of that, plus NOT NULL and CHECK violations;
 * what it leaves out (that each index's entries match its table's rows) cannot differ between the
 * copy and its source. On seed 003's trading_bot.db at 1,000,000 trades (328 MB) it took 0.5-0.6 s
 * of CPU against 1.3 s for integrity_check. A backup given to `restore` (a file from anywhere,
 * perhaps months old) still gets the full integrity_check.
 */
export const COPY_CHECK = 'quick_check';

export type SqliteCheck = 'integrity_check' | 'quick_check';

/** `PRAGMA integrity_check` (or `quick_check`) of a file opened read-only: 'ok' or the problems found. */
export function integrityOf(path: string, check: SqliteCheck = 'integrity_check'): string {
  let raw: BetterSqlite3.Database | undefined;
  try {
    raw = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
    const rows = raw.pragma(check) as Record<string, string>[];
    return rows.map((row) => Object.values(row)[0]).join('; ');
  } catch (error) {
    return (error as Error).message;
  } finally {
    raw?.close();
  }
}

/** The tracking table's rows in a SQLite file, read without changing it. */
export async function appliedInFile(path: string, trackingTable?: string): Promise<AppliedMigration[]> {
  const raw = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
  const db = new Kysely<any>({ dialect: sqliteDialect(raw) });
  try {
    return await readAppliedMigrations(db, trackingTable);
  } finally {
    await db.destroy();
  }
}

/**
 * Copies the live database to `dest` with the online backup API and makes the copy a
 * self-contained rollback-journal file (no -wal/-shm beside it, so `cp` of the one file is a
 * complete backup). The copy is not checked yet: see {@link backupSqlite} and
 * {@link checkCopyInWorker}.
 *
 * @example
 * await copySqlite(database.sqlite!, '/srv/data/backups/botledger-...sqlite.partial');
 */
export async function copySqlite(source: BetterSqlite3.Database, dest: string): Promise<void> {
  try {
    await source.backup(dest, ONE_STEP);
    const copy = new BetterSqlite3(dest, { fileMustExist: true });
    try {
      copy.pragma('journal_mode = DELETE');
    } finally {
      copy.close();
    }
  } catch (error) {
    rmSync(dest, { force: true });
    throw new MigrateError('BACKUP_FAILED', `backup of ${source.name} to ${dest} failed: ${(error as Error).message}`, EXIT_FAILED, {
      database: source.name,
      path: dest,
    });
  }
}

/** The error for a copy whose integrity check is not 'ok' (the caller deletes the copy). */
export function corruptBackupError(sourceName: string, integrity: string): MigrateError {
  return new MigrateError('BACKUP_CHECK_FAILED', `backup of ${sourceName} failed its integrity check (${integrity}); nothing was kept`, EXIT_FAILED, {
    database: sourceName,
    integrity,
  });
}

/**
 * Copies and checks: {@link copySqlite}, then {@link COPY_CHECK} of the copy; a copy that is
 * not 'ok' is deleted.
 *
 * @example
 * await backupSqlite(database.sqlite!, '/srv/data/backups/botledger-...sqlite.partial');
 */
export async function backupSqlite(source: BetterSqlite3.Database, dest: string): Promise<void> {
  await copySqlite(source, dest);
  const integrity = integrityOf(dest, COPY_CHECK);
  if (integrity !== 'ok') {
    rmSync(dest, { force: true });
    throw corruptBackupError(source.name, integrity);
  }
}

const INTEGRITY_WORKER = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
let db;
try {
  db = new Database(workerData.path, { readonly: true, fileMustExist: true });
  parentPort.postMessage(db.pragma(workerData.check).map((row) => Object.values(row)[0]).join('; '));
} catch (error) {
  parentPort.postMessage(String(error && error.message));
} finally {
  if (db) db.close();
}
`;

/**
 * {@link COPY_CHECK} of a copy in a worker thread, so it runs on the other core while the
 * main thread applies the first migration (the engine makes that migration's COMMIT wait for it).
 * Resolves with 'ok' or the problems found.
 *
 * @example
 * const integrity = await checkCopyInWorker('/srv/data/backups/botledger-...sqlite'); // 'ok'
 */
export function checkCopyInWorker(path: string): Promise<string> {
  return new Promise((resolve) => {
    const worker = new Worker(INTEGRITY_WORKER, { eval: true, workerData: { path, check: COPY_CHECK, driver: createRequire(import.meta.url).resolve('better-sqlite3') } });
    worker.once('message', (integrity: string) => resolve(integrity));
    worker.once('error', (error) => resolve(error.message));
    worker.once('exit', (code) => resolve(`the integrity check stopped with exit code ${code}`));
  });
}

/** Fails with a clear error, before anything is touched, when `file` is not a sound SQLite backup. */
export function checkSqliteBackup(file: string): void {
  const integrity = integrityOf(file);
  if (integrity !== 'ok') {
    throw new MigrationInputError(
      'BACKUP_CORRUPT',
      `backup ${file} is not a sound SQLite database (${integrity}); the live database was not touched`,
      {
        path: file,
        integrity,
      },
    );
  }
}

function removeSideFiles(livePath: string): void {
  rmSync(`${livePath}-wal`, { force: true });
  rmSync(`${livePath}-shm`, { force: true });
  rmSync(`${livePath}-journal`, { force: true });
}

/**
 * Writes the backup `file` over the database at `livePath` through the online backup API. A
 * missing live file is created; only then are leftover -wal/-shm files removed (a WAL without its
 * database must not be replayed into the restored one). A live file that is not a database at all
 * is replaced by renaming a copy over it.
 *
 * @example
 * await restoreSqlite('/srv/data/backups/botledger-...-v0003.sqlite', '/srv/data/botledger.db');
 */
export async function restoreSqlite(file: string, livePath: string): Promise<void> {
  checkSqliteBackup(file);
  if (!existsSync(livePath)) removeSideFiles(livePath);
  const source = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  try {
    await source.backup(livePath, ONE_STEP);
    return;
  } catch (error) {
    const code = (error as { code?: string }).code ?? '';
    if (code !== 'SQLITE_NOTADB' && code !== 'SQLITE_CORRUPT') {
      throw new MigrateError('RESTORE_FAILED', `restore of ${file} into ${livePath} failed: ${(error as Error).message}`, EXIT_FAILED, {
        path: file,
        database: livePath,
      });
    }
  } finally {
    source.close();
  }
  // The live file is not a database: nobody can be using it, so replace it whole.
  const temp = `${livePath}.restore-${process.pid}`;
  copyFileSync(file, temp);
  removeSideFiles(livePath);
  renameSync(temp, livePath);
}
