/** The flags of a command that may act through a running `botledger serve` (src/cli/server-link.ts). */
import { type Command, Option } from 'commander';

/**
 * Adds `--url` and `--user` to a command.
 *
 * @example
 * serverOptions(bots.command('stop <id>'));
 */
export function serverOptions(command: Command): Command {
  return command
    .addOption(
      new Option(
        '--url <url>',
        'a running botledger server to act through (default: $BOTLEDGER_URL, else the serve.json next to the database)',
      ),
    )
    .addOption(new Option('--user <name>', 'the user the command acts as (default: $BOTLEDGER_USER, else the first admin)'));
}
