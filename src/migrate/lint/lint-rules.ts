/**
 * The lint rules: what each one is for (LINT_RULES, shown by `migrate lint` and in the docs) and
 * how it checks a migration against the live data (LINT_RULE_CHECKS). Counts come from the
 * database through LintCatalog, so a finding says how many rows or values a change would hurt.
 */
import type { LintCatalog } from './lint-catalog.ts';
import { type ColumnType, isBoundedVarchar, isUnboundedText, type LintOperation, maskSql, type TableRef, tableLabel } from './lint-sql.ts';
import type { LocatedOperation } from './locate-operations.ts';

/** Every rule, with why it exists. */
export const LINT_RULES = [
  {
    name: 'narrowed-column',
    why: 'Narrowing a column (VARCHAR(n) to a smaller n, TEXT to VARCHAR(n)) makes every stored value that no longer fits fail the migration or be cut, and refuses or cuts longer values from then on; seed 002 lost the end of its error messages to exit_reason VARCHAR(100).',
  },
  {
    name: 'values-at-limit',
    why: 'Values exactly as long as their VARCHAR limit, in a column whose other values are shorter, were most likely cut to fit (seed 002: exit_reason values of exactly 100 characters). Widen the column, and find out what was lost before more is.',
  },
  {
    name: 'drop-with-data',
    why: 'Dropping a column or a table that holds data loses it for good; only a backup brings it back. Copy what is still needed first, or drop it in a later release once nothing reads it.',
  },
  {
    name: 'not-null-without-default',
    why: 'Existing rows have no value for the column, so the database refuses the change half-way through a deploy. Add the column nullable, backfill it, then add NOT NULL; or give it a constant default.',
  },
  {
    name: 'non-concurrent-index',
    why: 'CREATE INDEX without CONCURRENTLY locks the table against every write until the index is built; on a large table bots cannot record orders or fills meanwhile. Use CREATE INDEX CONCURRENTLY in a migration with -- migrate:no-transaction.',
  },
  {
    name: 'rename-breaks-code',
    why: 'Code that is still running uses the old name and fails the moment the rename commits. Expand and contract instead: add the new name, copy the data, switch the code, and drop the old name in a later migration.',
  },
  {
    name: 'volatile-default',
    why: 'A non-constant default on a new column rewrites the whole table under an exclusive lock (PostgreSQL: random(), clock_timestamp(), gen_random_uuid(), ...), stamps every existing row with the time of the migration (now(), CURRENT_TIMESTAMP), or is refused on a table with rows (SQLite: any non-constant default in ADD COLUMN).',
  },
] as const satisfies readonly { name: string; why: string }[];

export type LintRuleName = (typeof LINT_RULES)[number]['name'];

/** What a rule's check sees. */
export interface LintRuleContext {
  readonly catalog: LintCatalog;
  readonly located: readonly LocatedOperation[];
  readonly largeTableRows: number;
}

type Hit = { line: number; message: string };
type Located<K extends LintOperation['kind']> = LocatedOperation & { op: Extract<LintOperation, { kind: K }> };

function ofKind<K extends LintOperation['kind']>(located: readonly LocatedOperation[], kind: K): Located<K>[] {
  return located.filter((entry): entry is Located<K> => entry.op.kind === kind);
}

const q = (name: string) => `"${name.replaceAll('"', '""')}"`;
const textLength = (column: string) => `length(cast(${q(column)} as text))`;
const countWhere = (condition: string) => `sum(case when ${condition} then 1 else 0 end)`;
const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** The line of a create-table operation (rebuild findings point at the new table's definition). */
function lineOf(located: readonly LocatedOperation[], op: LintOperation): number {
  return located.find((entry) => entry.op === op)?.line ?? 0;
}

/** Column changes that may narrow: ALTER ... TYPE, and the columns of a rebuilt table's new definition. */
function typeChanges(located: readonly LocatedOperation[]): { live: TableRef; column: string; type: ColumnType; line: number }[] {
  const changes = ofKind(located, 'alter-type')
    .filter((entry) => entry.live)
    .map((entry) => ({ live: entry.live!, column: entry.op.column, type: entry.op.type, line: entry.line }));
  for (const drop of ofKind(located, 'drop-table')) {
    if (!drop.live || !drop.copiedInto) continue;
    for (const column of drop.copiedInto.columns) {
      if (column.type) changes.push({ live: drop.live, column: column.name, type: column.type, line: lineOf(located, drop.copiedInto) });
    }
  }
  return changes;
}

async function narrowedColumn({ catalog, located }: LintRuleContext): Promise<Hit[]> {
  const hits: Hit[] = [];
  for (const change of typeChanges(located)) {
    if (!isBoundedVarchar(change.type)) continue;
    const current = await catalog.column(change.live, change.column);
    if (!current) continue;
    const limit = change.type.length;
    if (isBoundedVarchar(current.type) && current.type.length <= limit) continue;
    const textual = isUnboundedText(current.type) || isBoundedVarchar(current.type);
    const { over, longest } = await catalog.aggregates(change.live, {
      over: countWhere(`${textLength(current.name)} > ${limit}`),
      longest: `max(${textLength(current.name)})`,
    });
    if (!textual && over === 0) continue;
    const name = `${tableLabel(change.live)}.${current.name}`;
    const from = current.type?.raw ?? 'its current type';
    hits.push({
      line: change.line,
      message:
        over > 0
          ? `${plural(over, 'value', 'values')} of ${name} ${over === 1 ? 'is' : 'are'} longer than ${limit} characters and would not fit in ${change.type.raw} (the longest has ${longest}); ${name} is ${from} now`
          : `${name} narrows from ${from} to ${change.type.raw}: no stored value is longer than ${limit} characters yet, but longer ones written later will be refused or cut`,
    });
  }
  return hits;
}

async function valuesAtLimit({ catalog, located }: LintRuleContext): Promise<Hit[]> {
  const touched = new Map<string, { table: TableRef; line: number }>();
  for (const entry of located) {
    const alters = entry.op.kind === 'alter-table' || (entry.op.kind === 'drop-table' && entry.copiedInto);
    if (!alters || !entry.live) continue;
    const key = tableLabel(entry.live);
    if (!touched.has(key)) touched.set(key, { table: entry.live, line: entry.line });
  }
  const changes = typeChanges(located);
  const hits: Hit[] = [];
  for (const { table, line } of touched.values()) {
    const columns = (await catalog.columns(table))?.filter((column) => isBoundedVarchar(column.type)) ?? [];
    if (columns.length === 0) continue;
    const counts = await catalog.aggregates(
      table,
      Object.fromEntries(
        columns.flatMap((column, i) => [
          [`at${i}`, countWhere(`${textLength(column.name)} = ${column.type!.length}`)],
          [`shorter${i}`, countWhere(`${textLength(column.name)} < ${column.type!.length}`)],
        ]),
      ),
    );
    for (const [i, column] of columns.entries()) {
      const atLimit = counts[`at${i}`];
      // Every value at the limit and none shorter is fixed-length data (ids, codes), not truncation.
      if (!atLimit || counts[`shorter${i}`] === 0) continue;
      const limit = column.type!.length!;
      const change = changes.find((c) => sameName(c, table, column.name));
      const widened = change && (isUnboundedText(change.type) || (isBoundedVarchar(change.type) && change.type.length > limit));
      hits.push({
        line: change?.line ?? line,
        message:
          `${plural(atLimit, 'value', 'values')} of ${tableLabel(table)}.${column.name} ${atLimit === 1 ? 'is' : 'are'} exactly ${limit} characters long, ` +
          `the limit of ${column.type!.raw}: probably cut to fit` +
          (widened
            ? '; widening the column keeps new values whole but cannot bring back what was already cut'
            : '; widen the column (e.g. to text) before more are cut'),
      });
    }
  }
  return hits;
}

function sameName(change: { live: TableRef; column: string }, table: TableRef, column: string): boolean {
  return tableLabel(change.live) === tableLabel(table) && change.column.toLowerCase() === column.toLowerCase();
}

async function dropWithData({ catalog, located }: LintRuleContext): Promise<Hit[]> {
  const hits: Hit[] = [];
  for (const entry of ofKind(located, 'drop-column')) {
    const column = entry.live && (await catalog.column(entry.live, entry.op.column));
    if (!entry.live || !column) continue;
    const { values } = await catalog.aggregates(entry.live, { values: `count(${q(column.name)})` });
    if (values > 0)
      hits.push({
        line: entry.line,
        message: `dropping column ${tableLabel(entry.live)}.${column.name} discards ${plural(values, 'non-null value', 'non-null values')}`,
      });
  }
  for (const entry of ofKind(located, 'drop-table')) {
    const columns = entry.live && (await catalog.columns(entry.live));
    if (!entry.live || !columns) continue;
    if (!entry.copiedInto) {
      const rows = await catalog.count(entry.live);
      if (rows > 0)
        hits.push({ line: entry.line, message: `dropping table ${tableLabel(entry.live)} discards ${plural(rows, 'row', 'rows')}` });
      continue;
    }
    // A rebuild: the rows were copied into a new table; the columns it leaves out are what is lost.
    const kept = new Set(entry.copiedInto.columns.map((column) => column.name.toLowerCase()));
    if (kept.size === 0) continue;
    for (const column of columns.filter((c) => !kept.has(c.name.toLowerCase()))) {
      const { values } = await catalog.aggregates(entry.live, { values: `count(${q(column.name)})` });
      if (values > 0) {
        hits.push({
          line: entry.line,
          message: `rebuilding ${tableLabel(entry.live)} as ${tableLabel(entry.copiedInto.table)} without column ${column.name} discards ${plural(values, 'non-null value', 'non-null values')}`,
        });
      }
    }
  }
  return hits;
}

async function notNullWithoutDefault({ catalog, located }: LintRuleContext): Promise<Hit[]> {
  const hits: Hit[] = [];
  for (const entry of ofKind(located, 'add-column')) {
    const { op, live } = entry;
    const noDefault = op.defaultExpression === undefined || /^\(*\s*null\s*\)*$/i.test(op.defaultExpression);
    if (!live || !op.notNull || op.generated || !noDefault || !(await catalog.columns(live))) continue;
    const rows = await catalog.count(live);
    if (rows > 0) {
      hits.push({
        line: entry.line,
        message: `adding ${tableLabel(live)}.${op.column} as NOT NULL without a default fails: ${tableLabel(live)} has ${plural(rows, 'row', 'rows')} and none has a value for it; add it nullable, backfill, then set NOT NULL (or give it a constant default)`,
      });
    }
  }
  for (const entry of ofKind(located, 'set-not-null')) {
    const column = entry.live && (await catalog.column(entry.live, entry.op.column));
    if (!entry.live || !column) continue;
    const nulls = await catalog.count(entry.live, `${q(column.name)} is null`);
    if (nulls > 0) {
      hits.push({
        line: entry.line,
        message: `${plural(nulls, 'row', 'rows')} of ${tableLabel(entry.live)} ${nulls === 1 ? 'has' : 'have'} NULL in ${column.name}, so SET NOT NULL fails; fill ${nulls === 1 ? 'it' : 'them'} first (context.backfill) or add a default`,
      });
    }
  }
  return hits;
}

async function nonConcurrentIndex({ catalog, located, largeTableRows }: LintRuleContext): Promise<Hit[]> {
  if (!catalog.capabilities.concurrentIndexes) return [];
  const hits: Hit[] = [];
  for (const entry of ofKind(located, 'create-index')) {
    if (entry.op.concurrently || !entry.live || !(await catalog.columns(entry.live))) continue;
    const { above, about } = await catalog.rowsAbove(entry.live, largeTableRows);
    if (!above) continue;
    const size = about === undefined ? `more than ${largeTableRows} rows` : `about ${about} rows, more than ${largeTableRows}`;
    const index = entry.op.name ? `index ${entry.op.name}` : 'an index';
    hits.push({
      line: entry.line,
      message: `creating ${index} on ${tableLabel(entry.live)} (${size}) without CONCURRENTLY blocks writes to ${tableLabel(entry.live)} until it is built; use CREATE INDEX CONCURRENTLY in a migration with -- migrate:no-transaction`,
    });
  }
  return hits;
}

async function renameBreaksCode({ catalog, located }: LintRuleContext): Promise<Hit[]> {
  const hits: Hit[] = [];
  for (const entry of ofKind(located, 'rename-column')) {
    const column = entry.live && (await catalog.column(entry.live, entry.op.from));
    if (!entry.live || !column) continue;
    const { from, to } = entry.op;
    hits.push({
      line: entry.line,
      message: `renaming ${tableLabel(entry.live)}.${from} to ${to} breaks running code that still reads or writes ${from}; add ${to}, copy ${from} into it, switch the code, then drop ${from} in a later migration`,
    });
  }
  for (const entry of ofKind(located, 'rename-table')) {
    if (!entry.live || entry.nameReused || !(await catalog.columns(entry.live))) continue;
    const from = tableLabel(entry.live);
    const to = tableLabel(entry.op.to);
    hits.push({
      line: entry.line,
      message: `renaming table ${from} to ${to} breaks running code that still uses ${from}; create ${to}, copy the rows, switch the code, then drop ${from} in a later migration (or keep a view named ${from} meanwhile)`,
    });
  }
  return hits;
}

const VOLATILE_FUNCTIONS =
  /\b(random|random_normal|clock_timestamp|timeofday|gen_random_uuid|uuid_generate_v1|uuid_generate_v1mc|uuid_generate_v4|nextval|setseed)\s*\(/i;
const TIME_OF_MIGRATION =
  /\b(now\s*\(|transaction_timestamp\s*\(|statement_timestamp\s*\(|current_timestamp\b|current_date\b|current_time\b|localtimestamp\b|localtime\b)/i;
const LITERAL =
  /^(?:[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?|[eExX]?'(?:[^']|'')*'|null|true|false)(?:\s*::\s*[a-z_][\w ]*(?:\(\s*\d+(?:\s*,\s*\d+)?\s*\))?)?$/i;

/** A literal (optionally cast or parenthesised): the same value for every row, computed once. */
export function isConstantDefault(expression: string): boolean {
  let text = expression.trim();
  while (text.startsWith('(') && text.endsWith(')')) text = text.slice(1, -1).trim();
  return LITERAL.test(text);
}

/**
 * Dialects without ALTER COLUMN TYPE (SQLite) have the restricted ALTER TABLE that also refuses a
 * non-constant default in ADD COLUMN once the table has rows. A capability of its own would say
 * this more directly; until then this is the one place that relies on the link.
 */
function refusesExpressionDefaults(catalog: LintCatalog): boolean {
  return !catalog.capabilities.alterColumnType;
}

async function volatileDefault({ catalog, located }: LintRuleContext): Promise<Hit[]> {
  const hits: Hit[] = [];
  for (const entry of ofKind(located, 'add-column')) {
    const { op, live } = entry;
    if (!live || op.defaultExpression === undefined || isConstantDefault(op.defaultExpression)) continue;
    const code = maskSql(op.defaultExpression);
    const refused = refusesExpressionDefaults(catalog);
    const volatile = VOLATILE_FUNCTIONS.test(code);
    const stamped = TIME_OF_MIGRATION.test(code);
    if (!refused && !volatile && !stamped) continue;
    if (!(await catalog.columns(live))) continue;
    const rows = await catalog.count(live);
    if (rows === 0) continue;
    const table = tableLabel(live);
    const expression = op.defaultExpression;
    let message: string;
    if (refused) {
      message = `adding ${table}.${op.column} with DEFAULT ${expression} is refused on a table with rows ("Cannot add a column with non-constant default"), and ${table} has ${plural(rows, 'row', 'rows')}; add it with a constant default or none, then backfill it`;
    } else if (volatile) {
      message = `DEFAULT ${expression} is volatile: adding ${table}.${op.column} rewrites all ${plural(rows, 'row', 'rows')} of ${table} under a lock that blocks reads and writes; add the column without a default, backfill it in batches (context.backfill), then set the default`;
    } else {
      message = `DEFAULT ${expression} is evaluated once: all ${plural(rows, 'existing row', 'existing rows')} of ${table} get the time of the migration in ${op.column}, not a real value; add it without a default, backfill real values, then set the default`;
    }
    hits.push({ line: entry.line, message });
  }
  return hits;
}

/** The check of each rule. */
export const LINT_RULE_CHECKS: Record<LintRuleName, (context: LintRuleContext) => Promise<Hit[]>> = {
  'narrowed-column': narrowedColumn,
  'values-at-limit': valuesAtLimit,
  'drop-with-data': dropWithData,
  'not-null-without-default': notNullWithoutDefault,
  'non-concurrent-index': nonConcurrentIndex,
  'rename-breaks-code': renameBreaksCode,
  'volatile-default': volatileDefault,
};
