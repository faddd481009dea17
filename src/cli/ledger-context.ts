/**
 * The one way a ledger command opens what it needs: {@link openLedger} (the application's wiring
 * point) with the command's flags, its notices on stderr, and any error turned into its output and
 * exit code (a database error with a hint that repeats the user's --db). Everything is closed in
 * `finally`, whatever happened.
 */
import { LedgerError } from '../app/ledger-error.ts';
import { type Ledger, openLedger } from '../app/open-ledger.ts';
import { findUser, firstAdminId } from '../app/users.ts';
import { paperFileForLedger } from '../app/venue.ts';
import { resolveDatabaseUrl } from '../storage/database.ts';
import { readLedgerId } from '../storage/repositories/ledger-identity.ts';
import { type AccessHints, databaseErrorForCli, dbArgument } from './database-access.ts';
import { announceVenue, reportError } from './ledger-output.ts';
import { eventLine } from './output.ts';
import { type ApiClient, actingUser, findServer, type ServerFlags } from './server-link.ts';

/** Flags every ledger command accepts. */
export interface LedgerFlags extends ServerFlags {
  db?: string;
  migrate?: boolean;
  json?: boolean;
}

export interface VenueOptions {
  /** Seed of the paper price feed; a venue file that already exists keeps the seed it was made with. */
  readonly seed?: number;
  /**
   * Sync with the venue once it is open. Default false: only `run` (which trades for a while) asks
   * for it, and `botledger sync` syncs itself. A one-shot command only reconciles its orders, so
   * a command that is refused stores nothing at all, not even a sync.
   */
  readonly syncAtStart?: boolean;
}

const HINTS: AccessHints = { creates: 'botledger migrate up' };

const toStderr = (line: string) => process.stderr.write(`${line}\n`);

/**
 * Opens the ledger (and its venue when `venue` is given), runs `work`, closes everything, and
 * turns errors into their output and exit code. The database is opened read-only unless the
 * command writes (`access: 'write'`, the default with a venue), and only `--migrate` creates a
 * missing one: a typo in --db must not silently make a new database.
 *
 * @example
 * await withLedger(flags, { venue: {} }, async (ledger) => stopBot(ledger, 'scalp1'));
 */
export async function withLedger(
  flags: LedgerFlags,
  options: { venue?: VenueOptions; access?: 'read' | 'write' },
  work: (ledger: Ledger) => Promise<void>,
): Promise<void> {
  let ledger: Ledger | undefined;
  let url: string | undefined;
  try {
    url = resolveDatabaseUrl(flags.db);
    ledger = await openLedger({
      url,
      access: options.access,
      migrate: flags.migrate,
      migrateAdvice: `run \`botledger migrate up${dbArgument(flags.db)}\` (or pass --migrate)`,
      venue: options.venue ? { seed: options.venue.seed } : false,
      syncAtStart: options.venue?.syncAtStart ?? false,
      onNotice: toStderr,
      onMigrationEvent: (event) => {
        const line = eventLine(event);
        if (line) toStderr(line);
      },
    });
    if (ledger.venue) announceVenue(ledger.venue.info);
    await work(ledger);
    await ledger.settle();
  } catch (error) {
    reportError(databaseErrorForCli(error, flags.db, HINTS, url) ?? error, flags.json ?? false);
  } finally {
    announceVenue(undefined);
    await ledger?.close();
  }
}

/**
 * The id of the user a local command acts as: the one named (USER_NOT_FOUND when there is none),
 * else the first admin.
 */
async function actingUserId(ledger: Ledger, username: string | undefined): Promise<string> {
  if (username !== undefined) return (await findUser(ledger, username)).id;
  const admin = await firstAdminId(ledger);
  if (!admin) throw new LedgerError('USER_NOT_FOUND', 'this ledger has no enabled admin to act as; name a user with --user');
  return admin;
}

/** The two ways a command that needs the venue can run; both resolve to the same result, printed by the same code. */
export interface VenueCommand<R> {
  /**
   * On the ledger and its venue, opened by this process, as `owner`: the id of the user
   * `--user`/$BOTLEDGER_USER names, else of the first admin (another user's objects are not found).
   */
  local(ledger: Ledger, owner: string): Promise<R>;
  /** Through the running server's API (the ledger is open read-only, for checks and the venue's name). */
  remote(client: ApiClient, ledger: Ledger): Promise<R>;
}

/**
 * Runs a command that places or cancels orders: through the live `botledger serve` of this
 * database when there is one (it holds the venue), else on the venue opened here. `print` is the
 * one printer of the command's result, whichever way it came.
 *
 * @example
 * await withVenueCommand(flags, {}, { local: (ledger) => stopBot(ledger, id), remote: (client) => client.call('POST', `/bots/${id}/stop`) }, print);
 */
export async function withVenueCommand<R>(
  flags: LedgerFlags,
  venue: VenueOptions,
  command: VenueCommand<R>,
  print: (result: R) => void,
): Promise<void> {
  let server: ApiClient | undefined;
  try {
    server = await findServer(flags, toStderr);
  } catch (error) {
    reportError(error, flags.json ?? false);
    return;
  }
  if (!server) {
    await withLedger(flags, { venue }, async (ledger) => print(await command.local(ledger, await actingUserId(ledger, actingUser(flags)))));
    return;
  }
  const client = server;
  await withLedger(flags, { access: 'read' }, async (ledger) => {
    const ledgerId = await readLedgerId(ledger.database.db);
    // The same `venue` member as a local command's (without its start reconciliation: the server did that), and which server acted.
    announceVenue({ exchange: 'paper', file: paperFileForLedger(ledger.database.target, ledgerId), ledgerId, server: client.apiUrl });
    print(await command.remote(client, ledger));
  });
}
