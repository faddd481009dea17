/**
 * The `botledger` command. Each command group lives in its own file and registers itself here.
 * Usage errors (unknown command or flag, bad flag value) exit 2, as the README documents.
 *
 * Groups are loaded only when used: `migrate status` must not pay for loading the engine, the
 * paper exchange and the plugins (start-up time is most of a short command's time).
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { EXIT_USAGE } from '../domain/exit-codes.ts';
import { printJson } from './output.ts';

type Register = (program: Command) => unknown;

/** Each command group, by its first word on the command line, loaded on demand. */
const COMMAND_GROUPS: Record<string, () => Promise<Register>> = {
  migrate: async () => (await import('./migrate.ts')).registerMigrateCommands,
  run: async () => (await import('./ledger-run.ts')).registerRunCommand,
  bots: async () => (await import('./ledger-bots.ts')).registerBotCommands,
  // `orders` registers `events` too.
  orders: async () => (await import('./ledger-orders.ts')).registerOrderCommands,
  events: async () => (await import('./ledger-orders.ts')).registerOrderCommands,
  sync: async () => (await import('./ledger-sync.ts')).registerSyncCommand,
  positions: async () => (await import('./ledger-positions.ts')).registerPositionCommands,
  // `trades` registers `stats` too.
  trades: async () => (await import('./ledger-stats.ts')).registerStatsCommands,
  stats: async () => (await import('./ledger-stats.ts')).registerStatsCommands,
  import: async () => (await import('./ledger-import.ts')).registerImportCommands,
  users: async () => (await import('./users.ts')).registerUserCommands,
  serve: async () => (await import('./serve.ts')).registerServeCommand,
  paper: async () => (await import('./paper.ts')).registerPaperCommands,
};

/** The groups `argv` needs: the one its command names, or all of them (help, an unknown command). */
async function groupsFor(argv: readonly string[]): Promise<Register[]> {
  const word = argv[2];
  const loaders = word !== undefined && Object.hasOwn(COMMAND_GROUPS, word) ? [COMMAND_GROUPS[word]] : Object.values(COMMAND_GROUPS);
  return [...new Set(await Promise.all(loaders.map((load) => load())))];
}

const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/**
 * The program with the command groups `argv` needs (every group when `argv` names none).
 *
 * @example
 * await (await buildProgram(['node', 'botledger', 'migrate', 'status'])).parseAsync(['node', 'botledger', 'migrate', 'status']);
 */
export async function buildProgram(argv: readonly string[] = []): Promise<Command> {
  const program = new Command('botledger').description('order and position ledger for trading bots').version(packageJson.version);
  program.exitOverride();
  program.showHelpAfterError('(run with --help for usage)');
  const json = process.argv.includes('--json');
  // With --json a usage error is the one JSON document on stdout, like every other error.
  if (json) program.configureOutput({ writeErr: () => {}, outputError: () => {} });
  for (const register of await groupsFor(argv)) register(program);
  return program;
}

/** Runs the command line; resolves to the exit code. */
export async function main(argv: readonly string[] = process.argv): Promise<number> {
  try {
    await (await buildProgram(argv)).parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return 0; // --help, --version
      if (argv.includes('--json'))
        printJson({ error: { code: 'USAGE', message: error.message.replace(/^error: /, ''), details: { commander: error.code } } });
      return EXIT_USAGE;
    }
    throw error;
  }
}

process.exitCode = await main();
