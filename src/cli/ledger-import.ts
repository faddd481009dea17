/**
 * `botledger import trades --from sqlite:<trading_bot.db> [--map logic_type=plugin_id,...]`: flags
 * in, one app function (src/app/import-trades.ts), a summary or one JSON document out. A progress
 * bar shows on stderr only when stderr is a terminal (never in pipes, logs or CI). Rows that could
 * not be read make the exit code IMPORT_ROWS_UNREADABLE's (1), after the summary that lists them.
 */
import { type Command, InvalidArgumentError, Option } from 'commander';
import { ERROR_CATALOG } from '../app/error-catalog.ts';
import { type ImportTradesSummary, importLegacyTrades, parsePluginMap } from '../app/import-trades.ts';
import { showsProgressBar } from '../migrate/context/data-helpers.ts';
import { type LedgerFlags, withLedger } from './ledger-context.ts';
import { printJson, table } from './ledger-output.ts';

interface ImportFlags extends LedgerFlags {
  from: string;
  map?: Record<string, string>;
}

/** Bad rows a person sees on the terminal; --json lists them all. */
const BAD_ROWS_SHOWN = 20;

function pluginMap(value: string): Record<string, string> {
  try {
    return parsePluginMap(value, '--map');
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function summaryText(summary: ImportTradesSummary): string {
  const { source, imported, skipped, bad, notClosed, perPlugin } = summary;
  const statuses = Object.entries(notClosed.byStatus)
    .map(([status, count]) => `${status === '' ? '(no status)' : status} ${count}`)
    .join(', ');
  const lines = [
    `${source.path}: ${source.rows} legacy trades rows (${source.pluginIdColumn ? 'after' : 'before'} its plugin_id migration)`,
    `imported ${imported}, already there ${skipped}, unreadable ${bad.length}, not closed ${notClosed.count}${statuses ? ` (${statuses})` : ''}`,
  ];
  const plugins = Object.entries(perPlugin);
  if (plugins.length > 0)
    lines.push(
      '',
      table(
        ['plugin', 'trades'],
        plugins.map(([plugin, count]) => [plugin, String(count)]),
      ),
    );
  if (bad.length > 0) {
    lines.push('', `rows that could not be read (${bad.length}):`);
    for (const row of bad.slice(0, BAD_ROWS_SHOWN)) lines.push(`  id ${row.id}: ${row.reason}`);
    if (bad.length > BAD_ROWS_SHOWN) lines.push(`  ... and ${bad.length - BAD_ROWS_SHOWN} more (--json lists them all)`);
  }
  return lines.join('\n');
}

async function importTrades(flags: ImportFlags): Promise<void> {
  await withLedger(flags, { access: 'write' }, async (ledger) => {
    let bar: { start(total: number, value: number): void; update(value: number): void; stop(): void } | undefined;
    if (showsProgressBar(undefined, process.stderr)) {
      const { default: cliProgress } = await import('cli-progress');
      bar = new cliProgress.SingleBar(
        { stream: process.stderr, format: 'import trades [{bar}] {value}/{total} rows | {eta_formatted}' },
        cliProgress.Presets.shades_classic,
      );
    }
    let summary: ImportTradesSummary;
    try {
      summary = await importLegacyTrades(ledger, {
        from: flags.from,
        map: flags.map,
        onProgress: (done, total) => (done === 0 ? bar?.start(total, 0) : bar?.update(done)),
      });
    } finally {
      bar?.stop();
    }
    if (flags.json) {
      const { imported, skipped, bad, perPlugin, notClosed, source } = summary;
      printJson({ imported, skipped, bad, perPlugin, notClosed, source });
    } else {
      process.stdout.write(`${summaryText(summary)}\n`);
    }
    if (summary.bad.length > 0) {
      if (!flags.json)
        process.stderr.write(
          `error [IMPORT_ROWS_UNREADABLE]: ${summary.bad.length} legacy row(s) could not be read; everything else was imported\n`,
        );
      process.exitCode = ERROR_CATALOG.IMPORT_ROWS_UNREADABLE.exit;
    }
  });
}

/**
 * Adds `import trades`.
 *
 * @example
 * registerImportCommands(program);
 * await program.parseAsync(['node', 'botledger', 'import', 'trades', '--from', 'sqlite:data/trading_bot.db']);
 */
export function registerImportCommands(program: Command): Command {
  const group = program.command('import').description("bring your history: import another tool's records into the ledger");
  group
    .command('trades')
    .description(
      'import the trades of a legacy trading_bot.db (seed 003), before or after its plugin_id migration; re-running adds nothing twice',
    )
    .requiredOption('--from <url>', 'the legacy database: sqlite:<path to trading_bot.db> (opened read-only)')
    .addOption(
      new Option(
        '--map <logic_type=plugin_id,...>',
        "more logic_type mappings, for rows still 'legacy' (e.g. manual=hand-trades,LOGIC4=v3-logic-04)",
      ).argParser(pluginMap),
    )
    .addOption(
      new Option('--db <url>', 'database URL: sqlite:<file> or postgres://... (default: $BOTLEDGER_DB, else sqlite:data/botledger.db)'),
    )
    .addOption(new Option('--migrate', 'apply pending core migrations first (with a backup)'))
    .addOption(new Option('--json', 'print one JSON document on stdout'))
    .action(importTrades);
  return program;
}
