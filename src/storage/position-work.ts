/**
 * The positions and trades half of a unit of work (unit-of-work.ts): the same contract as for
 * orders and bots (lock-load, identity map, buffered writes, one flush, the version check), kept
 * apart so each file stays readable.
 */
import type { Position } from '../domain/position/position.ts';
import type { Trade } from '../domain/position/trade.ts';
import type { DialectCapabilities } from './dialects/capabilities.ts';
import { insertPositions, insertTrades, lockOpenPositionsOfBots, lockPositionsByIds, updatePositions } from './repositories/positions-batch.ts';
import { type AccountSyncMarks, markAccountPositionsSynced } from './repositories/position-sync.ts';
import { type SyncStatus, saveSyncStatus } from './repositories/sync-status.ts';
import type { SqlExecutor } from './sql/executor.ts';
import { applyTradesToPluginStats } from './repositories/plugin-stats.ts';
import { StaleRowError } from './stale-row-error.ts';

export class PositionWork {
  readonly #q: SqlExecutor;
  readonly #caps: DialectCapabilities;
  readonly #positions = new Map<string, Position>();
  readonly #expected = new Map<string, number>();
  readonly #inserted = new Set<string>();
  readonly #dirty = new Set<string>();
  /** Bots whose open positions are loaded (and locked). */
  readonly #botsLoaded = new Set<string>();
  readonly #trades: Trade[] = [];
  #writtenTrades: Trade[] = [];
  readonly #syncMarks: AccountSyncMarks[] = [];
  readonly #syncStatuses: SyncStatus[] = [];

  constructor(q: SqlExecutor, caps: DialectCapabilities) {
    this.#q = q;
    this.#caps = caps;
  }

  #remember(position: Position): Position {
    const known = this.#positions.get(position.id);
    if (known) return known;
    this.#positions.set(position.id, position);
    this.#expected.set(position.id, position.version);
    return position;
  }

  /** The bot's open position on `symbol`, locked (the newest, should there be several). */
  async openPosition(botId: string, symbol: string): Promise<Position | undefined> {
    return (await this.openPositionsOfBot(botId)).filter((position) => position.symbol === symbol).at(-1);
  }

  /**
   * Loads and locks the open positions of these bots in one statement (id order), so a batch of
   * venue events locks every position it may touch at once, in the same order as any other batch.
   */
  async lockOpenPositionsOfBots(botIds: Iterable<string>): Promise<void> {
    const missing = [...new Set(botIds)].filter((id) => !this.#botsLoaded.has(id));
    if (missing.length === 0) return;
    for (const position of await lockOpenPositionsOfBots(this.#q, this.#caps, missing)) this.#remember(position);
    for (const id of missing) this.#botsLoaded.add(id);
  }

  /** Every open position of the bot, locked, oldest first. */
  async openPositionsOfBot(botId: string): Promise<Position[]> {
    await this.lockOpenPositionsOfBots([botId]);
    return [...this.#positions.values()].filter((position) => position.botId === botId && position.status === 'open').sort((a, b) => (a.openedAt < b.openedAt ? -1 : a.openedAt > b.openedAt ? 1 : a.id < b.id ? -1 : 1));
  }

  /** The position with this id, locked. */
  async positionById(id: string): Promise<Position | undefined> {
    if (!this.#positions.has(id)) for (const position of await lockPositionsByIds(this.#q, this.#caps, [id])) this.#remember(position);
    return this.#positions.get(id);
  }

  insertPosition(position: Position): Position {
    this.#positions.set(position.id, position);
    this.#inserted.add(position.id);
    return position;
  }

  /** Saves `next` over `previous` (as held): version + 1; StaleRowError when this unit of work holds another version. */
  savePosition(previous: Position, next: Position): Position {
    if (next === previous) return previous;
    const held = this.#positions.get(previous.id);
    if (held && held.version !== previous.version) {
      throw new StaleRowError(`position ${previous.id} (read at version ${previous.version}) changed while this transaction was updating it (version ${held.version})`);
    }
    if (!held) throw new Error(`position ${previous.id} was not loaded by this unit of work; load it with positionById first`);
    const saved = { ...next, version: this.#inserted.has(previous.id) ? previous.version : previous.version + 1 };
    this.#positions.set(saved.id, saved);
    if (!this.#inserted.has(saved.id)) this.#dirty.add(saved.id);
    return saved;
  }

  insertTrade(trade: Trade): void {
    this.#trades.push(trade);
  }

  /**
   * Marks open positions as synced with the venue (last_sync_at, sync_status; error_details for a
   * mismatch), written at flush after the positions' own changes; no version change (bookkeeping).
   */
  markSynced(marks: AccountSyncMarks): void {
    this.#syncMarks.push(marks);
  }

  /** Writes an account's sync_status row at flush. */
  saveSyncStatus(status: SyncStatus): void {
    this.#syncStatuses.push(status);
  }

  /** Writes new positions, changed positions, new trades and sync marks; returns the trades actually written (a repeat is skipped). */
  async flush(): Promise<Trade[]> {
    const list = (ids: Set<string>) => [...ids].map((id) => this.#positions.get(id) as Position);
    await insertPositions(this.#q, list(this.#inserted));
    await updatePositions(this.#q, this.#caps, list(this.#dirty).map((position) => ({ position, expectedVersion: this.#expected.get(position.id) as number })));
    this.#writtenTrades = await insertTrades(this.#q, this.#trades);
    // The per-plugin statistics move in the trade's transaction: never a trade without its statistics.
    await applyTradesToPluginStats(this.#q, this.#caps, this.#writtenTrades);
    for (const marks of this.#syncMarks) await markAccountPositionsSynced(this.#q, marks);
    for (const status of this.#syncStatuses) await saveSyncStatus(this.#q, status);
    return this.#writtenTrades;
  }

  /** What {@link flush} wrote. */
  committed(): { positions: Position[]; trades: Trade[] } {
    return { positions: [...this.#inserted, ...this.#dirty].map((id) => this.#positions.get(id) as Position), trades: this.#writtenTrades };
  }
}
