/**
 * The running service (`botledger serve`, issue 9): the ledger opened with its paper exchange, and
 * the market run in real time: every listed market moves one random-walk step per tick, the
 * runtime steps (plugin ticks, retries, stop-losses), reconciliation and position sync on their
 * timers, exactly the loop `botledger run` drives (runSteps), but without end and without a
 * summary. A broken bot is the runtime's business (it is stopped after failing steps); a step that
 * throws (the database hiccups) is reported and the loop carries on after a pause. It knows
 * nothing of HTTP: the API asks it {@link LedgerService.readiness} for /readyz, and `serve` stops
 * it after the HTTP server has finished the requests in flight.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { EngineEvent } from '../migrate/reports.ts';
import type { PluginRegistry } from '../plugins/plugin-api.ts';
import { pingDatabase } from '../storage/health.ts';
import { createDemoBots } from './demo-bots.ts';
import { pendingCoreMigrations } from './migrations.ts';
import { type Ledger, type OpenLedgerOptions, openLedger, venueOf } from './open-ledger.ts';
import { runSteps } from './runs.ts';
import { demoBotsOwner } from './service-users.ts';

/** A tick of the market at speed 1: one random-walk step of every market per second. */
export const BASE_TICK_MS = 1000;
/** The fastest speed (one tick per millisecond). */
export const MAX_SPEED = 1000;
/** Pause after a step that threw, doubled each time in a row up to the maximum. */
const FAILED_STEP_PAUSE_MS = 500;
const MAX_FAILED_STEP_PAUSE_MS = 30_000;
/** The migrations check reads the migration files and the tracking table: at most this often. */
const MIGRATIONS_CHECK_EVERY_MS = 10_000;

/** How {@link startLedgerService} opens the ledger and runs the market. */
export interface LedgerServiceOptions {
  /** Database URL; default `$BOTLEDGER_DB`, else sqlite:data/botledger.db. */
  readonly url?: string;
  /** Apply pending core migrations (after a backup) instead of refusing with MIGRATIONS_PENDING. */
  readonly migrate?: boolean;
  /** What the MIGRATIONS_PENDING refusal tells the user to do. */
  readonly migrateAdvice?: string;
  /** When the ledger has no bot: create a few scalper bots so that orders move at once. */
  readonly demo?: boolean;
  /** Market ticks per second relative to {@link BASE_TICK_MS} (default 1; 10: ten ticks a second). */
  readonly speed?: number;
  /** The pause between steps, overriding `speed`. */
  readonly tickMs?: number;
  /** Seed of the paper price feed (only when the venue file is new). */
  readonly seed?: number;
  /** Default: the built-in plugins. */
  readonly plugins?: PluginRegistry;
  /** Lines for a person: what opening did, demo bots, a failed step. */
  readonly onNotice?: (line: string) => void;
  /** The migration engine's progress when `migrate` applies migrations. */
  readonly onMigrationEvent?: (event: EngineEvent) => void;
  /** Wraps the runtime's venue adapter (the metrics' timing of venue calls). */
  readonly instrumentVenue?: OpenLedgerOptions['instrumentVenue'];
}

/** What /readyz reports. */
export interface ServiceReadiness {
  readonly ready: boolean;
  readonly checks: {
    /** `ok`, or the database's error message. */
    readonly database: string;
    /** `connected`, `disconnected`, or `stopped`. */
    readonly venue: string;
    /** `current`, `pending: <file names>`, or the error of the check. */
    readonly migrations: string;
  };
}

/** The running service. */
export interface LedgerService {
  readonly ledger: Ledger;
  /** The pause between market steps in force. */
  readonly tickMs: number;
  /** Bots `demo` created at start (empty without --demo or when the ledger had bots). */
  readonly demoBots: readonly string[];
  /** Market steps done since start. */
  readonly steps: () => number;
  /** For /readyz: the database answers, the venue's stream is connected, no core migration is pending. */
  readonly readiness: () => Promise<ServiceReadiness>;
  /** Same as {@link readiness} (the name design9.md gives it). */
  readonly ready: () => Promise<ServiceReadiness>;
  /**
   * Aborts the loop, waits for the step in flight, settles the venue's events, closes the ledger.
   * Idempotent: a second call waits for the first.
   */
  readonly stop: () => Promise<void>;
}

/**
 * The pause between steps for a speed.
 *
 * @example
 * tickMsForSpeed(1); // 1000
 * tickMsForSpeed(4); // 250
 */
export function tickMsForSpeed(speed: number): number {
  if (!Number.isFinite(speed) || speed <= 0 || speed > MAX_SPEED)
    throw new RangeError(`speed must be above 0 and at most ${MAX_SPEED}, got ${speed}`);
  return Math.max(1, Math.round(BASE_TICK_MS / speed));
}

function messageOf(error: unknown): string {
  return (error as Error)?.message ?? String(error);
}

/**
 * Opens the ledger with its venue (reconciled and synced before any bot acts), creates the demo
 * bots when asked, and starts the market loop. Throws what {@link openLedger} throws
 * (MIGRATIONS_PENDING, VENUE_IN_USE, a DatabaseError...), with nothing left open.
 *
 * @example
 * const service = await startLedgerService({ url: 'sqlite:data/botledger.db', migrate: true, demo: true });
 * // ... serve HTTP ...
 * await service.stop();
 */
export async function startLedgerService(options: LedgerServiceOptions = {}): Promise<LedgerService> {
  const notice = options.onNotice ?? (() => {});
  const tickMs = options.tickMs ?? tickMsForSpeed(options.speed ?? 1);
  const ledger = await openLedger({
    url: options.url,
    migrate: options.migrate,
    migrateAdvice: options.migrateAdvice,
    venue: { seed: options.seed },
    plugins: options.plugins,
    syncAtStart: true,
    onNotice: notice,
    onMigrationEvent: options.onMigrationEvent,
    instrumentVenue: options.instrumentVenue,
  });
  let demoBots: string[] = [];
  try {
    if (options.demo) {
      demoBots = await createDemoBots(ledger, await demoBotsOwner(ledger));
      if (demoBots.length > 0) notice(`demo: created scalper bots ${demoBots.join(', ')}`);
      else notice('demo: the ledger has bots already; none created');
    }
  } catch (error) {
    await ledger.close();
    throw error;
  }

  const { paper } = venueOf(ledger);
  const abort = new AbortController();
  let steps = 0;
  const loop = (async () => {
    let failedInARow = 0;
    while (!abort.signal.aborted) {
      try {
        await runSteps(ledger, [], {
          ticks: Number.POSITIVE_INFINITY,
          tickMs,
          signal: abort.signal,
          keepRunningIdle: true,
          // The market moves whether or not a bot trades on it: every market of the venue.
          move: () => paper.control.tick(1),
          onStep: (_number, report) => {
            steps += 1;
            failedInARow = 0;
            for (const failure of report.failures) notice(`step ${steps}: ${failure.message} (logged; tried again next step)`);
          },
        });
      } catch (error) {
        if (abort.signal.aborted) break;
        failedInARow += 1;
        const pause = Math.min(MAX_FAILED_STEP_PAUSE_MS, FAILED_STEP_PAUSE_MS * 2 ** (failedInARow - 1));
        notice(`a market step failed (${failedInARow} in a row): ${messageOf(error)}; trying again in ${pause} ms`);
        await sleep(pause, undefined, { signal: abort.signal }).catch(() => undefined);
      }
    }
  })();

  let migrationsCheck: { at: number; value: ServiceReadiness['checks']['migrations'] } | undefined;
  const checkMigrations = async (): Promise<ServiceReadiness['checks']['migrations']> => {
    const now = Date.now();
    if (migrationsCheck && now - migrationsCheck.at < MIGRATIONS_CHECK_EVERY_MS) return migrationsCheck.value;
    let value: ServiceReadiness['checks']['migrations'];
    try {
      const pending = await pendingCoreMigrations(ledger.database);
      value = pending.length === 0 ? 'current' : `pending: ${pending.join(', ')}`;
    } catch (error) {
      value = `error: ${messageOf(error)}`;
    }
    migrationsCheck = { at: now, value };
    return value;
  };

  let stopping: Promise<void> | undefined;
  const readiness = async (): Promise<ServiceReadiness> => {
    if (stopping) return { ready: false, checks: { database: 'stopped', venue: 'stopped', migrations: 'stopped' } };
    let database = 'ok';
    try {
      await pingDatabase(ledger.database.db);
    } catch (error) {
      database = messageOf(error);
    }
    const venue = paper.control.connected ? 'connected' : 'disconnected';
    const migrations = database === 'ok' ? await checkMigrations() : 'unknown: the database does not answer';
    return { ready: database === 'ok' && venue === 'connected' && migrations === 'current', checks: { database, venue, migrations } };
  };

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      abort.abort();
      try {
        await loop;
        await ledger.settle();
      } finally {
        await ledger.close();
      }
    })();
    return stopping;
  };

  return { ledger, tickMs, demoBots, steps: () => steps, readiness, ready: readiness, stop };
}
