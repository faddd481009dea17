/**
 * Sync with the exchange (issue 8, item 3), per exchange account, at start and on an interval:
 * the account's open positions, open orders and recent fills are compared with what the venue
 * reports, and what can be explained is fixed.
 *
 * 1. The venue first (never inside a transaction): its net positions (`fetchPositions`), its open
 *    orders, its fills since the last sync (less a margin; `fetchFillsSince`).
 * 2. An order the ledger holds live that the venue no longer lists as open is asked about and
 *    resolved by the transition table (the Reconciler: filled, cancelled, ... with its fills).
 * 3. Fills of botledger's orders that the ledger lacks (a dropped stream event) are applied once,
 *    through the engine's one fill path (idempotent by trade id), so positions follow.
 * 4. Per symbol the ledger's net position (summed over the account's bots) is compared with the
 *    venue's (domain/position/sync.ts). A position the venue closed or reduced with orders
 *    botledger never placed (a person at the venue) is closed or reduced with those fills
 *    (outside-orders.ts); a difference nothing explains is marked `mismatch`, both sizes kept in
 *    the position's error_details and the event log, and left for a person.
 * 5. One transaction: every open position gets last_sync_at and sync_status, the account its
 *    sync_status row (last sync, positions synced, discrepancies found and fixed, status, error),
 *    and the event log every discrepancy, fix and the sync itself (source `reconciliation`).
 *
 * A discrepancy is counted once, where it was found: an order whose state or fills differed, or a
 * symbol whose sizes differed. One that the stream resolved while sync was looking (nothing was
 * applied by sync and the sizes agree on a second look) is not counted.
 *
 * A venue without `fetchPositions` is synced for orders and fills only, and the report says so.
 */
import type { Order } from '../../domain/order/order.ts';
import { parseClientOrderId } from '../../domain/order/client-order-id.ts';
import type { PositionSize } from '../../storage/repositories/position-sync.ts';
import { compareAccount, type MissingFill, type SymbolSync } from '../../domain/position/sync.ts';
import type { FillReport, OrderStatusReport, PositionStatusReport } from '../../exchange/exchange-adapter.ts';
import { fillKey } from '../../storage/repositories/fills.ts';
import type { ExecutionEngine } from '../orders/execution.ts';
import { adoptOutsideOrder, assignOutsideOrders, outsideOrdersOf } from './outside-orders.ts';
import { Reconciler } from './reconciliation.ts';
import { cancelLeftovers } from '../positions/position-exits.ts';
import { type AccountSyncReport, type SyncDiscrepancy, writeSyncResult, writeSyncFailure } from './sync-report.ts';

export type { AccountSyncReport, SyncDiscrepancy } from './sync-report.ts';

/** Fills are fetched from this long before the last sync: the venue's clock and the ledger's may differ. */
export const SYNC_FILLS_MARGIN_MS = 5 * 60 * 1000;
/** A first sync fetches fills from this long before the oldest open position or live order. */
export const FIRST_SYNC_LOOKBACK_MS = 60 * 60 * 1000;
/** Default interval of the runtime's sync. */
export const DEFAULT_SYNC_EVERY_MS = 60_000;

/** The venue's answers, asked before the ledger is read. */
interface VenueSnapshot {
  readonly positions?: PositionStatusReport[];
  readonly openOrders: OrderStatusReport[];
  /** Undefined when the venue cannot list fills since a time. */
  readonly fills?: FillReport[];
}

/**
 * @example
 * const sync = new PositionSync(execution);
 * const report = await sync.sync();
 * report.discrepanciesFound; // 0 when the ledger equals the venue
 */
export class PositionSync {
  readonly #execution: ExecutionEngine;
  readonly #reconciler: Reconciler;

  constructor(execution: ExecutionEngine) {
    this.#execution = execution;
    this.#reconciler = new Reconciler(execution);
  }

  /** The account it syncs (the engine's). */
  get accountId(): string {
    return this.#execution.accountId;
  }

  /** Syncs the account now. A venue or database failure is recorded (sync_status `error`, the event log) and returned in `error`, not thrown. */
  async sync(): Promise<AccountSyncReport> {
    const execution = this.#execution;
    const started = execution.now();
    try {
      return await this.#sync(started);
    } catch (error) {
      const message = `sync of account ${this.accountId} with ${execution.venueName} failed: ${(error as Error)?.message ?? String(error)}`;
      return writeSyncFailure(execution, this.accountId, started, message);
    }
  }

  async #sync(started: Date): Promise<AccountSyncReport> {
    const execution = this.#execution;
    const accountId = this.accountId;
    const ledger = execution.ledger;
    const previous = await ledger.syncStatus(accountId);
    const positionsBefore = await ledger.openPositionsOfAccount(accountId);
    const liveBefore = await ledger.liveOrdersOfAccount(accountId);
    const since = fillsSince(previous?.lastSyncAt ?? null, positionsBefore, liveBefore, started);
    const venue = await this.#askVenue(since);

    // What the venue's fills say the ledger lacks, read before anything is fixed (the explanation of each difference).
    const fills = venue.fills ?? [];
    const known = await ledger.ordersByVenueRefs({ clientOrderIds: fills.map((fill) => fill.clientOrderId), exchangeOrderIds: fills.map((fill) => fill.exchangeOrderId) });
    const orderOf = (fill: FillReport) => known.find((order) => order.clientOrderId === fill.clientOrderId || (order.exchangeOrderId !== null && order.exchangeOrderId === fill.exchangeOrderId));
    const storedBefore = await ledger.storedFillKeys(known.map((order) => order.id));
    const missing: MissingFill[] = [];
    const outside: FillReport[] = [];
    const missingByOrder = new Map<string, Order>();
    for (const fill of fills) {
      const order = orderOf(fill);
      if (order && storedBefore.has(fillKey(order.id, fill.tradeId))) continue;
      if (order) missingByOrder.set(order.id, order);
      // An unknown order with this ledger's client order id is adoption's (at start), never a person's.
      else if (parseClientOrderId(fill.clientOrderId) !== undefined) continue;
      else outside.push(fill);
      missing.push({ symbol: fill.symbol, side: fill.side, amount: fill.amount, knownOrder: order !== undefined });
    }

    const discrepancies: SyncDiscrepancy[] = [];
    const touched = new Set<string>();
    // 2. Orders the venue no longer has open: resolved by the transition table.
    const openIds = new Set(venue.openOrders.map((report) => report.clientOrderId));
    const openExchangeIds = new Set(venue.openOrders.map((report) => report.exchangeOrderId));
    for (const order of liveBefore) {
      if (openIds.has(order.clientOrderId) || (order.exchangeOrderId && openExchangeIds.has(order.exchangeOrderId))) continue;
      // Not acknowledged yet, or its call is in flight: the Reconciler's pending loop owns it.
      if (order.exchangeOrderId === null || execution.inFlight.has(order.id)) continue;
      const after = await this.#reconciler.reconcileOrder(order);
      if (after.version === order.version) continue;
      touched.add(order.symbol);
      const explanation = `Order ${order.clientOrderId} is live in the ledger (filled ${order.filledAmount}) but ${execution.venueName} no longer lists it as open: resolved as ${after.status} (filled ${after.filledAmount}): ${after.reason}`;
      discrepancies.push({ kind: 'order', symbol: order.symbol, orderId: order.id, clientOrderId: order.clientOrderId, botId: order.botId, explanation, fixed: true });
    }

    // 3. Fills of botledger's orders that the ledger lacks (fetchFills skips those step 2 stored).
    for (const order of missingByOrder.values()) {
      const added = await execution.fetchFills({ symbol: order.symbol, clientOrderId: order.clientOrderId, exchangeOrderId: order.exchangeOrderId }, 'reconciliation');
      if (added === 0) continue;
      touched.add(order.symbol);
      if (discrepancies.some((entry) => entry.orderId === order.id)) continue;
      const explanation = `Order ${order.clientOrderId}: ${execution.venueName} has ${added} fill(s) the ledger lacked (a dropped stream event): applied once`;
      discrepancies.push({ kind: 'order', symbol: order.symbol, orderId: order.id, clientOrderId: order.clientOrderId, botId: order.botId, explanation, fixed: true });
    }

    if (!venue.positions) {
      const note = `${execution.venueName} does not report positions: orders and fills were synced, positions were not compared`;
      return writeSyncResult(execution, { accountId, started, since, venue, discrepancies, positionsSynced: 0, notes: [note] });
    }

    // 4. Positions, per symbol: before the fixes (what differed, and why), then after them.
    const before = compareAccount({ ledger: positionsBefore, venue: venue.positions, missingFills: missing, venueName: execution.venueName });
    for (const symbol of before.filter((entry) => entry.action === 'apply_outside_fills')) {
      const open = await ledger.openPositionsOfAccount(accountId);
      const plan = assignOutsideOrders(
        outsideOrdersOf(outside.filter((fill) => fill.symbol === symbol.symbol)),
        open.filter((position) => position.symbol === symbol.symbol),
      );
      for (const { order, position } of plan) {
        const adopted = await adoptOutsideOrder(execution, order, position);
        if (!adopted) continue;
        touched.add(symbol.symbol);
        // Committed: the bot's take-profit or stop-loss still resting for the closed position is taken down.
        await cancelLeftovers(execution, adopted.leftovers);
      }
    }
    // Read again only when sync changed something (10,000 positions are a read worth saving); a
    // fill the stream applied meanwhile shows as a difference and gets the second look below.
    let positions = touched.size > 0 ? await ledger.openPositionsOfAccount(accountId) : positionsBefore;
    let after = compareAccount({ ledger: positions, venue: venue.positions, missingFills: [], venueName: execution.venueName });
    // A fill the stream delivered while sync was looking moves the ledger past the venue's first answer: ask once more.
    const differing = after.filter((entry) => entry.comparison !== 'in_sync').map((entry) => entry.symbol);
    if (differing.length > 0 && execution.exchange.fetchPositions) {
      const again = await execution.exchange.fetchPositions();
      positions = await ledger.openPositionsOfAccount(accountId);
      after = compareAccount({ ledger: positions, venue: again, missingFills: [], venueName: execution.venueName });
    }
    const afterBySymbol = new Map(after.map((entry) => [entry.symbol, entry]));
    for (const entry of before) {
      if (entry.comparison === 'in_sync') continue;
      const now = afterBySymbol.get(entry.symbol);
      const agrees = now === undefined || now.comparison === 'in_sync';
      // Resolved by the stream while sync looked, with nothing applied by sync: not a discrepancy.
      if (agrees && !touched.has(entry.symbol)) continue;
      discrepancies.push(symbolDiscrepancy(entry, positionsBefore, agrees, now));
    }
    // A difference that appeared only on the second look (after the fixes) is one too.
    for (const entry of after) {
      if (entry.comparison === 'in_sync' || discrepancies.some((d) => d.kind === 'position' && d.symbol === entry.symbol)) continue;
      discrepancies.push(symbolDiscrepancy(entry, positions, false, entry));
    }
    const mismatchedSymbols = after.filter((entry) => entry.comparison !== 'in_sync').map((entry) => entry.symbol);
    const mismatches = positions
      .filter((position) => mismatchedSymbols.includes(position.symbol))
      .map((position) => {
        const entry = afterBySymbol.get(position.symbol) as SymbolSync;
        const errorDetails = { message: entry.explanation, symbol: entry.symbol, ledgerSize: entry.ledgerSize, venueSize: entry.venueSize, venue: execution.venueName, at: started.toISOString() };
        return { id: position.id, errorDetails };
      });
    // Positions opened after the ledger was read were not compared: the next sync marks them.
    const openedBy = positions.reduce((latest, position) => (position.openedAt > latest ? position.openedAt : latest), started.toISOString());
    const marks = { accountId, openedBy, mismatchedSymbols, mismatches };
    return writeSyncResult(execution, { accountId, started, since, venue, discrepancies, marks, positionsSynced: positions.length, notes: [] });
  }

  async #askVenue(since: number): Promise<VenueSnapshot> {
    const exchange = this.#execution.exchange;
    const positions = exchange.fetchPositions ? await exchange.fetchPositions() : undefined;
    const openOrders = await exchange.fetchOpenOrders();
    const fills = exchange.fetchFillsSince ? await exchange.fetchFillsSince(since) : undefined;
    return { positions, openOrders, fills };
  }
}

/** From when the venue's fills are fetched: the last sync less a margin, else before the oldest open position or live order. */
function fillsSince(lastSyncAt: string | null, positions: readonly PositionSize[], live: readonly Order[], now: Date): number {
  if (lastSyncAt) return Date.parse(lastSyncAt) - SYNC_FILLS_MARGIN_MS;
  const times = [...positions.map((position) => Date.parse(position.openedAt)), ...live.map((order) => Date.parse(order.createdAt))];
  const oldest = times.length > 0 ? Math.min(...times) : now.getTime();
  return oldest - FIRST_SYNC_LOOKBACK_MS;
}

function symbolDiscrepancy(entry: SymbolSync, positions: readonly PositionSize[], fixed: boolean, now: SymbolSync | undefined): SyncDiscrepancy {
  const bots = [...new Set(positions.filter((position) => position.symbol === entry.symbol).map((position) => position.botId))];
  const explanation = fixed ? entry.explanation : entry.action === 'leave_for_person' ? entry.explanation : `${entry.explanation}; still differs after that (${now?.explanation ?? 'no answer'}): marked mismatch and left for a person`;
  return {
    kind: 'position',
    symbol: entry.symbol,
    botId: bots.length === 1 ? (bots[0] ?? null) : null,
    ledgerSize: entry.ledgerSize,
    venueSize: entry.venueSize,
    explanation,
    fixed,
    ...(fixed ? {} : { ledgerSizeNow: now?.ledgerSize ?? entry.ledgerSize, venueSizeNow: now?.venueSize ?? entry.venueSize }),
  };
}
