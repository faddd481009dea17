/**
 * `botledger sync [--account ID] [--json]`: runs a sync with the exchange now (src/app/sync.ts)
 * and prints what it found and fixed. It opens the venue, so it waits for no `run` (VENUE_IN_USE
 * while `botledger run` holds it: that run syncs on its own every minute).
 */
import { type Command, Option } from 'commander';
import { type SyncNowResult, syncNow } from '../app/sync.ts';
import { type LedgerFlags, withVenueCommand } from './ledger-context.ts';
import { serverOptions } from './server-options.ts';
import { printJson, shortTime } from './ledger-output.ts';
import { describeSync } from '../engine/recovery/sync-report.ts';

interface SyncFlags extends LedgerFlags {
  account?: string;
}

/** The report for people: one summary line, then each discrepancy with what was done. */
export function formatSync({ report, status }: SyncNowResult): string {
  const lines = [describeSync(report)];
  for (const entry of report.discrepancies) lines.push(`  ${entry.fixed ? 'fixed' : 'LEFT FOR A PERSON'}: ${entry.explanation}`);
  if (status) lines.push(`account ${status.exchangeAccountId}: last sync ${shortTime(status.lastSyncAt)}, status ${status.status}, ${status.positionsSynced} position(s) synced, ${status.discrepanciesFound} found, ${status.discrepanciesFixed} fixed`);
  return lines.join('\n');
}

export function registerSyncCommand(program: Command): void {
  serverOptions(program.command('sync'))
    .description("compare open positions, open orders and recent fills with the venue now; fix what the venue's fills explain, mark the rest mismatch")
    .option('--account <id>', "the exchange account (default: the ledger venue's)")
    .addOption(new Option('--db <url>', 'database URL: sqlite:<file> or postgres://... (default: $BOTLEDGER_DB, else sqlite:data/botledger.db)'))
    .addOption(new Option('--migrate', 'apply pending core migrations first (with a backup)'))
    .addOption(new Option('--json', 'print one JSON document on stdout'))
    .action(async (flags: SyncFlags) => {
      await withVenueCommand<SyncNowResult>(
        flags,
        { syncAtStart: false },
        {
          local: (ledger) => syncNow(ledger, { account: flags.account }),
          // POST /sync answers { sync, status } (the JSON document below); { report, status } is taken too.
          remote: async (client) => {
            type Answer = { sync?: SyncNowResult['report']; report?: SyncNowResult['report']; status?: SyncNowResult['status'] | null };
            const answer = await client.call<Answer>('POST', '/sync', flags.account === undefined ? {} : { account: flags.account });
            return { report: (answer.sync ?? answer.report) as SyncNowResult['report'], status: answer.status ?? undefined };
          },
        },
        (result) => {
          if (flags.json) printJson({ sync: result.report, status: result.status ?? null });
          else process.stdout.write(`${formatSync(result)}\n`);
        },
      );
    });
}
