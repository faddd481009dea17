/**
 * Why a database could not be opened or read, in one place: the storage layer is where the
 * drivers' errors (better-sqlite3's `SQLITE_*` codes, pg's SQLSTATEs and socket errors, and the
 * file system's) are known, so it turns them into one {@link DatabaseError} with a stable code.
 * Callers (the command line) decide what each code means for an exit code and which command to
 * suggest; they never parse a driver's message.
 */
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/** The stable codes of {@link DatabaseError}. Each is documented in the README's "Errors" list. */
export const DATABASE_ERROR_CODES = [
  'DATABASE_URL_INVALID',
  'DATABASE_MISSING',
  'DATABASE_CANNOT_CREATE',
  'DATABASE_CANNOT_OPEN',
  'DATABASE_READ_ONLY',
  'DATABASE_NOT_A_DATABASE',
  'DATABASE_CORRUPT',
  'DATABASE_UNREACHABLE',
  'DATABASE_AUTH_FAILED',
] as const;

export type DatabaseErrorCode = (typeof DATABASE_ERROR_CODES)[number];

/** What is known about the database an error is about; `database` is the URL with its password hidden. */
export interface DatabaseErrorDetails {
  readonly database: string;
  /** SQLite: the file. */
  readonly path?: string;
  /** The driver's or the file system's own code (SQLITE_NOTADB, ECONNREFUSED, 3D000, EEXIST ...). */
  readonly cause?: string;
}

/**
 * A database that cannot be used as asked, with a stable code. The message names the database
 * once (password hidden) and says what is wrong; it never repeats the driver's URL.
 *
 * @example
 * try { await openDatabase(url, { mode: 'read' }); } catch (e) { if (e instanceof DatabaseError) console.log(e.code); }
 */
export class DatabaseError extends Error {
  constructor(
    readonly code: DatabaseErrorCode,
    message: string,
    readonly details: DatabaseErrorDetails,
  ) {
    super(message);
    this.name = 'DatabaseError';
  }
}

/** Error raised for a database URL botledger cannot use; names the URL. */
export class DatabaseUrlError extends DatabaseError {
  constructor(message: string, database = '') {
    super('DATABASE_URL_INVALID', message, { database });
    this.name = 'DatabaseUrlError';
  }
}

/**
 * How a command opens its database: `read` never writes (SQLite read-only, the file must exist),
 * `write` changes an existing database, `create` also makes a missing SQLite file (and its folders).
 */
export type DatabaseOpenMode = 'read' | 'write' | 'create';

const codeOf = (error: unknown): string => String((error as { code?: unknown })?.code ?? '');

/** The nearest existing ancestor of `path` (a folder that does not exist names none). */
function nearestExisting(path: string): string {
  let current = dirname(path);
  while (!existsSync(current) && dirname(current) !== current) current = dirname(current);
  return current;
}

/**
 * Checks, before any driver touches the file, that a SQLite path fits the open mode, and in
 * `create` mode makes its missing folders one by one (a recursive mkdir loops forever on some
 * paths, such as under /proc). Returns whether the file will be created by the open.
 *
 * @example
 * const created = prepareSqlitePath('/srv/bot/ledger.db', 'create', 'sqlite:/srv/bot/ledger.db');
 */
export function prepareSqlitePath(path: string, mode: DatabaseOpenMode, database: string): boolean {
  const details = { database, path };
  if (existsSync(path)) {
    if (statSync(path).isDirectory())
      throw new DatabaseError('DATABASE_CANNOT_OPEN', `cannot open ${database}: ${path} is a folder, not a database file`, {
        ...details,
        cause: 'EISDIR',
      });
    if (mode !== 'read') {
      try {
        accessSync(path, constants.R_OK | constants.W_OK);
      } catch {
        throw new DatabaseError('DATABASE_READ_ONLY', `cannot change ${database}: ${path} is read-only (or not readable) for this user`, {
          ...details,
          cause: 'EACCES',
        });
      }
    }
    return false;
  }
  const existing = nearestExisting(path);
  if (mode !== 'create') {
    const folder = dirname(path);
    const also = existing === folder ? '' : ` (nor does its folder ${folder})`;
    throw new DatabaseError('DATABASE_MISSING', `no database at ${path}: the file does not exist${also}`, { ...details, cause: 'ENOENT' });
  }
  const cannot = (why: string, cause: string): DatabaseError =>
    new DatabaseError('DATABASE_CANNOT_CREATE', `cannot create ${database}: ${why}`, { ...details, cause });
  if (!statSync(existing).isDirectory()) throw cannot(`${existing} is a file, not a folder`, 'ENOTDIR');
  // Each missing folder on its own, from the top: the first that cannot be made is the one named.
  const missing: string[] = [];
  for (let folder = dirname(path); folder !== existing; folder = dirname(folder)) missing.unshift(folder);
  for (const folder of [...missing]) {
    try {
      mkdirSync(folder);
    } catch (error) {
      throw cannot(`the folder ${folder} cannot be made (${codeOf(error) || (error as Error).message})`, codeOf(error));
    }
  }
  try {
    accessSync(dirname(path), constants.W_OK);
  } catch (error) {
    throw cannot(`the folder ${dirname(path)} is not writable`, codeOf(error));
  }
  return true;
}

/**
 * The {@link DatabaseError} a driver error means, or undefined when it is not about the database
 * as a whole (a failing statement, a constraint). `database` is the redacted URL.
 *
 * @example
 * const known = classifyDatabaseError(error, 'postgres://u@h/db'); // DATABASE_UNREACHABLE for ECONNREFUSED
 */
export function classifyDatabaseError(error: unknown, database: string, path?: string): DatabaseError | undefined {
  if (error instanceof DatabaseError) return error;
  const code = codeOf(error);
  const message = (error as Error)?.message ?? String(error);
  const details = { database, cause: code, ...(path ? { path } : {}) };
  const make = (kind: DatabaseErrorCode, text: string) => new DatabaseError(kind, text, details);
  if (code === 'SQLITE_NOTADB') return make('DATABASE_NOT_A_DATABASE', `${path ?? database} is not a SQLite database (${message})`);
  if (code.startsWith('SQLITE_CORRUPT')) return make('DATABASE_CORRUPT', `${path ?? database} is damaged: ${message}`);
  if (code === 'SQLITE_READONLY_DIRECTORY' || code === 'SQLITE_READONLY_CANTINIT')
    return make(
      'DATABASE_CANNOT_OPEN',
      `cannot open ${path ?? database}: it is in WAL mode, and reading it needs ${path ?? 'the file'}-shm, which SQLite cannot create in a folder this user cannot write (${message})`,
    );
  if (code.startsWith('SQLITE_CANTOPEN') || code === 'SQLITE_PERM')
    return make('DATABASE_CANNOT_OPEN', `cannot open ${path ?? database}: ${message}`);
  // PostgreSQL, while connecting: socket errors carry errno names, server refusals SQLSTATEs.
  if (['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET'].includes(code))
    return make('DATABASE_UNREACHABLE', `cannot connect to ${database}: ${message}`);
  if (code === '28000' || code === '28P01') return make('DATABASE_AUTH_FAILED', `cannot log in to ${database}: ${message}`);
  if (code === '3D000') return make('DATABASE_MISSING', `no database at ${database}: ${message}`);
  return undefined;
}

/**
 * True for an error raised by a database driver or the connection under it (a SQLite error code,
 * a PostgreSQL error with a severity and a SQLSTATE, a socket call that failed): the database is
 * in trouble, not the caller's input. Only storage knows its drivers' error shapes.
 *
 * @example
 * if (isDriverError(error)) throw error; // the caller's to handle; never a bot's fault
 */
export function isDriverError(error: unknown): boolean {
  const e = error as { code?: unknown; syscall?: unknown; severity?: unknown };
  if (e?.syscall !== undefined) return true;
  const code = typeof e?.code === 'string' ? e.code : '';
  return code.startsWith('SQLITE_') || (e?.severity !== undefined && /^[0-9A-Z]{5}$/.test(code));
}

/**
 * True for a transaction PostgreSQL aborted to break a lock cycle (40P01) or a serialization
 * conflict (40001): nothing of it was written, so running the whole transaction again is safe.
 * Two commit lanes can meet on one bot's position from two of its orders (an exit and a stop-loss
 * filling together); the unit of work runs such a transaction again rather than losing the event.
 */
export function isRetryableConflict(error: unknown): boolean {
  const code = codeOf(error);
  return code === '40P01' || code === '40001';
}
