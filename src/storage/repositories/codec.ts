/**
 * Conversions between domain values and column values that hold on both dialects, so no repository
 * branches on the dialect (docs/architecture.md, decision 8):
 * - money: canonical decimal strings in, checked to fit NUMERIC(38,18) with the column named; out, PostgreSQL's numeric "1.500000000000000000" becomes "1.5";
 * - instants: ISO-8601 UTC strings in (they sort correctly as SQLite TEXT); pg's Date objects out as ISO;
 * - JSON: serialized by us (pg would turn a JS array into a PostgreSQL array), read back as text
 *   with `cast(col as text)` so a JSON string value is never mistaken for serialized JSON;
 * - booleans: bound as 1/0 (better-sqlite3 cannot bind booleans; PostgreSQL's boolean accepts '1'/'0');
 * - bigint and autoincrement ids: strings.
 */
import { type Expression, type ExpressionBuilder, type RawBuilder, sql } from 'kysely';
import { InvalidDecimalError } from '../../domain/errors.ts';
import { assertFitsMoneyColumn, formatDecimal, MONEY_INTEGER_DIGITS, MONEY_SCALE, normalizeDecimal } from '../../domain/money.ts';

/** A plain decimal in canonical form: no sign on zero, no leading zeros, no trailing fraction zeros. */
const CANONICAL_DECIMAL = /^-?(0|[1-9]\d*)(\.\d*[1-9])?$/;
const PLAIN_DECIMAL = /^-?\d+(\.\d+)?$/;
const CANONICAL_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * A money value for a column: canonical, and checked to fit NUMERIC(38,18) (at most 20 digits
 * before the point, 18 after), so that PostgreSQL never rounds what SQLite would store whole.
 * Every write path of the ledger goes through this; the error names `column` ("fills.amount").
 * Canonical input (what the domain makes) is checked by its length alone: this runs for every
 * money value of every batch.
 *
 * @example
 * moneyIn('1.50', 'fills.amount'); // '1.5'
 * moneyIn('0.0000000000000000001', 'fills.amount'); // throws: fills.amount has 19 digits after the point
 */
export function moneyIn(value: string, column: string, field?: string): string {
  if (typeof value === 'string' && CANONICAL_DECIMAL.test(value)) {
    const point = value.indexOf('.');
    const integer = (point < 0 ? value : value.slice(0, point)).replace('-', '');
    const fraction = point < 0 ? 0 : value.length - point - 1;
    if (fraction <= MONEY_SCALE && (integer === '0' ? 0 : integer.length) <= MONEY_INTEGER_DIGITS && value !== '-0') return value;
  }
  if (field === undefined) {
    const normalized = normalizeDecimal(value, column);
    assertFitsMoneyColumn(normalized, column);
    return normalized;
  }
  try {
    const normalized = normalizeDecimal(value, field);
    assertFitsMoneyColumn(normalized, field);
    return normalized;
  } catch (error) {
    // "orders.filled_amount: filledAmount has 19 digits after the point; ...": the column and the value's name.
    if (error instanceof InvalidDecimalError) throw new InvalidDecimalError(field, `${column}: ${error.message}`);
    throw error;
  }
}

/** Like {@link moneyIn}, passing null through. */
export function moneyInOrNull(value: string | null | undefined, column: string, field?: string): string | null {
  return value == null ? null : moneyIn(value, column, field);
}

/**
 * A money column's value as a canonical decimal string ('1.500000000000000000' from
 * numeric(38,18) -> '1.5'). Plain decimals are trimmed as text (this runs for every order of every
 * event batch); anything else goes through decimal.js.
 */
export function moneyOut(value: unknown): string {
  const text = String(value);
  if (!PLAIN_DECIMAL.test(text)) return formatDecimal(text);
  let trimmed = text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
  if (/^-?0\d/.test(trimmed)) return formatDecimal(trimmed);
  if (trimmed === '-0') trimmed = '0';
  return trimmed;
}

export function moneyOutOrNull(value: unknown): string | null {
  return value == null ? null : moneyOut(value);
}

/** An instant for a column: ISO-8601 UTC with milliseconds. Names `field` on error. */
export function timeIn(value: string | Date, field: string): string {
  if (typeof value === 'string' && CANONICAL_INSTANT.test(value)) return value;
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) throw new TypeError(`${field} must be an ISO-8601 instant, got "${String(value)}"`);
  return date.toISOString();
}

export function timeInOrNull(value: string | Date | null | undefined, field: string): string | null {
  return value == null ? null : timeIn(value, field);
}

/** A timestamp column's value (a Date from pg, ISO text from SQLite) as ISO-8601 UTC. */
export function timeOut(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  const text = String(value);
  return CANONICAL_INSTANT.test(text) ? text : new Date(text).toISOString();
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

/** A JSON column's value: text (SQLite, or selected with {@link jsonSelect}) parsed, pg's parsed jsonb as is. */
export function jsonOut<T = unknown>(value: unknown): T | null {
  if (value == null) return null;
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
}

/** A value for a text column that may be NULL. */
export function textOut(value: unknown): string | null {
  return value == null ? null : String(value);
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
    // The first bound repeats what the OR implies, so that the database starts its index range at
    // the cursor (with the OR alone SQLite read a user's orders from the newest: 7 ms a page at 1M orders).
    q = q.where((eb: ExpressionBuilder<any, any>) =>
      eb.and([
        eb(columns.time, desc ? '<=' : '>=', at),
        eb.or([eb(columns.time, op, at), eb.and([eb(columns.time, '=', at), eb(columns.id, op, id)])]),
      ]),
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
