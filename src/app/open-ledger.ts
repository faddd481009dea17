/**
 * The single wiring point of botledger: `openLedger` opens the database (refused while core
 * migrations are pending unless told to migrate, with the migration engine's backup), and, when
 * the venue is asked for, this ledger's paper exchange (reconciled with the ledger before anything
 * else), a second connection for venue events (as in production), the built-in plugins and the
 * BotRuntime on a clock. The CLI, the scripts and the tests get everything from here; the command
 * and query functions (orders.ts, bots.ts, runs.ts, events.ts) take the {@link Ledger} it returns.
 */
import { type Clock, SYSTEM_CLOCK } from '../engine/clock.ts';
import { BotRuntime } from '../engine/runtime/runtime.ts';
import { ensureVenueAccount } from '../engine/recovery/venue-account.ts';
import { type AccountSyncReport, DEFAULT_SYNC_EVERY_MS } from '../engine/recovery/position-sync.ts';
import { describeSync } from '../engine/recovery/sync-report.ts';
import type { ExchangeAdapter } from '../exchange/exchange-adapter.ts';
import type { PaperExchange } from '../exchange/paper/index.ts';
import type { EngineEvent } from '../migrate/reports.ts';
import { PluginRegistry } from '../plugins/plugin-api.ts';
import { SCALPER_PLUGIN } from '../plugins/scalper.ts';
import { type BotledgerDatabase, type DatabaseOpenMode, openDatabase, parseDatabaseUrl, resolveDatabaseUrl } from '../storage/database.ts';
import { ChangeFeed } from './change-feed.ts';
import { ensureMigrated } from './migrations.ts';
import { type LedgerVenueOptions, openLedgerVenue, reconcileVenueAtStart, type VenueInfo } from './venue.ts';

/**
 * The strategy plugins botledger knows (the built-in ones).
 *
 * @example
 * builtInPlugins().get('scalper');
 */
export function builtInPlugins(): PluginRegistry {
  return new PluginRegistry([SCALPER_PLUGIN]);
}

/** What {@link openLedger} opens, and how. */
export interface OpenLedgerOptions {
  /** Database URL; default `$BOTLEDGER_DB`, else sqlite:data/botledger.db. */
  readonly url?: string;
  /** `read` opens SQLite read-only, `write` needs the database to exist; default `write` with a venue, else `read`. `migrate` implies `create`. */
  readonly access?: DatabaseOpenMode;
  /** Apply pending core migrations (after a backup) instead of refusing with MIGRATIONS_PENDING. */
  readonly migrate?: boolean;
  /** What the MIGRATIONS_PENDING refusal tells the user to do. */
  readonly migrateAdvice?: string;
  /** Open this ledger's paper exchange and a BotRuntime on it (commands that place or cancel orders). */
  readonly venue?: boolean | LedgerVenueOptions;
  /** Default: the built-in plugins. */
  readonly plugins?: PluginRegistry;
  /** Default: the system clock. */
  readonly clock?: Clock;
  /** With the venue: how often the runtime's steps sync the account with the venue (runtime clock); 0 turns it off. Default 60 s. */
  readonly syncEveryMs?: number;
  /** With the venue: sync the account with the venue once it is open (default true). */
  readonly syncAtStart?: boolean;
  /** Lines for a person (a database created, which venue and what reconciliation did). */
  readonly onNotice?: (line: string) => void;
  /** The migration engine's progress when `migrate` applies migrations. */
  readonly onMigrationEvent?: (event: EngineEvent) => void;
  /**
   * With the venue: wraps the adapter the runtime calls (metrics time every venue call this way).
   * The paper exchange's control surface (`venue.paper`) stays unwrapped.
   */
  readonly instrumentVenue?: (adapter: ExchangeAdapter) => ExchangeAdapter;
}

/** The paper exchange of this ledger, and the runtime that drives bots on it. */
export interface LedgerVenue {
  readonly paper: PaperExchange;
  readonly runtime: BotRuntime;
  /** The runtime's second connection, for venue events (metrics report its pool and queries). */
  readonly eventsDatabase: BotledgerDatabase;
  /** Which venue, and what reconciliation at start did. */
  readonly info: VenueInfo;
  /** What the sync with the venue at start found and fixed (absent with `syncAtStart: false`). */
  readonly startSync?: AccountSyncReport;
}

/** An open ledger: what the command and query functions work with. */
export interface Ledger {
  readonly url: string;
  readonly database: BotledgerDatabase;
  readonly plugins: PluginRegistry;
  readonly clock: Clock;
  /** Present when opened with `venue`. */
  readonly venue?: LedgerVenue;
  /**
   * Every change committed to this ledger, live in process (whichever connection wrote it) or
   * replayed from an event_log id (src/app/change-feed.ts).
   */
  readonly feed: ChangeFeed;
  /** Waits until everything the venue pushed is committed and every plugin reaction is done. */
  settle(): Promise<void>;
  /** Closes the runtime, the venue and the databases, each on its own (one failing leaves none open). */
  close(): Promise<void>;
}

/**
 * Opens a ledger. Throws a DatabaseError when the database cannot be used, MIGRATIONS_PENDING
 * when it lacks core migrations, VENUE_IN_USE / VENUE_MISMATCH when its venue cannot be used;
 * whatever was opened before is closed again.
 *
 * @example
 * const ledger = await openLedger({ url: 'sqlite:data/botledger.db', venue: true });
 * try { await stopBot(ledger, 'scalp1'); } finally { await ledger.close(); }
 */
export async function openLedger(options: OpenLedgerOptions = {}): Promise<Ledger> {
  const url = options.url ?? resolveDatabaseUrl();
  const clock = options.clock ?? SYSTEM_CLOCK;
  const plugins = options.plugins ?? builtInPlugins();
  const notice = options.onNotice ?? (() => {});
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    // In reverse order of opening, each on its own: one that fails must not leave the others open.
    for (const closer of closers.splice(0).reverse()) {
      try {
        await closer();
      } catch {
        // already reported or irrelevant at close
      }
    }
  };
  const open = async (mode: DatabaseOpenMode) => {
    const database = await openDatabase(url, { mode });
    closers.push(() => database.close());
    const target = parseDatabaseUrl(url);
    if (database.created && target.dialect === 'sqlite') notice(`created database ${target.path}`);
    return database;
  };
  try {
    const mode = options.migrate ? 'create' : (options.access ?? (options.venue ? 'write' : 'read'));
    const database = await open(mode);
    await ensureMigrated(database, { migrate: options.migrate, advice: options.migrateAdvice, onEvent: options.onMigrationEvent });
    let venue: LedgerVenue | undefined;
    if (options.venue) {
      const opened = await openLedgerVenue(database, typeof options.venue === 'object' ? options.venue : {});
      const paper = opened.paper;
      closers.push(() => paper.close());
      // Before the runtime listens or any bot acts: the ledger equals the venue first.
      const reconciliation = await reconcileVenueAtStart(database, paper, opened.info, clock, notice);
      // The venue's exchange account: bots, positions and the per-account sync status name it.
      const account = await ensureVenueAccount(database, paper, new Date(clock.now()), { sandbox: true });
      if (account.assigned.bots > 0)
        notice(`${account.assigned.bots} bot(s) without an exchange account now trade on account ${account.id}`);
      const events = await open('write');
      const syncEveryMs = options.syncEveryMs ?? DEFAULT_SYNC_EVERY_MS;
      const exchange = options.instrumentVenue ? options.instrumentVenue(paper) : paper;
      const runtime = new BotRuntime({ database, eventsDatabase: events, exchange, plugins, clock, syncEveryMs });
      closers.push(() => runtime.stop());
      runtime.start();
      // Positions, open orders and recent fills compared with the venue before any bot acts (nautilus_trader's start reconciliation).
      const startSync = options.syncAtStart === false ? undefined : await runtime.sync();
      if (startSync && (startSync.status !== 'ok' || startSync.discrepanciesFound > 0)) notice(`sync: ${describeSync(startSync)}`);
      venue = { paper, runtime, eventsDatabase: events, info: { ...opened.info, reconciliation }, ...(startSync ? { startSync } : {}) };
    }
    const ledger: Ledger = {
      url,
      database,
      plugins,
      clock,
      venue,
      feed: new ChangeFeed(database),
      settle: () => (venue ? settleVenue(venue.runtime, venue.paper) : Promise.resolve()),
      close,
    };
    return ledger;
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * Delivers every event the venue has pushed and waits until it is committed and every plugin
 * reaction is done (three rounds, since a reaction can place an order that the venue answers at once).
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

/**
 * The open venue of a ledger; a command that places or cancels orders needs it.
 *
 * @example
 * const { runtime } = venueOf(ledger);
 */
export function venueOf(ledger: Ledger): LedgerVenue {
  if (!ledger.venue) throw new Error('internal: this command needs the ledger opened with its venue (openLedger({ venue: true }))');
  return ledger.venue;
}
