/**
 * Errors of the migration engine. Each has a stable code, listed in {@link MIGRATE_ERROR_CODES}
 * with its meaning and its exit code; an error's exit code is looked up there by its code (the
 * class only says which kind of failure it is). The application's error catalogue
 * (src/app/error-catalog.ts) includes this table, so the CLI and the README agree with it.
 */
import { EXIT_FAILED, EXIT_INTERRUPTED, EXIT_LOCKED, EXIT_REFUSED, EXIT_USAGE } from '../domain/exit-codes.ts';

// The exit codes moved to the domain layer (shared with the ledger's commands); re-exported so
// the engine's files keep importing them from here.
export { EXIT_FAILED, EXIT_INTERRUPTED, EXIT_LOCKED, EXIT_OK, EXIT_REFUSED, EXIT_USAGE } from '../domain/exit-codes.ts';

/** One code of the migration engine: its exit code and what it means (one sentence). */
export interface MigrateErrorEntry {
  readonly exit: number;
  readonly meaning: string;
}

const input = (meaning: string): MigrateErrorEntry => ({ exit: EXIT_USAGE, meaning });
const failed = (meaning: string): MigrateErrorEntry => ({ exit: EXIT_FAILED, meaning });
const refused = (meaning: string): MigrateErrorEntry => ({ exit: EXIT_REFUSED, meaning });

/** Every code the migration engine (and `botledger migrate`) can produce. */
export const MIGRATE_ERROR_CODES = {
  USAGE: input('a command, flag or option of `botledger migrate` is missing or wrong'),
  SOURCE_INVALID: input('a migration source (folder, module or list) cannot be used'),
  MIGRATIONS_DIR_MISSING: input('the migrations folder given does not exist'),
  MIGRATIONS_DIR_CORE: input("`migrate new` was pointed at botledger's own migrations folder"),
  MIGRATION_FILE_NAME: input('a migration file name does not follow <version>_<name>.sql or .ts'),
  MIGRATION_DUPLICATE_VERSION: input('two migration files have the same version'),
  MIGRATION_FILE_INVALID: input('a SQL migration file is malformed (its sections or header)'),
  MIGRATION_MODULE_INVALID: input('a .ts migration module does not export what a migration needs'),
  MIGRATION_SYNTAX: input('a .ts migration module does not compile (file, line and column given)'),
  MIGRATION_NAME_INVALID: input('the name given to `migrate new` is not usable in a file name'),
  MIGRATION_EMPTY_UP: input('a migration has no up statement'),
  SQL_SYNTAX: input('a SQL statement of a migration cannot be split or parsed'),
  NESTED_TRANSACTION: input('a migration opens or ends a transaction itself, which the engine does'),
  VERIFY_QUERY_INVALID: input("a migration's verify query is not a single read"),
  VERSION_INVALID: input('the version given (--to) is malformed'),
  VERSION_UNKNOWN: input('the version given (--to) is not a known migration'),
  KEEP_INVALID: input('--keep (backups to keep) is not a whole number of at least 1'),
  SCHEMA_UNSUPPORTED: input('the PostgreSQL schema given cannot be backed up or restored'),
  BACKUP_NOT_FOUND: input('the backup file to restore does not exist, or there is none'),
  BACKUP_CORRUPT: input('a backup file is not a sound database (a restore leaves the live database untouched)'),
  BACKUP_SCHEMA_MISMATCH: input('the backup was taken of another schema than the one to restore'),
  TRACKING_TABLE_INVALID: input('the tracking table name is not a plain identifier'),
  TRACKING_TABLE_FOREIGN: input('a table of that name exists and is not a migration tracking table'),
  INVALID_IDENTIFIER: input("a data helper was given a table or column name that is not a plain identifier"),
  BACKFILL_OPTION_INVALID: input('a backfill data helper was given a bad option'),
  REMAP_MAPPING_INVALID: input('a remap data helper was given a bad mapping'),
  STATEMENT_FAILED: failed('a migration statement failed; the migration was rolled back'),
  ROW_CHECK_FAILED: failed("a migration's verify query found rows; the migration was rolled back"),
  TRACKING_INCONSISTENT: failed('the tracking table does not match what was applied; the migration was rolled back'),
  BACKUP_FAILED: failed('a backup could not be made or stored; nothing was applied'),
  BACKUP_CHECK_FAILED: failed('a backup just made failed its own check and was deleted; nothing was applied'),
  RESTORE_FAILED: failed('a restore did not complete'),
  RESTORE_MISMATCH: failed('the restored database does not match its backup'),
  LOCK_NOT_ACQUIRED: { exit: EXIT_LOCKED, meaning: 'another process holds the migration lock (the message names it)' },
  CHECKSUM_MISMATCH: refused('an applied migration file was edited since it was applied (drift)'),
  DATABASE_NEWER: refused('the database has migrations these files do not know (drift)'),
  MISSING_FILE: refused('the file of an applied migration is missing (drift)'),
  CONFIRMATION_REQUIRED: refused('a change needs confirmation and there is no terminal to ask on: pass --yes'),
  LINT_FINDINGS: refused('`lint --strict` found problems in the pending migrations'),
  LINT_DATA_LOSS: refused('a pending migration destroys data and --allow-data-loss was not given'),
  DATA_LOSS: refused('a down migration would destroy rows and --allow-data-loss was not given'),
  IRREVERSIBLE: refused('the migration is marked irreversible: restore a backup instead'),
  NO_DOWN: refused('the migration has no down section: restore a backup instead'),
  BACKUP_OTHER_DATABASE: refused('the backup is of another database; --force restores it anyway'),
  INTERRUPTED: { exit: EXIT_INTERRUPTED, meaning: 'Ctrl-C at a confirmation prompt; nothing was changed' },
} as const satisfies Record<string, MigrateErrorEntry>;

/** A code of the migration engine. */
export type MigrateErrorCode = keyof typeof MIGRATE_ERROR_CODES;

/**
 * The exit code of a migration engine code; `fallback` only for a code the table does not list
 * (a test checks that every code thrown in src/ is listed).
 *
 * @example
 * migrateExitCode('LOCK_NOT_ACQUIRED', 1); // 3
 */
export function migrateExitCode(code: string, fallback: number): number {
  return Object.hasOwn(MIGRATE_ERROR_CODES, code) ? MIGRATE_ERROR_CODES[code as MigrateErrorCode].exit : fallback;
}

export class MigrateError extends Error {
  readonly #fallbackExit: number;

  /** `exitCode` is used only when `code` is not in {@link MIGRATE_ERROR_CODES}. */
  constructor(
    readonly code: string,
    message: string,
    exitCode: number = EXIT_FAILED,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'MigrateError';
    this.#fallbackExit = exitCode;
  }

  /** The exit code of this error's code (looked up in {@link MIGRATE_ERROR_CODES}). */
  get exitCode(): number {
    return migrateExitCode(this.code, this.#fallbackExit);
  }
}

/** A bad migration file, directory, flag or option (exit 2). */
export class MigrationInputError extends MigrateError {
  constructor(code: string, message: string, details: Record<string, unknown> = {}) {
    super(code, message, EXIT_USAGE, details);
  }
}

/** A statement or a verification failed; the migration was rolled back (exit 1). */
export class MigrationFailedError extends MigrateError {
  constructor(code: string, message: string, details: Record<string, unknown> = {}) {
    super(code, message, EXIT_FAILED, details);
  }
}

/** Another run holds the lock and did not release it in time (exit 3). */
export class LockNotAcquiredError extends MigrateError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('LOCK_NOT_ACQUIRED', message, EXIT_LOCKED, details);
  }
}

/** Drift (an edited applied file, a newer database) or a refused action (no confirmation, irreversible down) (exit 4). */
export class MigrationRefusedError extends MigrateError {
  constructor(code: string, message: string, details: Record<string, unknown> = {}) {
    super(code, message, EXIT_REFUSED, details);
  }
}
