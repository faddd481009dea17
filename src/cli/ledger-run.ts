/**
 * `botledger run`: every active bot, driven by the BotRuntime on the paper exchange for N price
 * steps (the app's runBots, src/app/runs.ts); this file parses the flags, shows progress and
 * failures on stderr, prints the summary, and handles the signals.
 *
 * Ctrl-C (SIGINT) or SIGTERM halts the runtime at the next safe point, even inside a step that
 * keeps trading: the plugin command in flight finishes (its intent committed, its venue answer
 * recorded) and no other starts. Then the summary is printed and `run` exits 130 / 143, as shells
 * expect; a second signal exits at once.
 */
import { type Command, Option } from 'commander';
import { DEFAULT_RUN_TICKS, runBots } from '../app/runs.ts';
import type { StepFailure } from '../engine/runtime/runtime.ts';
import { dbArgument } from './database-access.ts';
import { type LedgerFlags, withLedger } from './ledger-context.ts';
import { formatEvents, printJson, wholeNumber } from './ledger-output.ts';
import { formatBotSummaries } from './run-summary.ts';

export { DEFAULT_RUN_TICKS };
/** Exit codes of a run stopped by a signal: 128 + the signal's number, as shells report them. */
export const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143 } as const;

interface RunFlags extends LedgerFlags {
  ticks: number;
  seed?: number;
  tickMs: number;
}

function failureLine(step: number, failure: StepFailure): string {
  return `step ${step}: ${failure.message} (logged; tried again next step)`;
}

async function run(flags: RunFlags): Promise<void> {
  await withLedger(flags, { venue: { seed: flags.seed, syncAtStart: true } }, async (ledger) => {
    const interrupt = new AbortController();
    let signal: keyof typeof SIGNAL_EXIT_CODES | undefined;
    const onSignal = (name: keyof typeof SIGNAL_EXIT_CODES) => {
      if (signal) {
        process.stderr.write(`${name} again: exiting now, without the summary\n`);
        process.exit(SIGNAL_EXIT_CODES[name]);
      }
      signal = name;
      interrupt.abort();
      process.stderr.write(`${name}: stopping at the next safe point (after the commit in flight) ...\n`);
    };
    const onSigint = () => onSignal('SIGINT');
    const onSigterm = () => onSignal('SIGTERM');
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigterm);
    const progress = !flags.json && process.stderr.isTTY;
    let result: Awaited<ReturnType<typeof runBots>>;
    try {
      result = await runBots(ledger, {
        ticks: flags.ticks,
        tickMs: flags.tickMs,
        signal: interrupt.signal,
        onStart: ({ bots, symbols, seed }) => {
          if (!flags.json) process.stderr.write(`running ${bots} bot(s) on ${symbols.join(', ')} for ${flags.ticks} steps (paper seed ${seed}) ...\n`);
          if (flags.seed !== undefined && String(flags.seed) !== seed)
            process.stderr.write(`note: --seed ${flags.seed} ignored: the paper exchange's file already exists and keeps its seed ${seed}\n`);
        },
        onStep: (number, report) => {
          for (const failure of report.failures) process.stderr.write(`${failureLine(number, failure)}\n`);
          if (progress && number % 25 === 0) process.stderr.write(`  step ${number}/${flags.ticks}\n`);
        },
        onAllStopped: (number) => process.stderr.write(`every bot is stopped after step ${number}: nothing left to run\n`),
      });
    } finally {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigterm);
    }
    if (result.activeBots === 0) {
      const hint = `create one with: botledger bots create --plugin scalper --symbol BTC/USDT --config '{"amount":"0.01","entryPrice":"59900","takeProfitPrice":"60100"}'${dbArgument(flags.db)}`;
      if (flags.json) printJson({ ticks: 0, bots: [], message: `no active bots; ${hint}` });
      else process.stdout.write(`no active bots: nothing to run.\n${hint}\n`);
      return;
    }
    const { ticks: done, seed, prices, bots, failures, events, errors } = result;
    const interrupted = signal !== undefined;
    // An interrupted run never exits 0; a plugin reaction that threw is a failure of the run.
    if (signal) process.exitCode = SIGNAL_EXIT_CODES[signal];
    else if (errors.length > 0) process.exitCode = 1;
    if (flags.json) {
      printJson({ ticks: done, requested: flags.ticks, interrupted, signal: signal ?? null, seed, prices, bots, failures, events, errors });
      return;
    }
    const out = [
      `${interrupted ? `interrupted (${signal}) after` : 'ran'} ${done} of ${flags.ticks} steps (paper seed ${seed}); last prices: ${Object.entries(prices)
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
