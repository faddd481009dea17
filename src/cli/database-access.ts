/**
 * How every command opens its database, and what a database error says on the command line: a
 * hint that repeats the user's own `--db` so it can be copied as it is (the exit code is the
 * code's, from the error catalogue). The classification itself is the storage layer's
 * ({@link classifyDatabaseError}); nothing here reads a driver's message.
 */
import { LedgerError } from '../app/ledger-error.ts';
import {
  type BotledgerDatabase,
  DatabaseError,
  type DatabaseOpenMode,
  type OpenDatabaseOptions,
  openDatabase,
  parseDatabaseUrl,
  redactUrl,
} from '../storage/database.ts';
import { classifyDatabaseError } from '../storage/database-errors.ts';

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
 * A database error as the command line reports it (its code, the message with a hint), or
 * undefined when `error` is not about the database.
 *
 * @example
 * throw databaseErrorForCli(error, flags.db, { creates: 'botledger migrate up' }) ?? error;
 */
export function databaseErrorForCli(error: unknown, flag: string | undefined, hints: AccessHints, url?: string): LedgerError | undefined {
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
  return new LedgerError(known.code, hint ? `${known.message}: ${hint}` : known.message, {
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
