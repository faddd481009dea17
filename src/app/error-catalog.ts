/**
 * The one error catalogue: every code the ledger and the migration engine can produce, with what
 * it means, the CLI's exit code and the HTTP status the coming REST API answers with. Errors carry
 * only their `code` (and details); whoever shows an error looks the code up here, never at the
 * error's class. The README's "Error catalogue" table is checked against this one by a test
 * (test/app/error-catalog.test.ts), in both directions.
 *
 * HTTP statuses follow one rule: 400 for bad input (413 for a body too large), 401 for no valid token or login, 403 for a
 * token not allowed to do that, 404 for something that does not exist (or belongs to another user), 409 for a refusal or a
 * conflict with the current state, 423 for something another process holds, 429 for too many
 * failed logins, 503 for a database or venue that does not answer, 500 for everything else. A
 * database the server was configured with that cannot be used is the server's fault (500),
 * although on the command line it is the user's `--db` (exit 2).
 */
import { EXIT_FAILED, EXIT_LOCKED, EXIT_REFUSED, EXIT_USAGE } from '../domain/exit-codes.ts';
import { MIGRATE_ERROR_CODES } from '../migrate/errors.ts';

/** One code of the catalogue. */
export interface ErrorCatalogEntry {
  /** The CLI's exit code. */
  readonly exit: number;
  /** The REST API's status. */
  readonly http: number;
  /** What the code means, in one sentence. */
  readonly meaning: string;
}

const entry = (exit: number, http: number, meaning: string): ErrorCatalogEntry => ({ exit, http, meaning });

/** The HTTP status an exit code implies, when the code itself says nothing more precise. */
function httpForExit(exit: number): number {
  if (exit === EXIT_USAGE) return 400;
  if (exit === EXIT_LOCKED) return 423;
  if (exit === EXIT_REFUSED) return 409;
  return 500;
}

/** Migration engine codes whose HTTP status is more precise than their exit code's. */
const MIGRATE_HTTP: Readonly<Record<string, number>> = { BACKUP_NOT_FOUND: 404, VERSION_UNKNOWN: 404 };

const MIGRATE_ENTRIES = Object.fromEntries(
  Object.entries(MIGRATE_ERROR_CODES).map(([code, { exit, meaning }]) => [code, entry(exit, MIGRATE_HTTP[code] ?? httpForExit(exit), meaning)]),
);

/** Codes of the ledger: its databases, domain, engine, venue, plugins and commands. */
const LEDGER_ENTRIES = {
  // The database (storage/database-errors.ts): exit 2 when the --db given cannot be used as it is.
  DATABASE_URL_INVALID: entry(EXIT_USAGE, 500, 'the database URL is neither sqlite:<file> nor postgres://...'),
  DATABASE_MISSING: entry(EXIT_USAGE, 500, 'the database does not exist (a SQLite file, or a PostgreSQL database)'),
  DATABASE_CANNOT_CREATE: entry(EXIT_USAGE, 500, 'the SQLite file cannot be created where it was asked for'),
  DATABASE_CANNOT_OPEN: entry(EXIT_USAGE, 500, 'the database exists but cannot be opened (a folder, unreadable, or its folder not writable)'),
  DATABASE_READ_ONLY: entry(EXIT_USAGE, 500, 'a command that writes was given a database this user cannot write'),
  DATABASE_NOT_A_DATABASE: entry(EXIT_USAGE, 500, 'the file is not a SQLite database'),
  DATABASE_AUTH_FAILED: entry(EXIT_USAGE, 500, 'PostgreSQL refused the login (unknown role or wrong password)'),
  DATABASE_CORRUPT: entry(EXIT_FAILED, 500, 'SQLite reports the database file damaged'),
  DATABASE_UNREACHABLE: entry(EXIT_FAILED, 503, 'no PostgreSQL server answers at that host and port'),
  MIGRATIONS_PENDING: entry(EXIT_REFUSED, 409, 'the database lacks core migrations this botledger needs (migrate up, or --migrate)'),
  LEDGER_ID_MISSING: entry(EXIT_REFUSED, 409, 'the database has no ledger id, so its venue cannot be found'),
  RECORD_NOT_FOUND: entry(EXIT_FAILED, 500, 'a row the ledger expected to read back is not there'),
  STALE_ROW: entry(EXIT_FAILED, 409, 'a row changed under an optimistic update; the update was not applied'),
  // Input of commands.
  INVALID_DECIMAL: entry(EXIT_USAGE, 400, 'a money or amount field is not a plain decimal string, or is out of range'),
  INVALID_FIELD: entry(EXIT_USAGE, 400, 'an input field is missing or malformed (the message names it)'),
  CONFIG_NOT_JSON: entry(EXIT_USAGE, 400, 'the bot config given is not valid JSON'),
  CONFIG_NOT_OBJECT: entry(EXIT_USAGE, 400, 'the bot config given is not a JSON object'),
  SYMBOL_INVALID: entry(EXIT_USAGE, 400, 'the symbol is not BASE/QUOTE in capitals, such as BTC/USDT'),
  CURSOR_INVALID: entry(EXIT_USAGE, 400, 'the paging cursor is not one a previous page gave'),
  PLUGIN_UNKNOWN: entry(EXIT_USAGE, 400, 'no strategy plugin has that id'),
  PLUGIN_CONFIG_INVALID: entry(EXIT_USAGE, 400, "the bot config does not meet its plugin's schema (the field is named)"),
  BOT_NOT_FOUND: entry(EXIT_USAGE, 404, 'no bot has that id'),
  ORDER_NOT_FOUND: entry(EXIT_USAGE, 404, 'no order has that id or client order id (in the ledger, or at the venue)'),
  POSITION_NOT_FOUND: entry(EXIT_USAGE, 404, 'no position has that id'),
  BOT_EXISTS: entry(EXIT_USAGE, 409, 'a bot with that id already exists'),
  ACCOUNT_NOT_FOUND: entry(EXIT_USAGE, 404, "no exchange account has that id, or it is not the account of this ledger's venue"),
  SECRET_KEY_INVALID: entry(EXIT_USAGE, 500, 'the key that encrypts exchange credentials ($BOTLEDGER_SECRET_KEY, or secret.key in the data folder) is not 32 bytes in hex'),
  IMPORT_SOURCE_INVALID: entry(EXIT_USAGE, 400, 'import --from is not sqlite:<file> of a legacy trading_bot.db (no trades table, or a column it needs)'),
  IMPORT_ROWS_UNREADABLE: entry(EXIT_FAILED, 409, 'the import was done, but some legacy rows could not be read (each is listed with its id and reason)'),
  // Users and tokens (src/app/users.ts).
  USERNAME_INVALID: entry(EXIT_USAGE, 400, 'the username is not 3 to 32 lower-case letters, digits, ".", "_" or "-" starting with a letter'),
  PASSWORD_TOO_SHORT: entry(EXIT_USAGE, 400, 'the password has fewer than 8 characters'),
  SCOPE_INVALID: entry(EXIT_USAGE, 400, "a token scope is not read, trade or admin, or is more than the user's role allows"),
  USER_EXISTS: entry(EXIT_USAGE, 409, 'a user with that username already exists'),
  USER_NOT_FOUND: entry(EXIT_USAGE, 404, 'no user has that id or username'),
  TOKEN_NOT_FOUND: entry(EXIT_USAGE, 404, 'that user has no API token with that id'),
  UNAUTHENTICATED: entry(EXIT_REFUSED, 401, 'no valid token was given (missing, unknown, expired or revoked, or its user is disabled)'),
  FORBIDDEN: entry(EXIT_REFUSED, 403, "the token's scopes, cut down to its user's role, do not allow this"),
  LOGIN_FAILED: entry(EXIT_REFUSED, 401, 'the username and password, or the one-time token, do not let anyone log in'),
  LOGIN_RATE_LIMITED: entry(EXIT_REFUSED, 429, 'too many failed logins for that username or address in 15 minutes; wait and try again'),
  USER_IS_LAST_ADMIN: entry(EXIT_REFUSED, 409, 'the last enabled admin cannot be deleted, disabled or demoted'),
  USER_OWNS_DATA: entry(EXIT_REFUSED, 409, 'the user still owns bots, orders, positions, trades or accounts; disable them instead'),
  // Refusals: what botledger will not do in the current state.
  INVALID_BOT_TRANSITION: entry(EXIT_REFUSED, 409, 'the bot lifecycle change is not allowed from its current status'),
  BOT_NOT_ACTIVE: entry(EXIT_REFUSED, 409, 'the bot is not active, so it cannot place orders'),
  ACCOUNT_SHARED: entry(EXIT_REFUSED, 409, 'the built-in paper exchange account is shared by every user and cannot be deleted'),
  ACCOUNT_IN_USE: entry(EXIT_REFUSED, 409, 'bots or positions still trade on this exchange account, so it cannot be deleted'),
  POSITION_NOT_OPEN: entry(EXIT_REFUSED, 409, 'the position is already closed, so it cannot be closed again'),
  ORDER_NOT_FAILED: entry(EXIT_REFUSED, 409, 'only a failed order can be retried or dropped'),
  ORDER_NOT_CANCELLABLE: entry(EXIT_REFUSED, 409, 'only a pending order can be cancelled (an executed one is closed through its position)'),
  UPDATE_SELLS_AT_A_LOSS: entry(EXIT_REFUSED, 409, 'the new config would sell the open position at once at a loss (confirm to go ahead)'),
  CANCELLED_OUTSIDE: entry(EXIT_REFUSED, 409, "a cancel at the venue that botledger did not ask for came first and stopped the bot"),
  VENUE_MISMATCH: entry(EXIT_REFUSED, 409, "the venue does not know this ledger's acknowledged orders (the wrong venue file)"),
  VENUE_CAPABILITY_MISSING: entry(EXIT_REFUSED, 409, 'the venue cannot do what the order needs (for example stop orders); nothing was recorded'),
  PAPER_LEDGER_MISMATCH: entry(EXIT_REFUSED, 409, "the paper exchange's state file belongs to another ledger"),
  VENUE_IN_USE: entry(EXIT_LOCKED, 423, "another botledger process holds this ledger's paper exchange"),
  PAPER_STATE_IN_USE: entry(EXIT_LOCKED, 423, "another process holds the paper exchange's state file"),
  PORT_IN_USE: entry(EXIT_LOCKED, 423, 'serve cannot listen: another process already listens on that host and port (choose another --port)'),
  // Failures of the engine, the venue and the plugins.
  INVALID_CLIENT_ORDER_ID: entry(EXIT_FAILED, 500, "a client order id is malformed, or cannot fit the venue's length limit"),
  POSITION_MISMATCH: entry(EXIT_FAILED, 500, 'a fill or trade was applied to a position it does not belong to'),
  ORDER_NOT_PLACEABLE: entry(EXIT_FAILED, 409, "an order the plugin asks for breaks the venue's market rules (the bot cannot run as configured)"),
  BOT_STOPPED: entry(EXIT_FAILED, 409, "the command was done, but the plugin's reaction stopped the bot"),
  ORDER_FAILED: entry(EXIT_FAILED, 409, 'the command was done, but an order placed in reaction failed at the venue'),
  ORDER_REJECTED: entry(EXIT_FAILED, 409, 'the venue rejected the order'),
  ORDER_WOULD_TRIGGER: entry(EXIT_FAILED, 409, 'the venue rejected a stop order whose trigger price is already crossed (it would trigger at once)'),
  ORDER_NOT_OPEN: entry(EXIT_FAILED, 409, 'the venue says the order is no longer open'),
  SYNC_FAILED: entry(EXIT_FAILED, 503, "the sync with the venue failed (a venue call did not answer); the account's sync status keeps the whole error"),
  RATE_LIMITED: entry(EXIT_FAILED, 503, 'the venue refused the call for too many requests; try again later'),
  OUTCOME_UNCLEAR: entry(EXIT_FAILED, 503, 'the venue call timed out or broke off; the order stays pending until reconciliation'),
  EXCHANGE_CLOSED: entry(EXIT_FAILED, 503, 'the exchange adapter was closed'),
  BAD_REQUEST: entry(EXIT_FAILED, 500, 'the venue was asked with a malformed request (an order reference without an id)'),
  PAPER_OPTIONS_INVALID: entry(EXIT_FAILED, 500, 'the paper exchange was given an invalid option'),
  PAPER_CONTROL_INVALID: entry(EXIT_FAILED, 500, "the paper exchange's control surface was given an invalid value"),
  PAPER_STREAM_REENTRY: entry(EXIT_FAILED, 500, "a paper exchange listener called back into the venue's stream"),
  // The REST API (src/api/): requests it refuses before any application function runs.
  REQUEST_INVALID: entry(EXIT_USAGE, 400, 'the request does not match its schema (a wrong type, a missing or unknown field, JSON that does not parse); `field` names it'),
  REQUEST_TOO_LARGE: entry(EXIT_USAGE, 413, 'the request body is larger than the server accepts (1 MiB)'),
  ROUTE_NOT_FOUND: entry(EXIT_USAGE, 404, 'no route has that method and path'),
  INTERNAL_ERROR: entry(EXIT_FAILED, 500, 'an unexpected error in the server; it is logged with the request id'),
  // The command line acting through a running server (src/cli/server-link.ts).
  SERVER_UNREACHABLE: entry(EXIT_FAILED, 503, 'the botledger server the command acts through (--url, $BOTLEDGER_URL or serve.json) does not answer'),
  SERVER_URL_INVALID: entry(EXIT_USAGE, 400, '--url (or $BOTLEDGER_URL) is not an http(s) URL'),
} as const satisfies Record<string, ErrorCatalogEntry>;

/**
 * Every error code, by code. The migration engine's codes come from its own table
 * (MIGRATE_ERROR_CODES), with their exit codes; none of its codes is redefined here.
 */
export const ERROR_CATALOG: Readonly<Record<string, ErrorCatalogEntry>> = Object.freeze({ ...MIGRATE_ENTRIES, ...LEDGER_ENTRIES });

/** A code of the ledger (the migration engine's codes are strings of its own table). */
export type LedgerErrorCode = keyof typeof LEDGER_ENTRIES;

/** The exit code and status of an error whose code the catalogue does not know (a bug). */
export const UNKNOWN_ERROR: ErrorCatalogEntry = entry(EXIT_FAILED, 500, 'an error without a known code');

/**
 * The code of anything thrown: its `code` when it has a string one, else undefined.
 *
 * @example
 * errorCode(new DomainError('INVALID_FIELD', 'symbol must not be empty')); // 'INVALID_FIELD'
 */
export function errorCode(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/**
 * The catalogue's entry for an error (by its code), or {@link UNKNOWN_ERROR}.
 *
 * @example
 * catalogEntry(error).exit; // 2 for BOT_NOT_FOUND
 */
export function catalogEntry(error: unknown): ErrorCatalogEntry {
  const code = errorCode(error);
  return code !== undefined && Object.hasOwn(ERROR_CATALOG, code) ? ERROR_CATALOG[code] : UNKNOWN_ERROR;
}

/**
 * The CLI's exit code for an error; `fallback` (default 1) when its code is not in the catalogue.
 *
 * @example
 * exitCodeOf(new LedgerError('VENUE_IN_USE', 'the paper exchange is open elsewhere')); // 3
 */
export function exitCodeOf(error: unknown, fallback: number = UNKNOWN_ERROR.exit): number {
  const code = errorCode(error);
  return code !== undefined && Object.hasOwn(ERROR_CATALOG, code) ? ERROR_CATALOG[code].exit : fallback;
}

/**
 * The REST API's HTTP status for an error.
 *
 * @example
 * httpStatusOf(new LedgerError('BOT_NOT_FOUND', 'bot x does not exist')); // 404
 */
export function httpStatusOf(error: unknown): number {
  return catalogEntry(error).http;
}
