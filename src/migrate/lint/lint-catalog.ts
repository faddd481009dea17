/**
 * The lint's view of the live database: the columns and row counts of the tables a migration
 * touches. The rules (lint-rules.ts) and the down forecast (verify/down-data-loss.ts) ask it.
 */
import { sql } from 'kysely';
import type { BotledgerDatabase } from '../../storage/database.ts';
import { type ColumnType, parseColumnType, type TableRef } from './lint-sql.ts';

/** A live column as the database describes it. */
export interface LiveColumn {
  readonly name: string;
  readonly type: ColumnType | undefined;
  readonly notNull: boolean;
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
