/**
 * `botledger run`: every active bot, driven by the BotRuntime on the paper exchange for N price
 * steps. A step moves the paper price feed one tick (through the venue's control surface, as the
 * market would), delivers what the venue pushed, then runs the runtime's round (plugin ticks,
 * retries, reconciliation) and waits until everything is committed. A failed venue call or a
 * broken bot is reported on stderr and the run goes on (the runtime logs and retries it).
 *
 * Ctrl-C (SIGINT) or SIGTERM halts the runtime at the next safe point, even inside a step that
 * keeps trading: the plugin command in flight finishes (its intent committed, its venue answer
 * recorded) and no other starts. Then the summary is printed and `run` exits 130 / 143, as shells
 * expect; a second signal exits at once.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { type Command, Option } from 'commander';
import type { BotRuntime, StepFailure, StepReport } from '../engine/runtime.ts';
import type { PaperExchange } from '../exchange/paper/index.ts';
import { listBots } from '../storage/repositories/bots.ts';
import { listEvents } from '../storage/repositories/events.ts';
import { botIdsWithFillsSince } from '../storage/repositories/fills.ts';
import { dbArgument } from './database-access.ts';
import { type LedgerFlags, settleVenue, withLedger } from './ledger-context.ts';
import { formatEvents, printJson, wholeNumber } from './ledger-output.ts';
import { type BotSummary, formatBotSummaries, summarizeBot } from './run-summary.ts';

export type { BotSummary } from './run-summary.ts';
export { summarizeBot } from './run-summary.ts';

/** Price steps of `botledger run` when --ticks is not given. */
export const DEFAULT_RUN_TICKS = 200;
/** Events shown after a run. */
export const RUN_SUMMARY_EVENTS = 10;
/**
 * Pending orders are reconciled every this many steps, not every step: with the stream connected
 * the venue's events already say what happened, and each reconciliation of an unchanged order
 * appends a "changed nothing" entry to the event log (BotRuntime.step reconciles every step, which
 * would write one such entry per resting order per step). A reconnect still reconciles at once.
 */
export const RECONCILE_EVERY_STEPS = 50;
/** Orders changed more recently than this are not reconciled yet (their answer may be on its way). */
export const RECONCILE_MIN_AGE_MS = 2_000;
/** Exit codes of a run stopped by a signal: 128 + the signal's number, as shells report them. */
export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

interface RunFlags extends LedgerFlags {
  ticks: number;
  seed?: number;
  tickMs: number;
}

/** How `runSteps` drives the loop. */
export interface RunStepsOptions {
  /** Most steps (Infinity: until `signal` or `until`). */
  readonly ticks: number;
  /** Pause between steps. */
  readonly tickMs?: number;
  /** Aborted: no new step starts, and a pause ends at once. */
  readonly signal?: AbortSignal;
  /** Epoch ms after which no new step starts. */
  readonly until?: number;
  /** Moves the market before step `number` (default: one random-walk tick of every symbol). */
  readonly move?: (number: number) => void;
  /** Called after each step with its report and its duration (price move, step, settling). */
  readonly onStep?: (number: number, report: StepReport, ms: number) => void;
  /** Called when the loop ends early because no bot is active any more. */
  readonly onAllStopped?: (done: number) => void;
}

/**
 * The loop of `botledger run`, also used by `npm run soak`: per step, move the price, deliver
 * what the venue pushed, run the runtime's round (reconciling every {@link RECONCILE_EVERY_STEPS}
 * steps), and wait until everything is committed. Resolves with the number of steps done.
 *
 * @example
 * const done = await runSteps(runtime, paper, ['BTC/USDT'], { ticks: 100 });
 */
export async function runSteps(rt: BotRuntime, venue: PaperExchange, symbols: readonly string[], options: RunStepsOptions): Promise<number> {
  const stopped = () => options.signal?.aborted === true || (options.until !== undefined && Date.now() >= options.until);
  const move =
    options.move ??
    (() => {
      for (const symbol of symbols) venue.control.tick(1, symbol);
    });
  let done = 0;
  await settleVenue(rt, venue);
  while (done < options.ticks && !stopped()) {
    // A turn of the event loop per step: on SQLite a step with nothing to trade is promise jobs
    // only, in which a signal handler would never run.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (stopped()) break;
    const started = performance.now();
    move(done + 1);
    await settleVenue(rt, venue);
    const report = await rt.step({ reconcile: (done + 1) % RECONCILE_EVERY_STEPS === 0, reconcileMinAgeMs: RECONCILE_MIN_AGE_MS });
    await settleVenue(rt, venue);
    done += 1;
    options.onStep?.(done, report, performance.now() - started);
    if (report.interrupted) break;
    // Every bot stopped (protections, broken plugins): nothing is left to run.
    if (report.bots === 0) {
      options.onAllStopped?.(done);
      break;
    }
    if ((options.tickMs ?? 0) > 0 && done < options.ticks && !stopped()) {
      await sleep(options.tickMs, undefined, { signal: options.signal }).catch(() => undefined);
    }
  }
  return done;
}

function failureLine(step: number, failure: StepFailure): string {
  return `step ${step}: ${failure.message} (logged; tried again next step)`;
}

async function run(flags: RunFlags): Promise<void> {
  await withLedger(flags, { venue: { seed: flags.seed } }, async ({ database, runtime, paper }) => {
    const rt = runtime as BotRuntime;
    const venue = paper as PaperExchange;
    const active = (await listBots(database.db, { status: 'active' }, { limit: 1000, direction: 'asc' })).items;
    if (active.length === 0) {
      const hint = `create one with: botledger bots create --plugin scalper --symbol BTC/USDT --config '{"amount":"0.01","entryPrice":"59900","takeProfitPrice":"60100"}'${dbArgument(flags.db)}`;
      if (flags.json) printJson({ ticks: 0, bots: [], message: `no active bots; ${hint}` });
      else process.stdout.write(`no active bots: nothing to run.\n${hint}\n`);
      return;
    }
    const startedAt = new Date().toISOString();
    const interrupt = new AbortController();
    let signal: keyof typeof SIGNAL_EXIT_CODES | undefined;
    const onSignal = (name: keyof typeof SIGNAL_EXIT_CODES) => {
      if (signal) {
        process.stderr.write(`${name} again: exiting now, without the summary\n`);
        process.exit(SIGNAL_EXIT_CODES[name]);
      }
      signal = name;
      rt.halt();
      interrupt.abort();
      process.stderr.write(`${name}: stopping at the next safe point (after the commit in flight) ...\n`);
    };
    const onSigint = () => onSignal('SIGINT');
    const onSigterm = () => onSignal('SIGTERM');
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigterm);
    const symbols = [...new Set(active.map((b) => b.symbol))];
    const progress = !flags.json && process.stderr.isTTY;
    const failures: (StepFailure & { step: number })[] = [];
    let done = 0;
    try {
      if (!flags.json) process.stderr.write(`running ${active.length} bot(s) on ${symbols.join(', ')} for ${flags.ticks} steps (paper seed ${venue.seed}) ...\n`);
      if (flags.seed !== undefined && String(flags.seed) !== venue.seed)
        process.stderr.write(`note: --seed ${flags.seed} ignored: the paper exchange's file already exists and keeps its seed ${venue.seed}\n`);
      done = await runSteps(rt, venue, symbols, {
        ticks: flags.ticks,
        tickMs: flags.tickMs,
        signal: interrupt.signal,
        onStep: (number, report) => {
          for (const failure of report.failures) {
            failures.push({ step: number, ...failure });
            process.stderr.write(`${failureLine(number, failure)}\n`);
          }
          if (progress && number % 25 === 0) process.stderr.write(`  step ${number}/${flags.ticks}\n`);
        },
        onAllStopped: (number) => process.stderr.write(`every bot is stopped after step ${number}: nothing left to run\n`),
      });
    } finally {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigterm);
    }
    // Every bot that was running or traded during the run, stopped ones included.
    const ids = [...new Set([...active.map((b) => b.id), ...(await botIdsWithFillsSince(database.db, startedAt))])].sort();
    const bots: BotSummary[] = [];
    for (const id of ids) bots.push(await summarizeBot(database, id));
    const prices = Object.fromEntries(symbols.map((s) => [s, venue.control.ticker(s).last]));
    const events = [...(await listEvents(database.db, { applied: true }, { limit: RUN_SUMMARY_EVENTS })).items].reverse();
    const errors = rt.errors.map((e) => (e as Error)?.message ?? String(e));
    const interrupted = signal !== undefined;
    // An interrupted run never exits 0; a plugin reaction that threw is a failure of the run.
    if (signal) process.exitCode = SIGNAL_EXIT_CODES[signal];
    else if (errors.length > 0) process.exitCode = 1;
    if (flags.json) {
      printJson({ ticks: done, requested: flags.ticks, interrupted, signal: signal ?? null, seed: venue.seed, prices, bots, failures, events, errors });
      return;
    }
    const out = [
      `${interrupted ? `interrupted (${signal}) after` : 'ran'} ${done} of ${flags.ticks} steps (paper seed ${venue.seed}); last prices: ${Object.entries(prices)
        .map(([s, p]) => `${s} ${p}`)
        .join(', ')}`,
      '',
      formatBotSummaries(bots),
      '',
    ];
    if (failures.length > 0) out.push(`${failures.length} failure(s) during the run, each logged and tried again (see stderr and \`botledger events\`)`, '');
    out.push('last events (applied):', formatEvents(events));
    for (const error of errors) out.push(`ERROR in a plugin reaction: ${error}`);
    process.stdout.write(`${out.join('\n')}\n`);
  });
}

/**
 * Adds `run`.
 *
 * @example
 * registerRunCommand(program);
 * await program.parseAsync(['node', 'botledger', 'run', '--ticks', '300', '--seed', '7']);
 */
export function registerRunCommand(program: Command): Command {
  return program
    .command('run')
    .description('run every active bot on the paper exchange for N price steps, then summarize')
    .addOption(new Option('--db <url>', 'database URL: sqlite:<file> or postgres://... (default: $BOTLEDGER_DB, else sqlite:data/botledger.db)'))
    .addOption(new Option('--ticks <n>', 'price steps to run').default(DEFAULT_RUN_TICKS).argParser(wholeNumber('--ticks', 1)))
    .addOption(new Option('--seed <n>', 'paper price feed seed (only when the venue file is new)').argParser(wholeNumber('--seed', 0)))
    .addOption(new Option('--tick-ms <ms>', 'pause between steps (0: as fast as possible)').default(0).argParser(wholeNumber('--tick-ms', 0)))
    .addOption(new Option('--migrate', 'apply pending core migrations first (with a backup)'))
    .addOption(new Option('--json', 'print one JSON document on stdout'))
    .action(run);
}
