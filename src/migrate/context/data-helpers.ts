/**
 * Data helpers for `.ts` migrations: rewrite values of a column through a mapping (and produce the
 * check that none of the old values is left), and backfill columns in keyset batches that survive
 * a crash. Both work on SQLite and PostgreSQL alike; they are reached through the migration's
 * context (`context.remapValues`, `context.backfill`, see context.ts) or called directly.
 */
import { createRequire } from 'node:module';
import type cliProgress from 'cli-progress';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { DialectCapabilities } from '../../storage/dialects/capabilities.ts';
import { MigrationInputError } from '../errors.ts';
import type { BackfillOptions } from '../migration.ts';

/** cli-progress, loaded only when a backfill shows a bar (CommonJS, so a synchronous require). */
function loadCliProgress(): typeof cliProgress {
  return createRequire(import.meta.url)('cli-progress') as typeof cliProgress;
}

/** Rows per backfill batch unless `batchSize` says otherwise. */
export const DEFAULT_BACKFILL_BATCH_SIZE = 10_000;

/** Key column of a backfill unless `key` says otherwise. */
export const DEFAULT_BACKFILL_KEY = 'id';

/** Table that keeps the last key of each unfinished backfill, so that a rerun continues where a crash stopped it. */
export const BACKFILL_PROGRESS_TABLE = 'botledger_backfill_progress';

/**
 * Mapping key standing for SQL NULL in {@link remapValues} (a record key cannot be `null`).
 * It starts with a NUL character, which PostgreSQL text cannot hold, so it never collides with a stored value.
 * The empty string needs no special key: `''` maps the empty string.
 *
 * @example
 * await remapValues(db, capabilities, 'trades', 'plugin_id', { [REMAP_NULL]: 'legacy', '': 'legacy' });
 */
export const REMAP_NULL = '\u0000NULL';

const PLAIN_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]*$/;

/**
 * Validates a table name (`name` or `schema.name`) or a column name (`name`) and returns it quoted
 * for SQL. Names are kept as written (quoted), so use them as stored: PostgreSQL folds unquoted
 * names to lower case when a table is created.
 *
 * @example
 * quoteIdentifier('monitoring.positions', 'table'); // '"monitoring"."positions"'
 * quoteIdentifier('x; drop table y', 'column');     // throws MigrationInputError naming "x; drop table y"
 */
export function quoteIdentifier(name: string, what: 'table' | 'column' = 'column'): string {
  const parts = typeof name === 'string' ? name.split('.') : [];
  const tooMany = what === 'table' ? parts.length > 2 : parts.length > 1;
  if (parts.length === 0 || tooMany || !parts.every((part) => PLAIN_IDENTIFIER.test(part))) {
    const shape = what === 'table' ? 'name or schema.name' : 'name';
    throw new MigrationInputError(
      'INVALID_IDENTIFIER',
      `invalid ${what} name ${JSON.stringify(name)}: expected a plain ${shape} made of letters, digits and _ (not starting with a digit)`,
      { identifier: name, kind: what },
    );
  }
  return parts.map((part) => `"${part}"`).join('.');
}

/**
 * A SQL string literal (standard quoting: `'` doubled), for queries that must be plain text such as
 * verify queries. Relies on standard_conforming_strings = on in PostgreSQL (the default since 9.1),
 * where a backslash in a literal is an ordinary character.
 */
export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

export interface RemapOptions {
  /** Raw SQL condition ANDed to the update (and to its verify query), e.g. `side = 'sell'`. */
  readonly where?: string;
  /**
   * Raw SQL expression whose values are looked up in the mapping, when they are not the column's
   * own: seed 003 sets `plugin_id` from `logic_type` (`from: 'lower(trim(logic_type))'`) in one
   * pass. The check then is that no row whose `from` is a key holds anything but its mapped value.
   */
  readonly from?: string;
}

export interface RemapResult {
  /** Rows whose value was rewritten. */
  readonly changed: number;
  /**
   * Query that must return zero rows after the remap: the rows (matching `where`) that still hold an
   * old value which is not also a new value, grouped as `old_value, remaining_rows`. Undefined
   * when the mapping changes nothing.
   */
  readonly verifySql: string | undefined;
}

interface RemapPlan {
  readonly table: string;
  readonly column: string;
  readonly entries: readonly (readonly [string, string])[];
  readonly mapsNull: boolean;
  /** The NULL key's new value, when the mapping has one. */
  readonly nullTo: string | undefined;
  readonly where: string | undefined;
  readonly from: string | undefined;
}

function planRemap(table: string, column: string, mapping: Readonly<Record<string, string>>, options: RemapOptions): RemapPlan {
  const { where } = options;
  const from = options.from?.trim() ? options.from.trim() : undefined;
  const quotedTable = quoteIdentifier(table, 'table');
  const quotedColumn = quoteIdentifier(column, 'column');
  if (mapping === null || typeof mapping !== 'object') {
    throw new MigrationInputError(
      'REMAP_MAPPING_INVALID',
      `remapValues(${table}.${column}): mapping must be an object of old value -> new value`,
    );
  }
  for (const [from, to] of Object.entries(mapping)) {
    if (typeof to !== 'string') {
      throw new MigrationInputError(
        'REMAP_MAPPING_INVALID',
        `remapValues(${table}.${column}): the new value for ${from === REMAP_NULL ? 'NULL' : JSON.stringify(from)} must be a string, got ${to === null ? 'null' : typeof to}`,
        { table, column, from },
      );
    }
  }
  // An entry that maps a value to itself changes nothing and must not count as "old" in the check
  // (unless the values come from another expression: then every entry sets the column).
  const changing = Object.entries(mapping).filter(([key, to]) => from !== undefined || key !== to);
  return {
    table: quotedTable,
    column: quotedColumn,
    entries: changing.filter(([key]) => key !== REMAP_NULL),
    mapsNull: changing.some(([key]) => key === REMAP_NULL),
    nullTo: mapping[REMAP_NULL],
    where: where?.trim() ? where : undefined,
    from,
  };
}

/** With `from`: rows whose source is a key but whose column is not the mapped value. */
function remapFromVerifyQuery(plan: RemapPlan & { from: string }): string | undefined {
  if (plan.entries.length === 0 && !plan.mapsNull) return undefined;
  const keys = plan.entries.length > 0 ? `${plan.from} in (${plan.entries.map(([key]) => quoteLiteral(key)).join(', ')})` : undefined;
  const isKey = [keys, plan.mapsNull ? `${plan.from} is null` : undefined].filter(Boolean).join(' or ');
  const whens = plan.entries.map(([key, to]) => `when ${plan.from} = ${quoteLiteral(key)} then ${quoteLiteral(to)}`);
  if (plan.mapsNull) whens.unshift(`when ${plan.from} is null then ${quoteLiteral(plan.nullTo!)}`);
  const wrong = `(${plan.column} is null or ${plan.column} <> case ${whens.join(' ')} end)`;
  // `where` first: after the update most rows no longer match it, so the rest is rarely evaluated.
  const filter = [plan.where ? `(${plan.where})` : undefined, `(${isKey})`, wrong].filter(Boolean).join(' and ');
  return `select ${plan.from} as old_value, count(*) as remaining_rows from ${plan.table} where ${filter} group by ${plan.from}`;
}

function remapVerifyQuery(plan: RemapPlan): string | undefined {
  if (plan.from !== undefined) return remapFromVerifyQuery({ ...plan, from: plan.from });
  // A NULL key always maps to a string, so NULL is never also a new value; any other old value may be.
  const newValues = new Set(plan.entries.map(([, to]) => to));
  const olds = plan.entries.map(([from]) => from).filter((from) => !newValues.has(from));
  const conditions = [
    ...(olds.length > 0 ? [`${plan.column} in (${olds.map(quoteLiteral).join(', ')})`] : []),
    ...(plan.mapsNull ? [`${plan.column} is null`] : []),
  ];
  if (conditions.length === 0) return undefined;
  const matchOld = conditions.length === 1 ? conditions[0] : `(${conditions.join(' or ')})`;
  const filter = plan.where ? `${matchOld} and (${plan.where})` : matchOld;
  return `select ${plan.column} as old_value, count(*) as remaining_rows from ${plan.table} where ${filter} group by ${plan.column}`;
}

/**
 * The verify query {@link remapValues} produces, without running anything (for plans and docs).
 *
 * @example
 * remapVerifySql('orders', 'status', { amo: 'pending', rejected: 'failed' });
 * // select "status" as old_value, count(*) as remaining_rows from "orders" where "status" in ('amo', 'rejected') group by "status"
 */
export function remapVerifySql(
  table: string,
  column: string,
  mapping: Readonly<Record<string, string>>,
  options: RemapOptions = {},
): string | undefined {
  return remapVerifyQuery(planRemap(table, column, mapping, options));
}

/**
 * Rewrites `table.column` through `mapping` (old value -> new value) in ONE update, so chained
 * entries (`a -> b`, `b -> c`) map each row once, by its original value. Values are bound as
 * parameters; identifiers are validated and quoted; `where` is raw SQL ANDed in. Use the key
 * {@link REMAP_NULL} to map NULL and `''` to map the empty string. In PostgreSQL the new values
 * take the column's type (text, varchar, an enum...).
 *
 * Returns the rows changed and the verify query that must then return zero rows (see {@link RemapResult}).
 *
 * @example
 * // seed 004: nine statuses down to five
 * const { changed, verifySql } = await remapValues(db, capabilities, 'orders', 'status', {
 *   amo: 'pending', pending_execution: 'pending', retry_pending: 'failed', rejected: 'failed',
 * });
 */
export async function remapValues(
  db: Kysely<any>,
  _capabilities: DialectCapabilities,
  table: string,
  column: string,
  mapping: Readonly<Record<string, string>>,
  options: RemapOptions = {},
): Promise<RemapResult> {
  const plan = planRemap(table, column, mapping, options);
  const verifySql = remapVerifyQuery(plan);
  if (plan.entries.length === 0 && !plan.mapsNull) return { changed: 0, verifySql };
  const col = sql.raw(plan.column);
  const source = plan.from === undefined ? col : sql.raw(`(${plan.from})`);
  const whens: RawBuilder<unknown>[] = plan.entries.map(([key, to]) => sql`when ${source} = ${key} then ${to}`);
  if (plan.mapsNull) whens.unshift(sql`when ${source} is null then ${plan.nullTo}`);
  // `else col` gives the CASE the column's type, so PostgreSQL coerces the bound values to it (enums included).
  const caseExpr = sql`case ${sql.join(whens, sql` `)} else ${col} end`;
  const matches: RawBuilder<unknown>[] = [];
  if (plan.entries.length > 0) matches.push(sql`${source} in (${sql.join(plan.entries.map(([key]) => key))})`);
  if (plan.mapsNull) matches.push(sql`${source} is null`);
  const matchOld = sql`(${sql.join(matches, sql` or `)})`;
  const filter = plan.where ? sql`${matchOld} and (${sql.raw(plan.where)})` : matchOld;
  const result = await sql`update ${sql.raw(plan.table)} set ${col} = ${caseExpr} where ${filter}`.execute(db);
  return { changed: Number(result.numAffectedRows ?? 0n), verifySql };
}

/** One committed batch of a backfill, as reported to `onBatch`. */
export interface BackfillBatch {
  /** 1-based number of the batch within this run. */
  readonly batch: number;
  /** Rows updated by this batch. */
  readonly rows: number;
  /** The highest key of this batch (saved as the resume point). */
  readonly lastKey: unknown;
  /** Rows updated so far in this run. */
  readonly total: number;
}

export interface BackfillHelperOptions extends BackfillOptions {
  /** Show a progress bar on stderr (only ever when stderr is a terminal). Default true. */
  readonly progress?: boolean;
  /** Names this backfill's row in {@link BACKFILL_PROGRESS_TABLE}. Default `<table>:<columns>`. */
  readonly progressKey?: string;
  /**
   * Commit each batch on its own (with its progress row) so a crash resumes after the last
   * committed batch. Default: true unless `db` is already a transaction, in which case the whole
   * backfill commits or rolls back with it.
   */
  readonly batchTransactions?: boolean;
  /** Called after each batch is committed; throwing from it stops the backfill with its progress saved. */
  readonly onBatch?: (batch: BackfillBatch) => void | Promise<void>;
  /** Stop after this many batches, leaving the progress row as a crash would (for tests and dry runs). */
  readonly maxBatches?: number;
}

/**
 * Whether a backfill draws its progress bar: only when the stream (stderr) is a terminal, so logs
 * and pipes never get escape codes, and never when `progress` is false.
 *
 * @example
 * showsProgressBar(undefined, process.stderr); // true in an interactive shell, false under CI
 */
export function showsProgressBar(progress: boolean | undefined, stream: { readonly isTTY?: boolean } = process.stderr): boolean {
  return progress !== false && stream.isTTY === true;
}

async function ensureProgressTable(db: Kysely<any>): Promise<void> {
  await sql`create table if not exists ${sql.raw(BACKFILL_PROGRESS_TABLE)} (progress_key text primary key, last_key text, updated_at text)`.execute(
    db,
  );
}

async function readResumeKey(db: Kysely<any>, progressKey: string): Promise<unknown> {
  const { rows } = await sql<{
    last_key: string | null;
  }>`select last_key from ${sql.raw(BACKFILL_PROGRESS_TABLE)} where progress_key = ${progressKey}`.execute(db);
  // Stored as JSON so an integer key comes back as a number and a text key as a string (SQLite compares them differently).
  return rows[0]?.last_key == null ? undefined : JSON.parse(rows[0].last_key);
}

async function saveResumeKey(db: Kysely<any>, progressKey: string, lastKey: unknown): Promise<void> {
  const value = JSON.stringify(typeof lastKey === 'bigint' ? lastKey.toString() : lastKey);
  await sql`insert into ${sql.raw(BACKFILL_PROGRESS_TABLE)} (progress_key, last_key, updated_at) values (${progressKey}, ${value}, ${new Date().toISOString()})
    on conflict (progress_key) do update set last_key = excluded.last_key, updated_at = excluded.updated_at`.execute(db);
}

function positiveInteger(value: number | undefined, fallback: number, name: string, table: string): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new MigrationInputError(
      'BACKFILL_OPTION_INVALID',
      `backfill(${table}): ${name} must be a positive integer, got ${String(value)}`,
      { table, option: name },
    );
  }
  return value;
}

/**
 * Sets columns of `table` in keyset batches ordered by `key` (default `id`; integer or text, NOT
 * NULL, ideally indexed): each batch is `key > <last key> and key <= <highest key of the next batchSize rows>`,
 * ANDed with `where`. `set` maps a column to a raw SQL expression (`{ plugin_id: "coalesce(logic_type, 'legacy')" }`).
 *
 * Resumable: the last key is written to {@link BACKFILL_PROGRESS_TABLE} in each batch's transaction,
 * so after a crash a rerun continues after the last committed batch and never redoes it; the row is
 * deleted once the backfill completes. Inside a transaction (a transactional migration) everything
 * rolls back together instead, which is just as correct. A progress bar goes to stderr when it is a
 * terminal and `progress` is not false.
 *
 * A key need not be unique: rows sharing a batch's last key all go into that batch (which may then
 * be larger than `batchSize`). Rows whose key is NULL are never visited.
 *
 * Returns the rows updated by this run.
 *
 * @example
 * const rows = await backfill(db, capabilities, 'trades', { plugin_id: "coalesce(logic_type, 'legacy')" }, {
 *   batchSize: 5_000, where: 'plugin_id is null', progressKey: 'core:0007:trades',
 * });
 */
export async function backfill(
  db: Kysely<any>,
  _capabilities: DialectCapabilities,
  table: string,
  set: Readonly<Record<string, string>>,
  options: BackfillHelperOptions = {},
): Promise<number> {
  const quotedTable = quoteIdentifier(table, 'table');
  const key = sql.raw(quoteIdentifier(options.key ?? DEFAULT_BACKFILL_KEY, 'column'));
  const batchSize = positiveInteger(options.batchSize, DEFAULT_BACKFILL_BATCH_SIZE, 'batchSize', table);
  const maxBatches = positiveInteger(options.maxBatches, Number.MAX_SAFE_INTEGER, 'maxBatches', table);
  const columns = Object.entries(set ?? {});
  if (columns.length === 0) throw new MigrationInputError('BACKFILL_OPTION_INVALID', `backfill(${table}): set names no column`, { table });
  const assignments = columns.map(([column, expression]) => {
    if (typeof expression !== 'string' || !expression.trim()) {
      throw new MigrationInputError(
        'BACKFILL_OPTION_INVALID',
        `backfill(${table}): the expression for column ${column} must be non-empty SQL`,
        { table, column },
      );
    }
    return sql`${sql.raw(quoteIdentifier(column, 'column'))} = ${sql.raw(expression)}`;
  });
  const progressKey = options.progressKey ?? `${table}:${columns.map(([column]) => column).join(',')}`;
  const where = options.where?.trim() ? sql`and (${sql.raw(options.where)})` : sql``;
  const after = (last: unknown) => (last === undefined ? sql`` : sql`and ${key} > ${last}`);
  const perBatch = options.batchTransactions ?? !db.isTransaction;

  await ensureProgressTable(db);
  let last = await readResumeKey(db, progressKey);
  const bar = showsProgressBar(options.progress)
    ? new (loadCliProgress().SingleBar)(
        { stream: process.stderr, format: `backfill ${table} [{bar}] {value}/{total} rows | {eta_formatted}` },
        loadCliProgress().Presets.shades_classic,
      )
    : undefined;
  if (bar) {
    const { rows } = await sql<{
      n: number | string;
    }>`select count(*) as n from ${sql.raw(quotedTable)} where 1 = 1 ${after(last)} ${where}`.execute(db);
    bar.start(Number(rows[0].n), 0);
  }
  let total = 0;
  try {
    for (let batch = 1; ; batch++) {
      const step = async (tx: Kysely<any>) => {
        const { rows } = await sql<{ upper: unknown }>`select max(k) as upper from (select ${key} as k from ${sql.raw(quotedTable)}
          where 1 = 1 ${after(last)} ${where} order by ${key} limit ${sql.lit(batchSize)}) as next_batch`.execute(tx);
        const upper = rows[0]?.upper ?? undefined;
        if (upper === undefined) return undefined;
        const result =
          await sql`update ${sql.raw(quotedTable)} set ${sql.join(assignments)} where ${key} <= ${upper} ${after(last)} ${where}`.execute(
            tx,
          );
        await saveResumeKey(tx, progressKey, upper);
        return { upper, rows: Number(result.numAffectedRows ?? 0n) };
      };
      const done = perBatch ? await db.transaction().execute(step) : await step(db);
      if (!done) break;
      last = done.upper;
      total += done.rows;
      bar?.increment(done.rows);
      await options.onBatch?.({ batch, rows: done.rows, lastKey: done.upper, total });
      if (batch >= maxBatches) return total;
    }
    await sql`delete from ${sql.raw(BACKFILL_PROGRESS_TABLE)} where progress_key = ${progressKey}`.execute(db);
    return total;
  } finally {
    bar?.stop();
  }
}
