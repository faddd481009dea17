/**
 * The one way a ledger command opens what it needs: the database (refused while core migrations
 * are pending, unless `--migrate` applies them first, with the migration engine's backup), and,
 * for commands that talk to the venue, this ledger's paper exchange (ledger-venue.ts), reconciled
 * with the ledger before anything else, plus a BotRuntime (a second connection for venue events,
 * as in production). Everything is closed in `finally`, whatever happened.
 */
import { SYSTEM_CLOCK } from '../engine/clock.ts';
import { BotRuntime } from '../engine/runtime.ts';
import type { PaperExchange } from '../exchange/paper/index.ts';
import { MigrationEngine } from '../migrate/engine.ts';
import { PluginRegistry } from '../plugins/plugin-api.ts';
import { SCALPER_PLUGIN } from '../plugins/scalper.ts';
import { type BotledgerDatabase, resolveDatabaseUrl } from '../storage/database.ts';
import { type AccessHints, databaseErrorForCli, dbArgument, openForCommand } from './database-access.ts';
import { announceVenue, refusedError, reportError } from './ledger-output.ts';
import { openLedgerVenue, reconcileVenueAtStart, type VenueInfo } from './ledger-venue.ts';
import { eventLine } from './output.ts';

/** Flags every ledger command accepts. */
export interface LedgerFlags {
  db?: string;
  migrate?: boolean;
  json?: boolean;
}

/** The strategy plugins the command line knows (the built-in ones). */
export function builtInPlugins(): PluginRegistry {
  return new PluginRegistry([SCALPER_PLUGIN]);
}

/** What a ledger command works with. `paper` and `runtime` exist only when the venue was asked for. */
export interface LedgerContext {
  readonly url: string;
  readonly database: BotledgerDatabase;
  readonly plugins: PluginRegistry;
  readonly paper?: PaperExchange;
  readonly runtime?: BotRuntime;
  /** Which venue, and what reconciliation at start did (also printed, and in --json output). */
  readonly venue?: VenueInfo;
}

export interface VenueOptions {
  /** Seed of the paper price feed; a venue file that already exists keeps the seed it was made with. */
  readonly seed?: number;
}

/**
 * Throws (exit 4) when core migrations are pending, or applies them first with `--migrate`.
 *
 * @example
 * await ensureMigrated(database, false); // refuses on a fresh database
 */
export async function ensureMigrated(database: BotledgerDatabase, migrate: boolean, dbFlag?: string): Promise<void> {
  const engine = new MigrationEngine({
    database,
    onEvent: (event) => {
      const line = eventLine(event);
      if (line) process.stderr.write(`${line}\n`);
    },
  });
  const status = await engine.status();
  if (status.pending.length === 0) return;
  if (migrate) {
    await engine.up();
    return;
  }
  const needed = status.pending.at(-1)?.version;
  throw refusedError(
    'MIGRATIONS_PENDING',
    `the database is at core version ${status.current ?? 'none'} but this botledger needs ${needed}: run \`botledger migrate up${dbArgument(dbFlag)}\` (or pass --migrate)`,
    { current: status.current, needed, pending: status.pending.map((p) => p.fileName) },
  );
}

const HINTS: AccessHints = { creates: 'botledger migrate up' };

/**
 * Opens the ledger (and the venue when `venue` is given), runs `work`, closes everything, and
 * turns errors into their output and exit code. The database is opened read-only unless the
 * command writes (`access: 'write'`, the default with a venue), and only `--migrate` creates a
 * missing one: a typo in --db must not silently make a new database.
 *
 * @example
 * await withLedger(flags, { venue: {} }, async (ctx) => ctx.runtime!.bots.stop('scalp1', 'Stopped from the CLI', 'cli'));
 */
export async function withLedger(
  flags: LedgerFlags,
  options: { venue?: VenueOptions; access?: 'read' | 'write' },
  work: (ctx: LedgerContext) => Promise<void>,
): Promise<void> {
  let database: BotledgerDatabase | undefined;
  let events: BotledgerDatabase | undefined;
  let paper: PaperExchange | undefined;
  let runtime: BotRuntime | undefined;
  let url: string | undefined;
  try {
    url = resolveDatabaseUrl(flags.db);
    const access = options.access ?? (options.venue ? 'write' : 'read');
    database = await openForCommand(url, flags.db, { mode: flags.migrate ? 'create' : access }, HINTS);
    await ensureMigrated(database, flags.migrate ?? false, flags.db);
    const plugins = builtInPlugins();
    let venue: VenueInfo | undefined;
    if (options.venue) {
      const opened = await openLedgerVenue(database, { seed: options.venue.seed });
      paper = opened.paper;
      // Before the runtime listens or any bot acts: the ledger equals the venue first.
      const reconciliation = await reconcileVenueAtStart(database, paper, opened.info, SYSTEM_CLOCK);
      venue = { ...opened.info, reconciliation };
      announceVenue(venue);
      events = await openForCommand(url, flags.db, { mode: 'write' }, HINTS);
      runtime = new BotRuntime({ database, eventsDatabase: events, exchange: paper, plugins, clock: SYSTEM_CLOCK });
      runtime.start();
    }
    await work({ url, database, plugins, paper, runtime, venue });
    if (runtime && paper) await settleVenue(runtime, paper);
  } catch (error) {
    reportError(databaseErrorForCli(error, flags.db, HINTS, url) ?? error, flags.json ?? false);
  } finally {
    announceVenue(undefined);
    // Each close on its own: one that fails must not leave the others open.
    const quietly = async (close: (() => Promise<void>) | undefined) => {
      try {
        await close?.();
      } catch {
        // already reported or irrelevant at exit
      }
    };
    await quietly(runtime && (() => (runtime as BotRuntime).stop()));
    await quietly(paper && (() => (paper as PaperExchange).close()));
    await quietly(events && (() => (events as BotledgerDatabase).close()));
    await quietly(database && (() => (database as BotledgerDatabase).close()));
  }
}

/**
 * Delivers every event the venue has pushed and waits until it is committed and every plugin
 * reaction is done (twice, since a reaction can place an order that the venue answers at once).
 *
 * @example
 * paper.control.tick(1); await settleVenue(runtime, paper);
 */
export async function settleVenue(runtime: BotRuntime, paper: PaperExchange): Promise<void> {
  for (let round = 0; round < 3; round += 1) {
    await paper.control.drain();
    await runtime.settle();
    if (paper.control.pendingEvents().length === 0) return;
  }
}
