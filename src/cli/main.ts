/**
 * The `botledger` command. Each command group lives in its own file and registers itself here.
 * Usage errors (unknown command or flag, bad flag value) exit 2, as the README documents.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { EXIT_USAGE } from '../migrate/errors.ts';
import { registerBotCommands } from './ledger-bots.ts';
import { registerOrderCommands } from './ledger-orders.ts';
import { registerRunCommand } from './ledger-run.ts';
import { registerMigrateCommands } from './migrate.ts';
import { printJson } from './output.ts';

const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/**
 * The program with every command group.
 *
 * @example
 * await buildProgram().parseAsync(['node', 'botledger', 'migrate', 'status']);
 */
export function buildProgram(): Command {
  const program = new Command('botledger').description('order and position ledger for trading bots').version(packageJson.version);
  program.exitOverride();
  program.showHelpAfterError('(run with --help for usage)');
  const json = process.argv.includes('--json');
  // With --json a usage error is the one JSON document on stdout, like every other error.
  if (json) program.configureOutput({ writeErr: () => {}, outputError: () => {} });
  registerMigrateCommands(program);
  registerRunCommand(program);
  registerBotCommands(program);
  registerOrderCommands(program);
  return program;
}

/** Runs the command line; resolves to the exit code. */
export async function main(argv: readonly string[] = process.argv): Promise<number> {
  try {
    await buildProgram().parseAsync([...argv]);
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
