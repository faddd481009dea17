/**
 * Conversions between domain values and column values that hold on both dialects, so no repository
 * branches on the dialect (ARCHITECTURE.md, decision 7):
 * - money: canonical decimal strings in; out, PostgreSQL's numeric "1.500000000000000000" becomes "1.5";
 * - instants: ISO-8601 UTC strings in (they sort correctly as SQLite TEXT); pg's Date objects out as ISO;
 * - JSON: serialized by us (pg would turn a JS array into a PostgreSQL array), read back as text
 *   with `cast(col as text)` so a JSON string value is never mistaken for serialized JSON;
 * - booleans: bound as 1/0 (better-sqlite3 cannot bind booleans; PostgreSQL's boolean accepts '1'/'0');
 * - bigint and autoincrement ids: strings.
 */
import { type Expression, type ExpressionBuilder, type RawBuilder, sql } from 'kysely';
import { assertFitsMoneyColumn, formatDecimal, normalizeDecimal } from '../../domain/money.ts';

/** A money value for a column: checked to fit NUMERIC(38,18), canonical. Names `field` on error. */
export function moneyIn(value: string, field: string): string {
  const normalized = normalizeDecimal(value, field);
  assertFitsMoneyColumn(normalized, field);
  return normalized;
}

/** Like {@link moneyIn}, passing null through. */
export function moneyInOrNull(value: string | null | undefined, field: string): string | null {
  return value == null ? null : moneyIn(value, field);
}

/** A money column's value as a canonical decimal string. */
export function moneyOut(value: unknown): string {
  return formatDecimal(String(value));
}

export function moneyOutOrNull(value: unknown): string | null {
  return value == null ? null : moneyOut(value);
}

/** An instant for a column: ISO-8601 UTC with milliseconds. Names `field` on error. */
export function timeIn(value: string | Date, field: string): string {
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) throw new TypeError(`${field} must be an ISO-8601 instant, got "${String(value)}"`);
  return date.toISOString();
}

export function timeInOrNull(value: string | Date | null | undefined, field: string): string | null {
  return value == null ? null : timeIn(value, field);
}

/** A timestamp column's value (a Date from pg, ISO text from SQLite) as ISO-8601 UTC. */
export function timeOut(value: unknown): string {
  return value instanceof Date ? value.toISOString() : new Date(String(value)).toISOString();
}

export function timeOutOrNull(value: unknown): string | null {
  return value == null ? null : timeOut(value);
}

/** JSON for a column (null stays SQL NULL). */
export function jsonIn(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

/** Selects a JSON column as its text, under the same name. */
export function jsonSelect(column: string): RawBuilder<string | null> {
  return sql<string | null>`cast(${sql.ref(column)} as text)`;
}

export function jsonOut<T = unknown>(value: unknown): T | null {
  return value == null ? null : (JSON.parse(String(value)) as T);
}

export function boolIn(value: boolean): number {
  return value ? 1 : 0;
}

export function boolOut(value: unknown): boolean {
  return value === true || value === 1 || value === '1' || value === 't';
}

export function intOut(value: unknown): number {
  return Number(value);
}

/** A row a repository needed does not exist; `code` is stable. */
export class RecordNotFoundError extends Error {
  readonly code = 'RECORD_NOT_FOUND';
  constructor(
    readonly table: string,
    readonly id: string,
    message: string,
  ) {
    super(message);
    this.name = 'RecordNotFoundError';
  }
}

/** One page of a keyset-paged list. */
export interface Page<T> {
  readonly items: T[];
  /** Pass back as `cursor` for the next page; null on the last page. */
  readonly nextCursor: string | null;
}

export interface PageOptions {
  /** Default {@link DEFAULT_PAGE_LIMIT}, at most {@link MAX_PAGE_LIMIT}. */
  readonly limit?: number;
  readonly cursor?: string | null;
  /** Default 'desc' (newest first). */
  readonly direction?: 'asc' | 'desc';
}

export const DEFAULT_PAGE_LIMIT = 50;
export const MAX_PAGE_LIMIT = 1_000;

/** Opaque cursor of (time, id). */
export function encodeCursor(at: string, id: string): string {
  return Buffer.from(JSON.stringify([at, id])).toString('base64url');
}

/** Throws naming the cursor when it was not made by {@link encodeCursor}. */
export function decodeCursor(cursor: string): { at: string; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof at === 'string' && typeof id === 'string') return { at, id };
  } catch {
    // fall through
  }
  throw new TypeError(`cursor "${cursor}" is not a page cursor returned by this list`);
}

/**
 * Applies keyset paging on (timeColumn, idColumn) to a select and runs it; returns the page. Rows
 * must carry both columns (already mapped by `map`, which also says where they are).
 */
export async function pageBy<R, T>(
  query: {
    where(expression: (eb: ExpressionBuilder<any, any>) => Expression<any>): any;
  },
  columns: { time: string; id: string },
  options: PageOptions,
  map: (row: R) => T,
  keyOf: (item: T) => { at: string; id: string },
): Promise<Page<T>> {
  const limit = Math.min(Math.max(options.limit ?? DEFAULT_PAGE_LIMIT, 1), MAX_PAGE_LIMIT);
  const desc = (options.direction ?? 'desc') === 'desc';
  let q: any = query;
  if (options.cursor) {
    const { at, id } = decodeCursor(options.cursor);
    const op = desc ? '<' : '>';
    q = q.where((eb: ExpressionBuilder<any, any>) =>
      eb.or([eb(columns.time, op, at), eb.and([eb(columns.time, '=', at), eb(columns.id, op, id)])]),
    );
  }
  const direction = desc ? 'desc' : 'asc';
  const rows: R[] = await q
    .orderBy(columns.time, direction)
    .orderBy(columns.id, direction)
    .limit(limit + 1)
    .execute();
  const items = rows.slice(0, limit).map(map);
  const last = items.at(-1);
  const nextCursor = rows.length > limit && last ? encodeCursor(keyOf(last).at, keyOf(last).id) : null;
  return { items, nextCursor };
}
