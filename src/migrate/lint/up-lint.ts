/**
 * The lint as `migrate up` runs it: every pending SQL migration is linted against the live data
 * before anything changes, its findings are reported, and a finding that loses data
 * (drop-with-data, narrowed-column) refuses the run unless allowed or acknowledged in the file
 * with `-- lint:ignore <rule>`. A `.ts`/`.js` migration's SQL is known only once it runs, so `up`
 * cannot lint it beforehand; `migrate plan` lints it after a rehearsal (and `up` on a terminal
 * shows that plan before asking).
 */
import type { BotledgerDatabase } from '../../storage/database.ts';
import { MigrationInputError, MigrationRefusedError } from '../errors.ts';
import { type LintFinding, lintMigration } from './lint.ts';
import type { Migration } from '../migration.ts';

/** Rules whose findings mean data would be lost: `up` refuses them without allowDataLoss. */
export const DATA_LOSS_RULES: readonly string[] = ['drop-with-data', 'narrowed-column'];

/** Lints the pending SQL migrations, in order. The database is only read. */
export async function lintPending(database: BotledgerDatabase, pending: readonly Migration[]): Promise<LintFinding[]> {
  const findings: LintFinding[] = [];
  for (const m of pending) if (m.format === 'sql') findings.push(...(await lintMigration(database, m)));
  return findings;
}

/**
 * DROP TABLE of a table with rows is already refused by the row-count check every migration runs
 * before its commit (exit 1, rolled back), unless `-- migrate:allow-row-change` names the table,
 * which is the acknowledgement; the lint reports it but does not refuse it twice.
 */
function isWholeTableDrop(finding: LintFinding): boolean {
  return finding.rule === 'drop-with-data' && finding.message.startsWith('dropping table ');
}

/**
 * Refuses (LINT_DATA_LOSS, exit 4) when a finding loses data and `allow` is false.
 *
 * @example
 * refuseLintDataLoss(findings, options.allowDataLoss ?? false);
 */
export function refuseLintDataLoss(findings: readonly LintFinding[], allow: boolean): void {
  const losing = findings.filter((f) => DATA_LOSS_RULES.includes(f.rule) && !isWholeTableDrop(f));
  if (allow || losing.length === 0) return;
  const list = losing.map((f) => `${f.file}:${f.line} ${f.rule}: ${f.message}`).join('\n  ');
  throw new MigrationRefusedError(
    'LINT_DATA_LOSS',
    `lint found data that this run would lose; nothing was changed:\n  ${list}\nCopy what is still needed first, then acknowledge it in the file with \`-- lint:ignore ${losing[0].rule}\` above the statement, or pass --allow-data-loss (library: allowDataLoss: true).`,
    { findings: losing },
  );
}

/**
 * Refuses (MIGRATION_EMPTY_UP, exit 2) a pending SQL migration whose up section has no statement:
 * applying it would record it as done while doing nothing, which is almost always a file from
 * `migrate new` not written yet. The file still loads, so `status` and `plan` can show it.
 */
export function refuseEmptyUp(pending: readonly Migration[]): void {
  const empty = pending.filter((m) => m.up.kind === 'sql' && m.up.statements.length === 0);
  if (empty.length === 0) return;
  throw new MigrationInputError(
    'MIGRATION_EMPTY_UP',
    `${empty.map((m) => m.fileName).join(', ')}: the "-- migrate:up" section has no statement; write the SQL to apply, or delete the file. Nothing was applied`,
    { files: empty.map((m) => m.fileName) },
  );
}
