/**
 * How every command opens its database, and what a database error means on the command line:
 * one exit code per {@link DatabaseErrorCode} (one table, below), and a hint that repeats the
 * user's own `--db` so it can be copied as it is. The classification itself is the storage
 * layer's ({@link classifyDatabaseError}); nothing here reads a driver's message.
 */
import { EXIT_FAILED, EXIT_USAGE, MigrateError } from '../migrate/errors.ts';
import {
  type BotledgerDatabase,
  DatabaseError,
  type DatabaseErrorCode,
  type DatabaseOpenMode,
  type OpenDatabaseOptions,
  openDatabase,
  parseDatabaseUrl,
  redactUrl,
} from '../storage/database.ts';
import { classifyDatabaseError } from '../storage/database-errors.ts';

/**
 * The exit code of each database error: 2 when the `--db` given cannot be used as it is (fix the
 * flag, the file or the credentials), 1 when the database or its server failed.
 */
export const DATABASE_EXIT_CODES: Readonly<Record<DatabaseErrorCode, number>> = {
  DATABASE_URL_INVALID: EXIT_USAGE,
  DATABASE_MISSING: EXIT_USAGE,
  DATABASE_CANNOT_CREATE: EXIT_USAGE,
  DATABASE_CANNOT_OPEN: EXIT_USAGE,
  DATABASE_READ_ONLY: EXIT_USAGE,
  DATABASE_NOT_A_DATABASE: EXIT_USAGE,
  DATABASE_AUTH_FAILED: EXIT_USAGE,
  DATABASE_CORRUPT: EXIT_FAILED,
  DATABASE_UNREACHABLE: EXIT_FAILED,
};

/**
 * ` --db <what the user typed>` (password hidden, quoted for a shell when needed), or '' when the
 * database came from `$BOTLEDGER_DB` or the default, so a suggested command runs as it is.
 *
 * @example
 * `run \`botledger migrate up${dbArgument(flags.db)}\``; // 'run `botledger migrate up --db sqlite:/srv/l.db`'
 */
export function dbArgument(flag: string | undefined): string {
  if (flag === undefined) return '';
  const shown = redactUrl(flag);
  return ` --db ${/^[\w@%+=:,./*~-]+$/.test(shown) ? shown : `'${shown.replace(/'/g, `'\\''`)}'`}`;
}

/** What a command tells the user to run when the database does not exist yet. */
export interface AccessHints {
  /** The command that creates this database, without `--db`: `botledger migrate up`. */
  readonly creates: string;
}

function hintFor(error: DatabaseError, flag: string | undefined, hints: AccessHints): string | undefined {
  const db = dbArgument(flag);
  switch (error.code) {
    case 'DATABASE_MISSING':
      return error.details.path
        ? `check --db, or create it with \`${hints.creates}${db}\``
        : 'check --db, or create the database first (createdb, or CREATE DATABASE)';
    case 'DATABASE_CORRUPT':
      return `restore the latest backup with \`botledger migrate restore${db}\``;
    case 'DATABASE_NOT_A_DATABASE':
    case 'DATABASE_CANNOT_CREATE':
    case 'DATABASE_CANNOT_OPEN':
      return 'check --db';
    case 'DATABASE_UNREACHABLE':
      return 'is the server running, and are the host and port right?';
    default:
      return undefined;
  }
}

/**
 * A database error as the command line reports it (its code, the message with a hint, the exit
 * code from {@link DATABASE_EXIT_CODES}), or undefined when `error` is not about the database.
 *
 * @example
 * throw databaseErrorForCli(error, flags.db, { creates: 'botledger migrate up' }) ?? error;
 */
export function databaseErrorForCli(error: unknown, flag: string | undefined, hints: AccessHints, url?: string): MigrateError | undefined {
  let known: DatabaseError | undefined;
  if (error instanceof DatabaseError) known = error;
  else if (url !== undefined) {
    // A query that meets a damaged file long after the open: only that (and "not a database") is
    // the database's fault; any other failing statement is the command's own error.
    const later = classifyDatabaseError(error, redactUrl(url));
    if (later?.code === 'DATABASE_CORRUPT' || later?.code === 'DATABASE_NOT_A_DATABASE') known = later;
  }
  if (!known) return undefined;
  const hint = hintFor(known, flag, hints);
  return new MigrateError(known.code, hint ? `${known.message}: ${hint}` : known.message, DATABASE_EXIT_CODES[known.code], {
    ...known.details,
    ...(hint ? { hint } : {}),
  });
}

/**
 * Opens the database of a command in `mode`; says so on stderr when the open created it; turns a
 * database error into the command line's (see {@link databaseErrorForCli}).
 *
 * @example
 * const database = await openForCommand(url, flags.db, { mode: 'read' }, { creates: 'botledger migrate up' });
 */
export async function openForCommand(
  url: string,
  flag: string | undefined,
  options: OpenDatabaseOptions & { readonly mode: DatabaseOpenMode },
  hints: AccessHints,
): Promise<BotledgerDatabase> {
  try {
    const database = await openDatabase(url, options);
    const target = parseDatabaseUrl(url);
    if (database.created && target.dialect === 'sqlite') process.stderr.write(`created database ${target.path}\n`);
    return database;
  } catch (error) {
    throw databaseErrorForCli(error, flag, hints) ?? error;
  }
}
