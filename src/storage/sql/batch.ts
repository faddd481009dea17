/**
 * Multi-row statements shared by the repositories: one INSERT per table per batch, and one
 * versioned UPDATE ... FROM (VALUES ...) per table per batch. The SQL text depends only on the
 * table, the columns and the row count, so it is prepared once and reused (executor.ts).
 */
import type { DialectCapabilities } from '../dialects/capabilities.ts';
import { StaleRowError } from '../stale-row-error.ts';
import type { Row, SqlExecutor } from './executor.ts';

/** Rows per statement: well under SQLite's and PostgreSQL's limits on bound parameters. */
const MAX_PARAMETERS = 30_000;

/** `?, ?, ?` */
export function placeholders(count: number): string {
  return Array.from({ length: count }, () => '?').join(', ');
}

/** Splits rows so that no statement binds more than {@link MAX_PARAMETERS} values. */
function chunks<T>(rows: readonly T[], width: number): T[][] {
  const size = Math.max(1, Math.floor(MAX_PARAMETERS / width));
  const out: T[][] = [];
  for (let start = 0; start < rows.length; start += size) out.push(rows.slice(start, start + size));
  return out;
}

/**
 * Inserts rows with one statement per chunk; `write` pushes one row's values, in `columns` order,
 * onto the statement's parameters (one flat array: no array per row on the hot path). `suffix` is
 * appended (`on conflict ... do nothing`, `returning id`). Resolves to the rows RETURNING gave.
 *
 * @example
 * await insertMany(q, 'fills', ['order_id', 'exchange_trade_id'], fills, (f, out) => out.push(f.orderId, f.tradeId), 'on conflict (order_id, exchange_trade_id) do nothing');
 */
export async function insertMany<T>(
  q: SqlExecutor,
  table: string,
  columns: readonly string[],
  rows: readonly T[],
  write: (row: T, out: unknown[]) => void,
  suffix = '',
): Promise<Row[]> {
  const returned: Row[] = [];
  const returning = /\breturning\b/i.test(suffix);
  for (const chunk of chunks(rows, columns.length)) {
    const sql = cachedText(`i|${table}|${columns.length}|${chunk.length}|${suffix}`, () => {
      const row = `(${placeholders(columns.length)})`;
      return `insert into ${table} (${columns.join(', ')}) values ${chunk.map(() => row).join(', ')}${suffix ? ` ${suffix}` : ''}`;
    });
    const params: unknown[] = [];
    for (const row of chunk) write(row, params);
    if (returning) returned.push(...(await q.all(sql, params)));
    else await q.run(sql, params);
  }
  return returned;
}

/** Statement texts by shape: building a thousand-row text for every batch would cost more than running it. */
const texts = new Map<string, string>();
const MAX_TEXTS = 5_000;

function cachedText(key: string, make: () => string): string {
  let text = texts.get(key);
  if (text === undefined) {
    if (texts.size >= MAX_TEXTS) texts.clear();
    text = make();
    texts.set(key, text);
  }
  return text;
}

/**
 * The stored versions of rows, locked where the dialect has row locks: what a unit of work checks
 * before it updates rows it did not load itself (the caller read them earlier).
 */
export async function lockedVersions(q: SqlExecutor, caps: DialectCapabilities, table: string, key: string, keys: readonly string[]): Promise<Map<string, number>> {
  const list = [...new Set(keys)].sort();
  if (list.length === 0) return new Map();
  const rows = await q.all<{ k: unknown; v: unknown }>(`select ${key} as k, version as v from ${table} where ${key} in (${placeholders(list.length)}) order by ${key}${caps.rowLocks ? ' for update' : ''}`, list);
  return new Map(rows.map((row) => [String(row.k), Number(row.v)]));
}

/** A column a versioned update writes, with the SQL type its VALUES entry is cast to. */
export interface UpdateColumn {
  readonly name: string;
  readonly type: (caps: DialectCapabilities) => string;
}

/** One row of a versioned update: its key, the version it was read at, the version it gets, its new values. */
export interface VersionedRow {
  readonly key: string;
  readonly expectedVersion: number;
  readonly newVersion: number;
  readonly values: readonly unknown[];
}

/**
 * Writes every row whose stored version is still `expectedVersion`, setting `newVersion`, in one
 * UPDATE ... FROM (VALUES ...) per chunk; throws {@link StaleRowError} naming the rows that had
 * moved (and the whole transaction rolls back). A single update is a batch of one.
 *
 * @example
 * await updateManyVersioned(q, caps, 'bots', 'id', [{ name: 'status', type: () => 'text' }], [{ key: 'b1', expectedVersion: 3, newVersion: 4, values: ['stopped'] }]);
 */
export async function updateManyVersioned(
  q: SqlExecutor,
  caps: DialectCapabilities,
  table: string,
  key: string,
  columns: readonly UpdateColumn[],
  rows: readonly VersionedRow[],
  describe: (key: string) => string = (id) => `${table}.${key} ${id}`,
): Promise<void> {
  // VALUES columns are column1, column2, ... on both dialects (SQLite takes no column list after the alias).
  const column = (index: number) => `v.column${index + 1}`;
  const width = 3 + columns.length;
  for (const chunk of chunks(rows, width)) {
    const sql = cachedText(`u|${table}|${key}|${columns.map((c) => c.name).join(',')}|${caps.moneyType}|${chunk.length}`, () => {
      const sets = columns.map((c, index) => `${c.name} = cast(${column(index + 3)} as ${c.type(caps)})`);
      const values = chunk.map(() => `(${placeholders(width)})`).join(', ');
      return `update ${table} set ${sets.map((set) => `${set}, `).join('')}version = cast(${column(2)} as integer) from (values ${values}) as v where ${table}.${key} = ${column(0)} and ${table}.version = cast(${column(1)} as integer)`;
    });
    const params: unknown[] = [];
    for (const row of chunk) params.push(row.key, row.expectedVersion, row.newVersion, ...row.values);
    const changed = await q.run(sql, params);
    if (changed !== chunk.length) {
      // Lost a race: find which rows moved, to name them (the transaction is rolled back anyway).
      const stored = await q.all<{ k: unknown; v: unknown }>(`select ${key} as k, version as v from ${table} where ${key} in (${placeholders(chunk.length)})`, chunk.map((row) => row.key));
      const now = new Map(stored.map((row) => [String(row.k), Number(row.v)]));
      const moved = chunk.filter((row) => now.get(row.key) !== row.newVersion);
      // A row another writer moved to the very version we meant to write cannot be told apart: name them all then.
      const stale = moved.length > 0 ? moved : chunk;
      throw new StaleRowError(
        `${stale.map((row) => `${describe(row.key)} (read at version ${row.expectedVersion})`).join(', ')} changed while this transaction was updating ${stale.length === 1 ? 'it' : 'them'}: ${chunk.length - changed} of ${chunk.length} ${table} rows were stale`,
      );
    }
  }
}
