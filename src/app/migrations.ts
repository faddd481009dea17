/**
 * The core schema check every opening of a ledger makes: refused while core migrations are
 * pending, unless the caller asks to apply them (through the migration engine, with its backup).
 * And, read-only, what `botledger migrate status` shows and the backups kept (the API's
 * GET /migrations and GET /backups).
 */
import { basename } from 'node:path';
import { listBackups } from '../migrate/backup/backup.ts';
import { MigrationEngine } from '../migrate/engine.ts';
import type { EngineEvent, StatusReport } from '../migrate/reports.ts';
import { backupDirFor, type BotledgerDatabase } from '../storage/database.ts';
import { LedgerError } from './ledger-error.ts';

/** How {@link ensureMigrated} treats pending core migrations. */
export interface EnsureMigratedOptions {
  /** Apply them (after the migration engine's backup) instead of refusing. */
  readonly migrate?: boolean;
  /** What the refusal tells the user to do; default: run `botledger migrate up`. */
  readonly advice?: string;
  /** The migration engine's progress (backup, each migration applied). */
  readonly onEvent?: (event: EngineEvent) => void;
}

/**
 * Throws MIGRATIONS_PENDING (exit 4) when core migrations are pending, or applies them first
 * when `migrate` is set.
 *
 * @example
 * await ensureMigrated(database, { migrate: false }); // refuses on a fresh database
 */
export async function ensureMigrated(database: BotledgerDatabase, options: EnsureMigratedOptions = {}): Promise<void> {
  const engine = new MigrationEngine({ database, onEvent: options.onEvent });
  const status = await engine.status();
  if (status.pending.length === 0) return;
  if (options.migrate) {
    await engine.up();
    return;
  }
  const needed = status.pending.at(-1)?.version;
  throw new LedgerError(
    'MIGRATIONS_PENDING',
    `the database is at core version ${status.current ?? 'none'} but this botledger needs ${needed}: ${options.advice ?? 'run `botledger migrate up`'}`,
    { current: status.current, needed, pending: status.pending.map((p) => p.fileName) },
  );
}

/**
 * The file names of the core migrations this database lacks (empty when it is current). A running
 * service asks this for its readiness probe.
 *
 * @example
 * await pendingCoreMigrations(ledger.database); // [] or ['0004_users_and_tokens.ts']
 */
export async function pendingCoreMigrations(database: BotledgerDatabase): Promise<string[]> {
  const status = await new MigrationEngine({ database }).status();
  return status.pending.map((p) => p.fileName);
}

/**
 * The core migrations' status of the ledger's database (the report of `botledger migrate status`):
 * current version, applied (with whether each file still matches), pending, drift. Reads only.
 *
 * @example
 * const { current, pending } = await migrationStatus(ledger); // '0004', []
 */
export async function migrationStatus(ledger: { readonly database: BotledgerDatabase }): Promise<StatusReport> {
  return new MigrationEngine({ database: ledger.database }).status();
}

/** A backup of the ledger's database, as shown to API users (its file name, never the server's folders). */
export interface BackupView {
  readonly file: string;
  readonly bytes: number;
  readonly createdAt: string;
  /** The core version the database was at when backed up. */
  readonly atVersion: string | null;
  /** PostgreSQL: the schema of a schema-only backup, else null. */
  readonly schema: string | null;
}

/**
 * The backups of the ledger's database in its backup folder (what `migrate up` and `migrate
 * backup` made, and what `migrate restore` picks from), newest first, at most `limit`.
 *
 * @example
 * (await recentBackups(ledger))[0]?.atVersion; // '0003': the backup made before 0004 was applied
 */
export async function recentBackups(ledger: { readonly database: BotledgerDatabase }, limit = 50): Promise<BackupView[]> {
  const target = ledger.database.target;
  return listBackups(backupDirFor(target), target)
    .slice(0, limit)
    .map((backup) => ({
      file: basename(backup.path),
      bytes: backup.bytes,
      createdAt: backup.createdAt,
      atVersion: backup.atVersion,
      schema: backup.schema,
    }));
}
