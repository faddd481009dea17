/**
 * Positions: the queries (a page of positions, one position with its stop-loss, sync state, trade
 * and event log) and closing one by hand (freqtrade's force-exit), at market or at a limit. The
 * engine owns the position: the close goes through its closePosition (engine/positions/
 * position-exits.ts), which records why before the closing order is placed, and keeps the
 * stop-loss until the position is closed.
 */
import { isDecimalString, compare } from '../domain/money.ts';
import type { Order } from '../domain/order/order.ts';
import { closedOnRequest } from '../domain/position/exit-reasons.ts';
import { type Position, type PositionStatus, type StopLossState, stopLossState } from '../domain/position/position.ts';
import type { Trade } from '../domain/position/trade.ts';
import { closePosition as closeHeldPosition, PositionNotOpenError } from '../engine/positions/position-exits.ts';
import type { Page, PageOptions } from '../storage/repositories/codec.ts';
import type { EventLogEntry } from '../storage/repositories/events.ts';
import { getOrder } from '../storage/repositories/orders.ts';
import { listPositionEvents } from '../storage/repositories/position-events.ts';
import { getPosition, listPositions as listStoredPositions, type PositionFilter } from '../storage/repositories/positions.ts';
import { getTrade } from '../storage/repositories/trades.ts';
import { LedgerError } from './ledger-error.ts';
import { type Ledger, venueOf } from './open-ledger.ts';
import { DEFAULT_LIST_LIMIT } from './orders.ts';
import { type OwnerOption, ownedBy } from './ownership.ts';

/** Which positions to list. */
export interface PositionQuery {
  readonly status?: PositionStatus;
  readonly botId?: string;
  readonly pluginId?: string;
  readonly symbol?: string;
  /** Only this user's positions (on positions (user_id, status, opened_at, id)). */
  readonly owner?: string;
}

/**
 * A page of positions, newest first (by opening). CURSOR_INVALID when the cursor is not one a page gave.
 *
 * @example
 * const { items, nextCursor } = await listPositions(ledger, { status: 'open', botId: 'scalp1' }, { limit: 50 });
 */
export async function listPositions(ledger: Pick<Ledger, 'database'>, query: PositionQuery, page: PageOptions): Promise<Page<Position>> {
  const filter: PositionFilter = { status: query.status, botId: query.botId, pluginId: query.pluginId, symbol: query.symbol, userId: query.owner };
  try {
    return await listStoredPositions(ledger.database.db, filter, { limit: page.limit ?? DEFAULT_LIST_LIMIT, cursor: page.cursor });
  } catch (error) {
    if (page.cursor && error instanceof TypeError) throw new LedgerError('CURSOR_INVALID', `--cursor: ${error.message}`, { flag: '--cursor' });
    throw error;
  }
}

/**
 * A position by id; POSITION_NOT_FOUND names it.
 *
 * @example
 * const position = await findPosition(ledger, 'p0m1...');
 */
export async function findPosition(ledger: Pick<Ledger, 'database'>, id: string, options: OwnerOption = {}): Promise<Position> {
  const found = await getPosition(ledger.database.db, id);
  // With an owner, another user's position is exactly a missing one (POSITION_NOT_FOUND).
  const position = found && ownedBy(found, options.owner) ? found : undefined;
  if (!position) throw new LedgerError('POSITION_NOT_FOUND', `position ${id} does not exist (see \`botledger positions\`)`, { positionId: id });
  return position;
}

/** The stop order of a position, as `positions show` tells it. */
export interface StopOrderView {
  readonly id: string;
  readonly clientOrderId: string;
  readonly status: Order['status'];
  readonly cancellationReason: Order['cancellationReason'];
  readonly stopPrice: string | null;
  readonly amount: string;
  readonly reason: string;
}

/** A position with everything `positions show` prints. */
export interface PositionDetail {
  readonly position: Position;
  readonly stopLoss: {
    /** none: no stop-loss price; unprotected: a price but no stop order; protected: a stop order is recorded (its status says whether it rests at the venue). */
    readonly state: StopLossState;
    readonly price: string | null;
    readonly order: StopOrderView | null;
    readonly retryCount: number;
    readonly lastErrorAt: string | null;
    /** The venue's whole error, as stored. */
    readonly errorDetails: Position['errorDetails'];
  };
  readonly sync: { readonly status: string | null; readonly lastSyncAt: string | null };
  /** The round trip, once closed. */
  readonly trade: Trade | null;
  /** Its event log, oldest first: the entries that name it and those of its orders. */
  readonly events: EventLogEntry[];
}

const stopOrderView = (order: Order): StopOrderView => ({
  id: order.id,
  clientOrderId: order.clientOrderId,
  status: order.status,
  cancellationReason: order.cancellationReason,
  stopPrice: order.stopPrice,
  amount: order.amount,
  reason: order.reason,
});

/**
 * One position with its stop-loss state and order, retry count and errors, sync state, trade and
 * event log.
 *
 * @example
 * const { position, stopLoss, sync, trade, events } = await showPosition(ledger, id);
 */
export async function showPosition(ledger: Pick<Ledger, 'database'>, id: string, options: OwnerOption = {}): Promise<PositionDetail> {
  const db = ledger.database.db;
  const position = await findPosition(ledger, id, options);
  const stopOrder = position.slOrderId ? await getOrder(db, position.slOrderId) : undefined;
  // The engine writes a position's round trip as trade `t-<position id>` (engine/positions/position-keeper.ts).
  const trade = position.status === 'closed' ? ((await getTrade(db, `t-${position.id}`)) ?? null) : null;
  return {
    position,
    stopLoss: {
      state: stopLossState(position),
      price: position.stopLossPrice,
      order: stopOrder ? stopOrderView(stopOrder) : null,
      retryCount: position.retryCount,
      lastErrorAt: position.lastErrorAt,
      errorDetails: position.errorDetails,
    },
    sync: { status: position.syncStatus, lastSyncAt: position.lastSyncAt },
    trade,
    events: await listPositionEvents(db, position),
  };
}

/**
 * Checks `--limit` of `positions close`: a decimal price above 0 (INVALID_DECIMAL names the flag).
 *
 * @example
 * checkLimitPrice('60100'); // ok
 */
export function checkLimitPrice(limitPrice: string | undefined): void {
  if (limitPrice === undefined) return;
  if (!isDecimalString(limitPrice) || compare(limitPrice, '0') <= 0)
    throw new LedgerError('INVALID_DECIMAL', `--limit must be a price above 0 as a plain decimal, such as 60100.5, got "${limitPrice}"`, { flag: '--limit' });
}

/**
 * Refuses, from the stored position and without the venue, a close that cannot be done:
 * POSITION_NOT_FOUND, POSITION_NOT_OPEN (with its exit reason). Works while another process
 * (`botledger run`) holds the venue; the engine checks again, under its lock, when it closes.
 *
 * @example
 * await assertPositionOpen(ledger, id);
 */
export async function assertPositionOpen(ledger: Pick<Ledger, 'database'>, id: string, options: OwnerOption = {}): Promise<Position> {
  const position = await findPosition(ledger, id, options);
  if (position.status !== 'open') throw notOpen(position);
  return position;
}

function notOpen(position: Position): LedgerError {
  return new LedgerError('POSITION_NOT_OPEN', `position ${position.id} is already closed (${position.exitReason ?? 'no reason recorded'}); there is nothing to close`, {
    positionId: position.id,
    status: position.status,
  });
}

/** What `positions close` did. */
export interface PositionClose {
  /** The position after the venue's answers: closed when the market order filled. */
  readonly position: Position;
  /** The closing order (null when the position closed by itself while its exits were being taken down). */
  readonly order: Order | null;
  readonly trade: Trade | null;
}

/**
 * Closes an open position by hand, at market or at `limitPrice` (needs the venue), with the exit
 * reason "Closed by hand at market (<actor>)". The bot's live exits are replaced by the closing
 * order; the stop-loss stays until the position is closed. POSITION_NOT_FOUND / POSITION_NOT_OPEN
 * otherwise.
 *
 * @example
 * const { position, order, trade } = await closePosition(ledger, id, { actor: 'cli' });
 */
export async function closePosition(ledger: Ledger, id: string, options: { limitPrice?: string; actor: string; owner?: string }): Promise<PositionClose> {
  checkLimitPrice(options.limitPrice);
  // Another user's position is refused as missing before the venue is even looked at.
  const held = await assertPositionOpen(ledger, id, { owner: options.owner });
  const { runtime } = venueOf(ledger);
  let order: Order | undefined;
  try {
    const reason = closedOnRequest('by hand', options.actor, options.limitPrice);
    const close = () => closeHeldPosition(runtime.execution, id, { reason, limitPrice: options.limitPrice, source: 'cli' });
    // In the bot's command queue: its plugin's reaction to the exits taken down runs after the
    // closing order is placed, so it sees that order and places no exit of its own meanwhile.
    ({ order } = await (held.botId ? runtime.bots.serialize(held.botId, close) : close()));
  } catch (error) {
    if (!(error instanceof PositionNotOpenError)) throw error;
    if (error.code === 'POSITION_NOT_FOUND') throw new LedgerError('POSITION_NOT_FOUND', error.message, { positionId: id });
    throw notOpen(await findPosition(ledger, id));
  }
  await ledger.settle();
  const position = await findPosition(ledger, id);
  const closing = order ? ((await getOrder(ledger.database.db, order.id)) ?? order) : null;
  const trade = position.status === 'closed' ? ((await getTrade(ledger.database.db, `t-${position.id}`)) ?? null) : null;
  return { position, order: closing, trade };
}
