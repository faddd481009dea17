/**
 * How `botledger migrate` speaks: readable lines and tables for people, or exactly one JSON
 * document on stdout with `--json` (errors too), so scripts never parse prose.
 */
import type { BackupResult, RestoreResult } from '../migrate/backup/backup.ts';
import { MigrateError } from '../migrate/errors.ts';
import type { LintFinding } from '../migrate/lint/lint.ts';
import { describeDataLoss } from '../migrate/verify/down-data-loss.ts';
import type {
  BaselineReport,
  DownPlan,
  DownReport,
  EngineEvent,
  LintReport,
  MigrationRun,
  PlanReport,
  ReportBase,
  StatusReport,
  UpReport,
  VerifyReport,
} from '../migrate/reports.ts';

/** Writes `value` as the one JSON document of this command. Bigints become strings. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n`);
}

/** The `{ error: { code, message, details } }` document, or `error [CODE]: message` on stderr. */
export function printError(error: unknown, json: boolean): void {
  const code = error instanceof MigrateError ? error.code : ((error as { code?: string })?.code ?? 'ERROR');
  const message = (error as Error)?.message ?? String(error);
  const details = error instanceof MigrateError ? error.details : {};
  if (json) printJson({ error: { code, message, details } });
  else process.stderr.write(`error [${code}]: ${message}\n`);
}

const ms = (value: number): string => (value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${Math.round(value)} ms`);

/** Left-aligned columns. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function header(report: ReportBase): string {
  return `database ${report.database} (${report.dialect}), source ${report.source}, migrations in ${report.dir}`;
}

/** The statement whole, as written (common indentation removed), with lines over `width` folded at a space. */
export function foldSql(sql: string, width = 110): string[] {
  const lines = sql
    .trim()
    .split('\n')
    .map((line) => line.trimEnd())
    .filter(Boolean);
  const indents = lines.slice(1).map((line) => line.length - line.trimStart().length);
  const indent = indents.length > 0 ? Math.min(...indents) : 0;
  const out: string[] = [];
  for (const [i, whole] of lines.entries()) {
    let line = i === 0 ? whole : whole.slice(indent);
    while (line.length > width) {
      const cut = line.lastIndexOf(' ', width);
      if (cut <= line.search(/\S/)) break;
      out.push(line.slice(0, cut));
      line = `  ${line.slice(cut + 1)}`;
    }
    out.push(line);
  }
  return out;
}

/**
 * A read of the schema catalog (PRAGMA table functions, information_schema, pg_catalog), as a
 * `.ts` migration makes to look before it changes something: not a change, so plan's listing leaves it out.
 */
export function isCatalogLookup(sql: string): boolean {
  const text = sql.trim().toLowerCase();
  return (
    /^(select|with)\b/.test(text) &&
    /\b(pragma_\w+|information_schema\.|pg_catalog\.|pg_class|pg_attribute|pg_index|pg_namespace|sqlite_master|sqlite_schema|to_regclass)\b/.test(
      text,
    ) &&
    !/\b(insert|update|delete|into)\b/.test(text)
  );
}

function lintLines(findings: readonly LintFinding[], indent = '  '): string[] {
  return findings.map((f) => `${indent}lint ${f.rule} (${f.file}:${f.line}): ${f.message}\n${indent}  why: ${f.why}`);
}

/** A progress line for an engine event, or undefined for events not worth a line. */
export function eventLine(event: EngineEvent): string | undefined {
  switch (event.type) {
    case 'lock-wait': {
      const h = event.holder;
      return h
        ? `waiting for the migration lock, held by pid ${h.pid} on ${h.host} (${h.user}, "${h.command}") since ${h.since} ...`
        : 'waiting for the migration lock ...';
    }
    case 'backup-start':
      return 'backing up ...';
    case 'backup-done':
      return `backup ${event.backup.path} (${event.backup.bytes} bytes, ${ms(event.backup.durationMs)})`;
    case 'lint-finding':
      return lintLines([event.finding], '')[0];
    case 'nothing-to-do':
      return event.direction === 'down'
        ? `nothing to revert (version ${event.current ?? 'none'})`
        : `nothing to do: the database is up to date (version ${event.current ?? 'none'})`;
    case 'migration-start':
      return `${event.direction === 'up' ? 'applying' : 'reverting'} ${event.fileName.replace(/\.(sql|ts|mts|js|mjs)$/, '')} ...`;
    case 'migration-done':
      return `  done in ${ms(event.run.totalMs)} (sql ${ms(event.run.sqlMs)}, verify ${ms(event.run.verifyMs)}, record ${ms(event.run.recordMs)})`;
    case 'migration-failed':
      return `  FAILED: ${event.fileName}`;
    case 'rehearsal-start':
      return event.count > 0
        ? `rehearsing ${event.count} migration(s) ${event.method === 'copy' ? 'on a copy of the database' : 'in a transaction that is rolled back'} ...`
        : undefined;
    default:
      return undefined;
  }
}

export function formatStatus(r: StatusReport): string {
  const out = [header(r), `current version: ${r.current ?? 'none'}`];
  if (r.applied.length > 0) {
    out.push(
      '',
      'applied:',
      table(
        ['version', 'name', 'applied at', 'by', 'ms', 'state'],
        r.applied.map((a) => [a.version, a.name, a.appliedAt, a.appliedBy, String(a.durationMs), a.state]),
      ),
    );
  }
  out.push('', r.pending.length === 0 ? 'pending: none' : `pending (${r.pending.length}):`);
  if (r.pending.length > 0)
    out.push(
      table(
        ['version', 'file', 'notes'],
        r.pending.map((p) => [p.version, p.fileName, notes(p)]),
      ),
    );
  for (const d of r.drift) out.push(`DRIFT [${d.code}]: ${d.message}`);
  if (r.otherSources.length > 0) out.push(`other sources in ${r.trackingTable}: ${r.otherSources.join(', ')}`);
  return out.join('\n');
}

function notes(p: { transaction: boolean; irreversible: boolean; hasDown: boolean }): string {
  return [!p.transaction && 'no-transaction', p.irreversible && 'irreversible', !p.hasDown && !p.irreversible && 'no down']
    .filter(Boolean)
    .join(', ');
}

export function formatPlan(r: PlanReport): string {
  const out = [header(r), `current version: ${r.current ?? 'none'}`];
  for (const d of r.drift) out.push(`DRIFT [${d.code}]: ${d.message} (up will refuse)`);
  if (r.migrations.length === 0) return [...out, 'nothing to apply'].join('\n');
  for (const m of r.migrations) {
    const timing = m.rehearsalMs !== undefined ? `rehearsed in ${ms(m.rehearsalMs)}` : (m.note ?? 'not rehearsed');
    out.push('', `${m.fileName} (${timing})${notes(m) ? ` [${notes(m)}]` : ''}`);
    const shown = m.statements.filter((s) => !isCatalogLookup(s.sql));
    for (const s of shown) {
      const rows =
        s.rowsAffected !== undefined ? `${s.rowsAffected} rows` : s.tableRows !== undefined ? `${s.table}: ${s.tableRows} rows` : '';
      const [first, ...rest] = foldSql(s.sql);
      out.push(
        `  ${s.line ? `line ${String(s.line).padEnd(4)}` : 'sql      '} ${first}${rows && rest.length === 0 ? `   -> ${rows}` : ''}`,
      );
      out.push(...rest.map((line) => `            ${line}`));
      if (rows && rest.length > 0) out.push(`            -> ${rows}`);
    }
    const hidden = m.statements.length - shown.length;
    if (hidden > 0) out.push(`  (${hidden} schema lookup(s) the migration made are not shown; --json lists every statement)`);
    if (m.format === 'sql' && m.statements.length === 0) out.push('  EMPTY: the up section has no statement; `up` refuses this file');
    if (m.error) out.push(`  REHEARSAL FAILED: ${m.error.message}`);
    out.push(...lintLines(m.lint));
  }
  out.push(
    '',
    `rehearsal: ${r.rehearsal.ok ? 'ok' : 'FAILED'} in ${ms(r.rehearsal.ms)} (${r.rehearsal.method === 'copy' ? 'on a copy, deleted afterwards' : 'in a transaction, rolled back'}); the database was not changed`,
  );
  return out.join('\n');
}

function runs(list: readonly MigrationRun[]): string {
  return table(
    ['version', 'file', 'sql', 'verify', 'record', 'total'],
    list.map((m) => [m.version, m.fileName, ms(m.sqlMs), ms(m.verifyMs), ms(m.recordMs), ms(m.totalMs)]),
  );
}

export function formatRun(r: UpReport | DownReport): string {
  const list = 'applied' in r ? r.applied : r.reverted;
  const verb = 'applied' in r ? 'applied' : 'reverted';
  if (list.length === 0)
    return 'applied' in r
      ? `${header(r)}\nnothing to do: version ${r.current ?? 'none'}`
      : `${header(r)}\nnothing to revert: no migration of source ${r.source} is applied`;
  const t = r.timings;
  const lost = 'dataLoss' in r && r.dataLoss.length > 0 ? [`data destroyed:`, ...describeDataLoss(r.dataLoss).map((l) => `  ${l}`)] : [];
  return [
    header(r),
    `${verb} ${list.length} migration(s); now at version ${r.current ?? 'none'}`,
    runs(list),
    ...lost,
    `backup: ${r.backup ? r.backup.path : 'none'}`,
    `time: total ${ms(t.totalMs)} = lock ${ms(t.lockMs)} + backup ${ms(t.backupMs)} + sql ${ms(t.sqlMs)} + verify ${ms(t.verifyMs)} + record ${ms(t.recordMs)} (+ loading)`,
  ].join('\n');
}

/** What `down` would revert and the data it would destroy, shown before asking. */
export function formatDownPlan(p: DownPlan): string {
  if (p.reverting.length === 0) return `${header(p)}\nnothing to revert: no migration of source ${p.source} is applied`;
  const out = [header(p), `would revert (newest first): ${p.reverting.map((m) => m.fileName).join(', ')}`];
  if (p.dataLoss.length === 0) out.push('data lost: none (rehearsed in a transaction that was rolled back)');
  else {
    out.push(`data lost: ${p.rowsLost.toLocaleString('en-US')} row(s) (rehearsed in a transaction that was rolled back)`);
    out.push(...describeDataLoss(p.dataLoss).map((line) => `  ${line}`));
  }
  return out.join('\n');
}

export function formatVerify(r: VerifyReport): string {
  const out = [header(r)];
  if (r.checked.length === 0) out.push('no applied migration has verify queries');
  for (const c of r.checked) {
    out.push(`${c.ok ? 'ok    ' : 'FAILED'} ${c.fileName}`);
    for (const f of c.failures) out.push(`  ${f.message}`);
  }
  out.push(r.ok ? 'verify: ok' : 'verify: FAILED');
  return out.join('\n');
}

export function formatBaseline(r: BaselineReport): string {
  return [
    header(r),
    `recorded as applied without running: ${r.recorded.map((m) => m.fileName).join(', ') || 'none'}`,
    r.alreadyApplied.length > 0 ? `already applied: ${r.alreadyApplied.map((m) => m.fileName).join(', ')}` : '',
  ]
    .filter(Boolean)
    .join('\n');
}

export function formatLint(r: LintReport): string {
  return [header(r), `${r.migrations} migration(s), ${r.findings.length} finding(s)`, ...lintLines(r.findings, '')].join('\n');
}

export function formatBackup(b: BackupResult): string {
  return `backup ${b.path}\n  ${b.bytes} bytes, at version ${b.atVersion ?? 'none'}, ${ms(b.durationMs)}`;
}

export function formatRestore(r: RestoreResult): string {
  const last = r.applied.at(-1);
  const before = r.safetyBackup
    ? `\nthe database as it was before: ${r.safetyBackup.path} (botledger migrate restore ${r.safetyBackup.path} undoes this)`
    : '';
  return `restored ${r.path} in ${ms(r.durationMs)}; the database is at version ${last?.version ?? 'none'} (${r.applied.length} applied migration(s))${before}`;
}
