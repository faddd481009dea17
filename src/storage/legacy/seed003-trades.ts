/**
 * Reads the `trades` table of a user's legacy trading_bot.db (seed 003), before or after its
 * plugin_id migration: the file is opened read-only (no journal-mode switch, nothing written), the
 * columns are found by name, and rows come in keyset batches by their integer id, so a file of
 * millions of rows is never held in memory. Values are handed over as SQLite gives them (REAL as a
 * JS number, which is the same IEEE double); turning them into decimals is the domain's rule
 * (domain/legacy/legacy-trade.ts).
 */
import type BetterSqlite3 from 'better-sqlite3';
import type { LegacyTradeRow } from '../../domain/legacy/legacy-trade.ts';
import { type BotledgerDatabase, openDatabase, parseDatabaseUrl, redactUrl } from '../database.ts';

/** The legacy file cannot be imported from as it is (not sqlite:, no trades table, a column missing). Code is stable. */
export class LegacySourceError extends Error {
  readonly code = 'IMPORT_SOURCE_INVALID';
  constructor(
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'LegacySourceError';
  }
}

/** Legacy column -> field of {@link LegacyTradeRow}: the columns every seed-003 trades table has. */
const REQUIRED_COLUMNS = {
  id: 'id',
  symbol: 'symbol',
  direction: 'direction',
  status: 'status',
  entry_price: 'entryPrice',
  exit_price: 'exitPrice',
  lot_size: 'lotSize',
  pnl: 'pnl',
  open_time: 'openTime',
  close_time: 'closeTime',
} as const;

/** Columns read when the table has them: plugin_id only after the migration; exit_reason if a bot added one. */
const OPTIONAL_COLUMNS = {
  trade_id: 'tradeId',
  plugin_id: 'pluginId',
  logic_type: 'logicType',
  commission: 'commission',
  swap: 'swap',
  comment: 'comment',
  exit_reason: 'exitReason',
} as const;

/** Rows per read. */
export const LEGACY_READ_BATCH = 1_000;

/** An open legacy trading_bot.db. */
export class Seed003TradeSource {
  readonly #database: BotledgerDatabase;
  readonly #raw: BetterSqlite3.Database;
  readonly #select: BetterSqlite3.Statement;
  /** The file, as given (password-free: it is a path). */
  readonly path: string;
  /** True when the file had its plugin_id migration (PART 3): trades has a plugin_id column. */
  readonly hasPluginId: boolean;

  private constructor(database: BotledgerDatabase, path: string, columns: ReadonlySet<string>) {
    this.#database = database;
    this.#raw = database.sqlite!;
    this.path = path;
    this.hasPluginId = columns.has('plugin_id');
    const selected = [
      ...Object.entries(REQUIRED_COLUMNS),
      ...Object.entries(OPTIONAL_COLUMNS).filter(([column]) => columns.has(column)),
    ].map(([column, field]) => `"${column}" as "${field}"`);
    this.#select = this.#raw.prepare(`select ${selected.join(', ')} from trades where id > ? order by id limit ?`);
  }

  /**
   * Opens `url` (sqlite:<file>) read-only and checks its trades table. Throws a DatabaseError when
   * the file cannot be opened (missing, not a database...) and a {@link LegacySourceError} when it
   * is not a seed-003 trading_bot.db.
   *
   * @example
   * const source = await Seed003TradeSource.open('sqlite:data/trading_bot.db');
   * try { for (let rows = source.readAfter(0); rows.length > 0; rows = source.readAfter(rows.at(-1)!.id)) ... } finally { await source.close(); }
   */
  static async open(url: string): Promise<Seed003TradeSource> {
    if (!/^sqlite:/i.test(url.trim()) && !/\.(db|sqlite3?)$/i.test(url.trim()))
      throw new LegacySourceError(`--from must be sqlite:<path to trading_bot.db>, got "${redactUrl(url)}"`, { from: redactUrl(url) });
    const target = parseDatabaseUrl(url.trim());
    if (target.dialect !== 'sqlite')
      throw new LegacySourceError(`--from must be sqlite:<path to trading_bot.db>, got "${redactUrl(url)}"`, { from: redactUrl(url) });
    const database = await openDatabase(url.trim(), { mode: 'read', journalMode: 'keep' });
    try {
      const columns = new Set(
        (database.sqlite!.prepare(`select name from pragma_table_info('trades')`).all() as { name: string }[]).map((row) =>
          row.name.toLowerCase(),
        ),
      );
      if (columns.size === 0)
        throw new LegacySourceError(`${target.path} has no trades table: it is not a trading_bot.db of seed 003`, { path: target.path });
      const missing = Object.keys(REQUIRED_COLUMNS).filter((column) => !columns.has(column));
      if (missing.length > 0)
        throw new LegacySourceError(`${target.path}: trades has no ${missing.join(', ')} column${missing.length > 1 ? 's' : ''}`, {
          path: target.path,
          missing,
        });
      return new Seed003TradeSource(database, target.path, columns);
    } catch (error) {
      await database.close();
      throw error;
    }
  }

  /** Rows of the trades table. */
  count(): number {
    return Number((this.#raw.prepare('select count(*) as n from trades').get() as { n: number }).n);
  }

  /** Rows whose id is NULL (possible only when id is not the INTEGER PRIMARY KEY): they cannot be read by id, so they are reported. */
  countWithoutId(): number {
    return Number((this.#raw.prepare('select count(*) as n from trades where id is null').get() as { n: number }).n);
  }

  /**
   * The next `limit` rows after legacy id `afterId`, by id.
   *
   * @example
   * const first = source.readAfter(Number.MIN_SAFE_INTEGER);
   */
  readAfter(afterId: number | bigint, limit = LEGACY_READ_BATCH): LegacyTradeRow[] {
    return this.#select.all(afterId, limit) as LegacyTradeRow[];
  }

  async close(): Promise<void> {
    await this.#database.close();
  }
}
