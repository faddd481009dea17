/**
 * "Bring your history" (issue 8, item 6): the trades of a legacy trading_bot.db (seed 003, before
 * or after its plugin_id migration) become botledger trades with their plugin_id, so per-plugin
 * statistics include the past.
 *
 * - Each legacy row gets a deterministic id (`legacy-` + the first 32 hex digits of the sha256 of
 *   its identity: row id, ticket, symbol, direction, open time) and is inserted only if absent, so
 *   a re-run (or an interrupted run started again) imports nothing twice.
 * - A closed row that cannot be read (a bad number, a missing time, an unknown side...) is listed
 *   with its id and reason, never dropped; a row that is not a closed trade (open, cancelled, no
 *   status) has no round trip to import yet, and is counted by its status.
 * - Rows are read and written in batches of {@link LEGACY_READ_BATCH}, one transaction each.
 */
import { createHash } from 'node:crypto';
import { parsePluginMap } from '../domain/legacy/legacy-plugin-map.ts';
import { legacyTradeId, legacyTradeIdentity, legacyTradeOutcome } from '../domain/legacy/legacy-trade.ts';
import type { Trade } from '../domain/position/trade.ts';
import { DatabaseError } from '../storage/database.ts';
import { LEGACY_READ_BATCH, Seed003TradeSource } from '../storage/legacy/seed003-trades.ts';
import { recomputeAllPluginStats } from '../storage/repositories/plugin-stats.ts';
import { insertTradesIfAbsent } from '../storage/repositories/trades.ts';
import { LedgerError } from './ledger-error.ts';
import type { Ledger } from './open-ledger.ts';

export { parsePluginMap };

/** What {@link importLegacyTrades} reads, and how it reports progress. */
export interface ImportTradesOptions {
  /** `sqlite:<path to trading_bot.db>`. */
  readonly from: string;
  /** Extra logic_type -> plugin_id mappings (keys trimmed and lower-case, as parsePluginMap makes them). */
  readonly map?: Readonly<Record<string, string>>;
  /** Called after each batch with the legacy rows done and the rows in all. */
  readonly onProgress?: (done: number, total: number) => void;
}

/** One legacy row that could not be imported, and why. */
export interface BadLegacyRow {
  readonly id: string;
  readonly reason: string;
}

/** What an import did. */
export interface ImportTradesSummary {
  /** The legacy file, its row count and whether it had its plugin_id migration. */
  readonly source: { readonly path: string; readonly rows: number; readonly pluginIdColumn: boolean };
  /** Trades new in botledger. */
  readonly imported: number;
  /** Trades botledger already had (a previous import). */
  readonly skipped: number;
  /** Closed rows that could not be read, by legacy id. */
  readonly bad: readonly BadLegacyRow[];
  /** Rows that are not closed trades, by their status as stored ('' for none). */
  readonly notClosed: { readonly count: number; readonly byStatus: Readonly<Record<string, number>> };
  /** Legacy trades of each plugin that botledger now holds (imported by this run or before). */
  readonly perPlugin: Readonly<Record<string, number>>;
}

function tradeIdOf(identity: string): string {
  return legacyTradeId(createHash('sha256').update(identity, 'utf8').digest('hex'));
}

async function openSource(from: string): Promise<Seed003TradeSource> {
  try {
    return await Seed003TradeSource.open(from);
  } catch (error) {
    // The storage layer's error is about "the database"; on this command that is --from, not --db.
    if (error instanceof DatabaseError) throw new LedgerError(error.code, `--from: ${error.message}`, { ...error.details, flag: '--from' });
    throw error;
  }
}

/**
 * Brings the per-plugin statistics aggregate (plugin_stats) up to date for the plugins of the
 * imported trades. Legacy trades arrive out of close order, so each plugin is recomputed from its
 * stored trades (engineer B's recomputeAllPluginStats, one write transaction per plugin) rather
 * than folded in trade by trade.
 *
 * @example
 * await recomputeStatsAfterImport(ledger, ['legacy', 'v3-logic-01-5min']);
 */
export async function recomputeStatsAfterImport(ledger: Ledger, pluginIds: readonly string[]): Promise<void> {
  if (pluginIds.length > 0) await recomputeAllPluginStats(ledger.database, pluginIds);
}

/**
 * Imports the trades of a legacy trading_bot.db into the ledger.
 *
 * @example
 * const summary = await importLegacyTrades(ledger, { from: 'sqlite:data/trading_bot.db', map: parsePluginMap('manual=hand-trades') });
 * // { imported: 2071, skipped: 0, bad: [], notClosed: { count: 929, ... }, perPlugin: { legacy: 480, 'v3-logic-01-5min': 650, ... } }
 */
export async function importLegacyTrades(ledger: Ledger, options: ImportTradesOptions): Promise<ImportTradesSummary> {
  const source = await openSource(options.from);
  try {
    const total = source.count();
    const now = new Date(ledger.clock.now());
    const bad: BadLegacyRow[] = [];
    const byStatus: Record<string, number> = {};
    const perPlugin: Record<string, number> = {};
    let notClosed = 0;
    let imported = 0;
    let readable = 0;
    let done = 0;
    const withoutId = source.countWithoutId();
    if (withoutId > 0)
      bad.push({ id: 'NULL', reason: `${withoutId} row${withoutId > 1 ? 's have' : ' has'} no id, so cannot be told apart` });
    options.onProgress?.(0, total);
    for (let rows = source.readAfter(Number.MIN_SAFE_INTEGER); rows.length > 0; rows = source.readAfter(rows.at(-1)!.id)) {
      const trades: Trade[] = [];
      for (const row of rows) {
        const outcome = legacyTradeOutcome(row, { id: tradeIdOf(legacyTradeIdentity(row)), now, map: options.map });
        if (outcome.kind === 'trade') {
          trades.push(outcome.trade);
          perPlugin[outcome.trade.pluginId] = (perPlugin[outcome.trade.pluginId] ?? 0) + 1;
        } else if (outcome.kind === 'bad') {
          bad.push({ id: outcome.id, reason: outcome.reason });
        } else {
          notClosed += 1;
          byStatus[outcome.status] = (byStatus[outcome.status] ?? 0) + 1;
        }
      }
      imported += await insertTradesIfAbsent(ledger.database, trades);
      readable += trades.length;
      done += rows.length;
      options.onProgress?.(done, total);
      if (rows.length < LEGACY_READ_BATCH) break;
    }
    // Every run, not only when it added trades: a run interrupted after its inserts and before this
    // point leaves the aggregate behind, and the re-run (which imports nothing) brings it up to date.
    await recomputeStatsAfterImport(ledger, Object.keys(perPlugin).sort());
    return {
      source: { path: source.path, rows: total, pluginIdColumn: source.hasPluginId },
      imported,
      skipped: readable - imported,
      bad,
      notClosed: { count: notClosed, byStatus },
      perPlugin: Object.fromEntries(Object.entries(perPlugin).sort(([a], [b]) => a.localeCompare(b))),
    };
  } finally {
    await source.close();
  }
}
