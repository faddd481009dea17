/**
 * Running bots: N price steps of the BotRuntime on this ledger's paper exchange. A step moves the
 * paper price feed (through the venue's control surface, as the market would), delivers what the
 * venue pushed, runs the runtime's own step (plugin ticks, retries, reconciliation) and waits
 * until everything is committed. A failed venue call or a broken bot is in the step's report and
 * the run goes on (the runtime logs it and tries again). `botledger run` and `npm run soak` run
 * this, so what the soak measures is what the command does.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { StepFailure, StepReport } from '../engine/runtime/runtime.ts';
import type { EventLogEntry } from '../storage/repositories/events.ts';
import { botIdsWithFillsSince } from '../storage/repositories/fills.ts';
import { listBots } from './bots.ts';
import { listEvents } from './events.ts';
import { type Ledger, venueOf } from './open-ledger.ts';
import { type BotSummary, summarizeBot } from './summaries.ts';

/** Price steps of a run when none is given. */
export const DEFAULT_RUN_TICKS = 200;
/** Events in a run's summary. */
export const RUN_SUMMARY_EVENTS = 10;
/**
 * Pending orders are reconciled every this many steps of a run, not every step: with the stream
 * connected the venue's events already say what happened, and each reconciliation of an unchanged
 * order appends a "changed nothing" entry to the event log. A reconnect still reconciles at once
 * (the runtime does that on its own).
 */
export const RECONCILE_EVERY_STEPS = 50;
/** Orders changed more recently than this are not reconciled yet (their answer may be on its way). */
export const RECONCILE_MIN_AGE_MS = 2_000;

/** How {@link runSteps} drives the loop. */
export interface RunStepsOptions {
  /** Most steps (Infinity: until `signal` or `until`). */
  readonly ticks: number;
  /** Pause between steps. */
  readonly tickMs?: number;
  /** Aborted: the runtime halts at the next safe point, no new step starts, and a pause ends at once. */
  readonly signal?: AbortSignal;
  /** Epoch ms after which no new step starts. */
  readonly until?: number;
  /** Moves the market before step `number` (default: one random-walk tick of every symbol). */
  readonly move?: (number: number) => void;
  /** Called after each step with its report and its duration (price move, step, settling). */
  readonly onStep?: (number: number, report: StepReport, ms: number) => void;
  /** Called when the loop ends early because no bot is active any more. */
  readonly onAllStopped?: (done: number) => void;
  /**
   * Keep stepping while no bot is active (a running service: bots come and go through the API),
   * instead of ending the loop once every bot is stopped.
   */
  readonly keepRunningIdle?: boolean;
}

/**
 * The loop: per step, move the price, deliver what the venue pushed, run the runtime's step
 * (reconciling every {@link RECONCILE_EVERY_STEPS} steps), and wait until everything is committed.
 * Resolves with the number of steps done.
 *
 * @example
 * const done = await runSteps(ledger, ['BTC/USDT'], { ticks: 100 });
 */
export async function runSteps(ledger: Ledger, symbols: readonly string[], options: RunStepsOptions): Promise<number> {
  const { runtime, paper } = venueOf(ledger);
  const stopped = () => options.signal?.aborted === true || (options.until !== undefined && Date.now() >= options.until);
  const halt = () => runtime.halt();
  options.signal?.addEventListener('abort', halt, { once: true });
  const move =
    options.move ??
    (() => {
      for (const symbol of symbols) paper.control.tick(1, symbol);
    });
  let done = 0;
  try {
    await ledger.settle();
    while (done < options.ticks && !stopped()) {
      // A turn of the event loop per step: on SQLite a step with nothing to trade is promise jobs
      // only, in which a signal handler would never run.
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (stopped()) break;
      const started = performance.now();
      move(done + 1);
      await ledger.settle();
      const report = await runtime.step({ reconcile: (done + 1) % RECONCILE_EVERY_STEPS === 0, reconcileMinAgeMs: RECONCILE_MIN_AGE_MS });
      await ledger.settle();
      done += 1;
      options.onStep?.(done, report, performance.now() - started);
      if (report.interrupted) break;
      // Every bot stopped (protections, broken plugins): nothing is left to run.
      if (report.bots === 0 && !options.keepRunningIdle) {
        options.onAllStopped?.(done);
        break;
      }
      if ((options.tickMs ?? 0) > 0 && done < options.ticks && !stopped()) {
        await sleep(options.tickMs, undefined, { signal: options.signal }).catch(() => undefined);
      }
    }
  } finally {
    options.signal?.removeEventListener('abort', halt);
  }
  return done;
}

/** What a run did. */
export interface RunResult {
  /** Active bots when the run began (0: nothing was run). */
  readonly activeBots: number;
  readonly ticks: number;
  readonly requested: number;
  /** True when `signal` stopped it. */
  readonly interrupted: boolean;
  readonly seed: string;
  /** The last price of each symbol run. */
  readonly prices: Record<string, string>;
  /** Every bot that was running or traded during the run, stopped ones included. */
  readonly bots: BotSummary[];
  readonly failures: (StepFailure & { step: number })[];
  /** The latest applied events, oldest first. */
  readonly events: EventLogEntry[];
  /** Errors of plugin reactions (the run went on). */
  readonly errors: string[];
}

/** {@link runSteps}'s options, with what a run says when it begins. */
export interface RunBotsOptions extends Omit<RunStepsOptions, 'move'> {
  /** Called once the active bots are known, before the first step. */
  readonly onStart?: (start: { bots: number; symbols: string[]; seed: string }) => void;
}

/**
 * Runs every active bot for `ticks` steps and summarizes: per bot the orders, fills, round trips
 * and realized pnl (the domain's), the last prices, the latest events, the failures survived.
 *
 * @example
 * const result = await runBots(ledger, { ticks: 300 });
 */
export async function runBots(ledger: Ledger, options: RunBotsOptions): Promise<RunResult> {
  const { runtime, paper } = venueOf(ledger);
  const active = await listBots(ledger, 'active');
  const symbols = [...new Set(active.map((b) => b.symbol))];
  const failures: (StepFailure & { step: number })[] = [];
  const empty = { activeBots: 0, ticks: 0, requested: options.ticks, interrupted: false, seed: paper.seed, prices: {}, bots: [], failures, events: [], errors: [] };
  if (active.length === 0) return empty;
  const startedAt = new Date().toISOString();
  options.onStart?.({ bots: active.length, symbols, seed: paper.seed });
  const done = await runSteps(ledger, symbols, {
    ...options,
    onStep: (number, report, ms) => {
      for (const failure of report.failures) failures.push({ step: number, ...failure });
      options.onStep?.(number, report, ms);
    },
  });
  const ids = [...new Set([...active.map((b) => b.id), ...(await botIdsWithFillsSince(ledger.database.db, startedAt))])].sort();
  const bots: BotSummary[] = [];
  for (const id of ids) bots.push(await summarizeBot(ledger, id));
  return {
    activeBots: active.length,
    ticks: done,
    requested: options.ticks,
    interrupted: options.signal?.aborted === true,
    seed: paper.seed,
    prices: Object.fromEntries(symbols.map((s) => [s, paper.control.ticker(s).last])),
    bots,
    failures,
    events: await listEvents(ledger, { applied: true, limit: RUN_SUMMARY_EVENTS }),
    errors: runtime.errors.map((e) => (e as Error)?.message ?? String(e)),
  };
}
