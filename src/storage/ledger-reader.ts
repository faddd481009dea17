/**
 * The ledger's reads outside a write transaction, for the engine: each sees the latest committed
 * state. One object per database, so that what the engine reads is in one place (and a test can
 * stand a fault in for one read). The statements are the repositories', on the typed Kysely.
 */
import type { Kysely } from 'kysely';
import type { Bot } from '../domain/bot/bot.ts';
import type { OrderStatus } from '../domain/order/order-status.ts';
import type { Order } from '../domain/order/order.ts';
import type { BotledgerDatabase } from './database.ts';
import { activeBots, getBot } from './repositories/bots.ts';
import { eventsOf } from './repositories/events.ts';
import { type BotFill, fillsOf, recentClosedFillsOfBot } from './repositories/fills.ts';
import * as orders from './repositories/orders.ts';
import { liveOrdersOfAccount, openPositionsOfAccount, ordersByVenueRefs, type PositionSize, storedFillKeys } from './repositories/position-sync.ts';
import { getSyncStatus, type SyncStatus } from './repositories/sync-status.ts';
import { findPositionByStopLossOrder, listPositionsToProtect, type PositionCursor } from './repositories/positions.ts';
import type { LedgerSchema } from './schema.ts';
import type { Position } from '../domain/position/position.ts';
import * as positions from './repositories/positions.ts';

/**
 * @example
 * const reader = new LedgerReader(database);
 * const live = await reader.ordersOfBot('scalp1', ['pending', 'ongoing']);
 */
export class LedgerReader {
  readonly database: BotledgerDatabase;
  readonly #db: Kysely<LedgerSchema>;

  constructor(database: BotledgerDatabase) {
    this.database = database;
    this.#db = database.ledger;
  }

  orderById(id: string): Promise<Order | undefined> {
    return orders.getOrder(this.#db, id);
  }

  orderByClientId(clientOrderId: string): Promise<Order | undefined> {
    return orders.getOrderByClientOrderId(this.#db, clientOrderId);
  }

  /** A bot's orders, oldest first, optionally only those in `statuses`. */
  ordersOfBot(botId: string, statuses?: readonly OrderStatus[]): Promise<Order[]> {
    return orders.ordersOfBot(this.#db, botId, statuses);
  }

  ordersWithStatus(status: OrderStatus): Promise<Order[]> {
    return orders.ordersWithStatus(this.#db, status);
  }

  /** Failed orders due for a retry or past expiry at `now`, at most `limit` (the retry loop's bounded scan). */
  failedOrdersDue(now: Date, limit?: number): Promise<Order[]> {
    return orders.listFailedOrdersDue(this.#db, now, limit);
  }

  countOrdersOfBot(botId: string, status: OrderStatus, intent: Order['intent']): Promise<number> {
    return orders.countOrdersOfBot(this.#db, botId, status, intent);
  }

  lastClosedExit(botId: string): Promise<Order | undefined> {
    return orders.lastClosedExit(this.#db, botId);
  }

  countOrdersOfBotSince(botId: string, since: string): Promise<number> {
    return orders.countOrdersOfBotSince(this.#db, botId, since);
  }

  recentClosedFillsOfBot(botId: string, since: string, lastOrders: number): Promise<BotFill[]> {
    return recentClosedFillsOfBot(this.#db, botId, since, lastOrders);
  }

  fillsOf(orderId: string): Promise<{ tradeId: string; amount: string; price: string }[]> {
    return fillsOf(this.#db, orderId);
  }

  botById(id: string): Promise<Bot | undefined> {
    return getBot(this.#db, id);
  }

  activeBots(): Promise<{ id: string; symbol: string }[]> {
    return activeBots(this.#db);
  }

  newestAcknowledgedOrder(): Promise<Order | undefined> {
    return orders.newestAcknowledgedOrder(this.#db);
  }

  clientOrderIdsSince(since: string): Promise<Set<string>> {
    return orders.clientOrderIdsSince(this.#db, since);
  }

  newestOrderCreatedAt(): Promise<string | undefined> {
    return orders.newestOrderCreatedAt(this.#db);
  }

  /** Live exits and stop-losses whose bot holds no open position on their symbol (left over by a crash). */
  leftoverExitsOfClosedPositions(limit?: number): Promise<Order[]> {
    return orders.leftoverExitsOfClosedPositions(this.#db, limit);
  }

  /** The bot's open position on `symbol`, if any. */
  openPosition(botId: string, symbol: string): Promise<Position | undefined> {
    return positions.findOpenPosition(this.#db, { botId, symbol });
  }

  positionById(id: string): Promise<Position | undefined> {
    return positions.getPosition(this.#db, id);
  }

  /** Open positions, oldest first, at most `limit` (for the stop-loss and sync scans). */
  openPositions(limit?: number): Promise<Position[]> {
    return positions.listOpenPositions(this.#db, limit);
  }

  eventsOf(filter: { orderId?: string; botId?: string }): Promise<{ type: string; message: string; source: string; applied: boolean }[]> {
    return eventsOf(this.#db, filter);
  }

  // ---- sync with the exchange (engine/recovery/position-sync.ts) ----

  syncStatus(accountId: string): Promise<SyncStatus | undefined> {
    return getSyncStatus(this.#db, accountId);
  }

  /** The account's open positions (who holds how much of what), oldest first. */
  openPositionsOfAccount(accountId: string): Promise<PositionSize[]> {
    return openPositionsOfAccount(this.#db, accountId);
  }

  liveOrdersOfAccount(accountId: string): Promise<Order[]> {
    return liveOrdersOfAccount(this.#db, accountId);
  }

  ordersByVenueRefs(refs: { clientOrderIds: readonly string[]; exchangeOrderIds: readonly string[] }): Promise<Order[]> {
    return ordersByVenueRefs(this.#db, refs);
  }

  /** Stored (order, trade id) pairs of these orders, as fills.ts's `fillKey`. */
  storedFillKeys(orderIds: readonly string[]): Promise<Set<string>> {
    return storedFillKeys(this.#db, orderIds);
  }

  /** The position whose stop-loss order is `orderId` (positions.sl_order_id). */
  positionOfStopLoss(orderId: string): Promise<Position | undefined> {
    return findPositionByStopLossOrder(this.#db, orderId);
  }

  /** Open positions that may need a stop-loss placed, oldest first, at most `limit` after `after` (the stop-loss manager's scan). */
  positionsToProtect(limit: number, after?: PositionCursor): Promise<Position[]> {
    return listPositionsToProtect(this.#db, { limit, after });
  }
}
