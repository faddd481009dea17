/**
 * The data-aware migration lint: reads a migration's SQL (lint-sql.ts), follows what each
 * statement does to which live table (through renames, drops and the create-copy-drop-rename
 * table rebuild SQLite needs), and asks the live database how many rows and values each change
 * would hurt (lint-rules.ts). Each finding names the rule, the file and line, the table and
 * column, the numbers, and why it matters.
 */
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import type { BotledgerDatabase } from '../../storage/database.ts';
import { LINT_RULE_CHECKS, LINT_RULES } from './lint-rules.ts';
import { type ColumnType, type LintOperation, lineAt, parseColumnType, parseStatement, sameTable, type TableRef } from './lint-sql.ts';
import type { Migration, SqlStatement } from '../migration.ts';

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

/** A live column as the database describes it. */
export interface LiveColumn {
  readonly name: string;
  readonly type: ColumnType | undefined;
  readonly notNull: boolean;
}

/** An operation of the migration, where it is, and which live table (if any) it acts on at that point. */
export interface LocatedOperation {
  readonly op: LintOperation;
  readonly line: number;
  /** The table as it exists in the database now, when the operation's table is one (possibly renamed since); undefined for tables this migration creates. */
  readonly live: TableRef | undefined;
  /** For `drop-table`: the rows were first copied into a table this migration created (a table rebuild). */
  readonly copiedInto?: Extract<LintOperation, { kind: 'create-table' }>;
  /** For `rename-table`: the old name is created again later in this migration, so code using it keeps working. */
  readonly nameReused?: boolean;
}

/**
 * Reads the live schema and data. The dialect difference is written down here once: SQLite
 * describes tables through PRAGMA table functions, PostgreSQL through pg_catalog.
 */
export class LintCatalog {
  readonly #database: Pick<BotledgerDatabase, 'db' | 'capabilities'>;
  readonly #columns = new Map<string, Promise<LiveColumn[] | undefined>>();
  readonly #counts = new Map<string, Promise<Record<string, number>>>();

  constructor(database: Pick<BotledgerDatabase, 'db' | 'capabilities'>) {
    this.#database = database;
  }

  /** Quoted `"schema"."table"` for SQL built here. */
  static quote(name: string): string {
    return `"${name.replaceAll('"', '""')}"`;
  }

  static qualified(table: TableRef): string {
    return table.schema ? `${LintCatalog.quote(table.schema)}.${LintCatalog.quote(table.name)}` : LintCatalog.quote(table.name);
  }

  get capabilities() {
    return this.#database.capabilities;
  }

  /** The live columns of `table`, or undefined when no such table exists. */
  columns(table: TableRef): Promise<LiveColumn[] | undefined> {
    const key = LintCatalog.qualified(table);
    let found = this.#columns.get(key);
    if (!found) {
      found = this.#readColumns(table).catch(() => undefined);
      this.#columns.set(key, found);
    }
    return found;
  }

  async column(table: TableRef, name: string): Promise<LiveColumn | undefined> {
    const columns = await this.columns(table);
    // SQLite matches names without regard to case; PostgreSQL names were already folded by the parser.
    const caseless = this.#database.capabilities.pragmaForeignKeys;
    return (
      columns?.find((column) => column.name === name) ??
      (caseless ? columns?.find((c) => c.name.toLowerCase() === name.toLowerCase()) : undefined)
    );
  }

  async #readColumns(table: TableRef): Promise<LiveColumn[] | undefined> {
    type Row = { name: string; type: string | null; not_null: unknown };
    let rows: Row[];
    if (this.#database.capabilities.pragmaForeignKeys) {
      // SQLite: the PRAGMA table function; an unknown schema throws, an unknown table returns nothing.
      ({ rows } =
        await sql<Row>`select name, type, "notnull" as not_null from pragma_table_info(${table.name}, ${table.schema ?? 'main'})`.execute(
          this.#database.db,
        ));
    } else {
      // PostgreSQL: to_regclass resolves an unqualified name through search_path, as the migration itself will.
      ({ rows } = await sql<Row>`select a.attname as name, format_type(a.atttypid, a.atttypmod) as type, a.attnotnull as not_null
        from pg_attribute a where a.attrelid = to_regclass(${LintCatalog.qualified(table)}) and a.attnum > 0 and not a.attisdropped order by a.attnum`.execute(
        this.#database.db,
      ));
    }
    if (rows.length === 0) return undefined;
    return rows.map((row) => ({
      name: row.name,
      type: parseColumnType(row.type ?? ''),
      notNull: row.not_null === true || Number(row.not_null) === 1,
    }));
  }

  /**
   * One scan of `table` computing several aggregates at once: `{ name: 'sum(case when ... then 1 else 0 end)' }`.
   * Each result is a number (0 for an empty table).
   */
  aggregates(table: TableRef, expressions: Readonly<Record<string, string>>): Promise<Record<string, number>> {
    const names = Object.keys(expressions);
    const select = names.map((name, i) => `coalesce(${expressions[name]}, 0) as a${i}`).join(', ');
    const query = `select ${select} from ${LintCatalog.qualified(table)}`;
    let found = this.#counts.get(query);
    if (!found) {
      found = sql
        .raw<Record<string, unknown>>(query)
        .execute(this.#database.db)
        .then(({ rows }) => Object.fromEntries(names.map((name, i) => [name, Number(rows[0]?.[`a${i}`] ?? 0)])));
      this.#counts.set(query, found);
    }
    return found;
  }

  /** Rows of `table` (optionally only those matching a raw SQL condition). */
  async count(table: TableRef, condition?: string): Promise<number> {
    const { n } = await this.aggregates(table, { n: condition ? `sum(case when ${condition} then 1 else 0 end)` : 'count(*)' });
    return n;
  }

  /**
   * Whether `table` has more than `threshold` rows: PostgreSQL's planner estimate when it already
   * says so (`about`), otherwise an exact count that stops after threshold + 1 rows, so a huge
   * table is never counted in full.
   */
  async rowsAbove(table: TableRef, threshold: number): Promise<{ above: boolean; about?: number }> {
    if (this.#database.capabilities.concurrentIndexes) {
      const { rows } = await sql<{
        n: unknown;
      }>`select reltuples::float8 as n from pg_class where oid = to_regclass(${LintCatalog.qualified(table)})`.execute(this.#database.db);
      const estimate = Number(rows[0]?.n ?? -1);
      if (estimate > threshold) return { above: true, about: Math.round(estimate) };
    }
    const { rows } = await sql
      .raw<{ n: unknown }>(
        `select count(*) as n from (select 1 as one from ${LintCatalog.qualified(table)} limit ${threshold + 1}) as bounded`,
      )
      .execute(this.#database.db);
    return { above: Number(rows[0]?.n ?? 0) > threshold };
  }
}

/**
 * Follows table names through the migration: which live table each operation acts on, which
 * drops are the last step of a rebuild (rows copied into a new table first), and which renames
 * leave the old name in place because the migration creates it again.
 */
export function locateOperations(statements: readonly SqlStatement[]): LocatedOperation[] {
  const ops = statements.flatMap((statement) =>
    parseStatement(statement.sql).map((op) => ({ op, line: lineAt(statement.sql, statement.line, op.at) })),
  );
  type Origin = { live: TableRef } | { created: Extract<LintOperation, { kind: 'create-table' }> } | { gone: true };
  const names: { name: TableRef; origin: Origin }[] = [];
  const originOf = (name: TableRef): Origin => names.findLast((entry) => sameTable(entry.name, name))?.origin ?? { live: name };
  const liveOf = (name: TableRef) => {
    const origin = originOf(name);
    return 'live' in origin ? origin.live : undefined;
  };
  const copies: { from: TableRef; into: Extract<LintOperation, { kind: 'create-table' }> }[] = [];
  const located: LocatedOperation[] = [];
  ops.forEach(({ op, line }, index) => {
    const live = liveOf(op.table);
    switch (op.kind) {
      case 'create-table':
        located.push({ op, line, live: undefined });
        names.push({ name: op.table, origin: { created: op } });
        return;
      case 'insert-select': {
        const target = originOf(op.table);
        const from = liveOf(op.from);
        if (from && 'created' in target) copies.push({ from, into: target.created });
        located.push({ op, line, live });
        return;
      }
      case 'drop-table': {
        const copy = live ? copies.findLast((c) => sameTable(c.from, live)) : undefined;
        located.push({ op, line, live, copiedInto: copy?.into });
        names.push({ name: op.table, origin: { gone: true } });
        return;
      }
      case 'rename-table': {
        const later = ops.slice(index + 1).map((o) => o.op);
        const nameReused = later.some(
          (o) => (o.kind === 'create-table' && sameTable(o.table, op.table)) || (o.kind === 'rename-table' && sameTable(o.to, op.table)),
        );
        located.push({ op, line, live, nameReused });
        names.push({ name: op.to, origin: originOf(op.table) }, { name: op.table, origin: { gone: true } });
        return;
      }
      default:
        located.push({ op, line, live });
    }
  });
  return located;
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
