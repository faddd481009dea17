/**
 * The data-aware migration lint: reads a migration's SQL (lint-sql.ts), follows what each
 * statement does to which live table (through renames, drops and the create-copy-drop-rename
 * table rebuild SQLite needs: locate-operations.ts), and asks the live database (lint-catalog.ts)
 * how many rows and values each change would hurt (lint-rules.ts). Each finding names the rule, the file and line, the table and
 * column, the numbers, and why it matters.
 */
import { readFileSync } from 'node:fs';
import type { BotledgerDatabase } from '../../storage/database.ts';
import type { Migration, SqlStatement } from '../migration.ts';
import { LintCatalog } from './lint-catalog.ts';
import { LINT_RULE_CHECKS, LINT_RULES } from './lint-rules.ts';
import { locateOperations } from './locate-operations.ts';

export { LINT_RULES };

/** One problem found in a migration. */
export interface LintFinding {
  /** A name from {@link LINT_RULES}, e.g. `narrowed-column`. */
  rule: string;
  /** The migration's file name. */
  file: string;
  /** 1-based line of the statement (or of the action inside it) in the file. */
  line: number;
  /** What is wrong here, with the table, column and numbers. */
  message: string;
  /** Why the rule exists (the rule's explanation). */
  why: string;
}

/** Above this many rows (estimated) a PostgreSQL table counts as large for `non-concurrent-index`. */
export const LARGE_TABLE_ROWS = 100_000;

export interface LintOptions {
  /** Threshold of `non-concurrent-index`. Default {@link LARGE_TABLE_ROWS}. */
  readonly largeTableRows?: number;
}

/**
 * Lints a migration against the live database: each rule of {@link LINT_RULES} looks at the
 * statements and counts the rows and values they would hurt. `statements` overrides the
 * migration's own SQL (a `.ts` migration's SQL, captured during a rehearsal). The database is
 * only read. Findings come in file order.
 *
 * @example
 * const findings = await lintMigration(database, migration);
 * for (const f of findings) console.log(`${f.file}:${f.line} ${f.rule}: ${f.message}`);
 * // 0007_shorter_reason.sql:3 narrowed-column: 12 values of positions.exit_reason are longer than 50 characters and would not fit ...
 */
export async function lintMigration(
  database: BotledgerDatabase,
  migration: Migration,
  statements?: readonly SqlStatement[],
  options: LintOptions = {},
): Promise<LintFinding[]> {
  const ownStatements = migration.up.kind === 'sql' ? migration.up.statements : [];
  const linted = statements ?? ownStatements;
  const located = locateOperations(linted);
  const catalog = new LintCatalog(database);
  const context = { catalog, located, largeTableRows: options.largeTableRows ?? LARGE_TABLE_ROWS };
  const findings: LintFinding[] = [];
  for (const rule of LINT_RULES) {
    for (const { line, message } of await LINT_RULE_CHECKS[rule.name](context)) {
      findings.push({ rule: rule.name, file: migration.fileName, line, message, why: rule.why });
    }
  }
  const ignored = ignoredRulesByStatement(migration, linted);
  const kept = findings.filter((f) => !ignored.some(({ first, last, rules }) => f.line >= first && f.line <= last && rules.has(f.rule)));
  return kept.sort((a, b) => a.line - b.line);
}

/** Comment that silences named rules for one statement: `-- lint:ignore drop-with-data, rename-breaks-code`. */
export const LINT_IGNORE_DIRECTIVE = 'lint:ignore';

const IGNORE_COMMENT = /--\s*lint:ignore\b([^\n]*)/gi;

function rulesIn(text: string): string[] {
  return [...text.matchAll(IGNORE_COMMENT)].flatMap((m) => m[1].split(/[\s,]+/).filter(Boolean));
}

/**
 * For each statement, its line range and the rules silenced for it: by a `-- lint:ignore ...`
 * comment inside the statement, or in the comment lines right above it in a SQL file (the file's
 * splitter drops those comments, so they are read from the file itself).
 */
function ignoredRulesByStatement(
  migration: Migration,
  statements: readonly SqlStatement[],
): { first: number; last: number; rules: Set<string> }[] {
  let fileLines: string[] = [];
  if (migration.format === 'sql') {
    try {
      fileLines = readFileSync(migration.path, 'utf8').split('\n');
    } catch {
      // no file (a migration built in memory): only comments inside statements count
    }
  }
  return statements.map((statement) => {
    const rules = rulesIn(statement.sql);
    for (let i = statement.line - 2; i >= 0 && fileLines[i]?.trim().startsWith('--'); i--) rules.push(...rulesIn(fileLines[i]));
    return { first: statement.line, last: statement.line + (statement.sql.match(/\n/g)?.length ?? 0), rules: new Set(rules) };
  });
}
