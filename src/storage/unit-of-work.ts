/**
 * One write transaction of the ledger: every engine transaction (a command, a venue answer, a
 * group commit of venue events) runs through a unit of work.
 *
 * - **Lock-load by refs**: the orders (by id, client order id, exchange order id, or a bot's live
 *   orders) and bots a transaction changes are loaded once, locked where the dialect has row
 *   locks (refs sorted, so two transactions lock in the same order and cannot deadlock), with the
 *   trade ids of their stored fills.
 * - **Identity map**: each order and bot is one object per transaction; every read after the
 *   load sees the transaction's own changes.
 * - **Buffered writes**: new and changed orders, fills, bots, positions, trades and event-log rows are written at
 *   {@link flush}, one multi-row statement per table, with the one optimistic-update contract
 *   (the version read; StaleRowError when it moved).
 * - After COMMIT, what was written is published to the ledger's {@link CommitHub} with the
 *   event-log ids the database gave.
 *
 * A single venue event is a batch of one; a command is a unit of work of a few rows.
 */
import type { Bot } from '../domain/bot/bot.ts';
import type { Order } from '../domain/order/order.ts';
import { type CommittedChange, type CommittedEvent, commitHubFor } from './committed-changes.ts';
import type { BotledgerDatabase } from './database.ts';
import type { DialectCapabilities } from './dialects/capabilities.ts';
import { type ExchangeAccount, ensureExchangeAccounts } from './repositories/accounts.ts';
import * as botRows from './repositories/bots.ts';
import { cancelRequestedAt, type EventEntry, insertEvents } from './repositories/events.ts';
import { fillKey, fillKeysOf, insertFills, type NewFill } from './repositories/fills.ts';
import { FIXED_ORDER_FIELDS, MUTABLE_ORDER_FIELDS, ORDER_COLUMNS } from './repositories/orders.ts';
import { findOrdersByRefs, insertOrders, lockOrdersOfBot, type OrderRefs, updateOrders } from './repositories/orders-batch.ts';
import { lockedVersions } from './sql/batch.ts';
import { type SqlExecutor, writeTransaction } from './sql/executor.ts';
import { StaleRowError } from './stale-row-error.ts';
import { PositionWork } from './position-work.ts';
import { isRetryableConflict } from './database-errors.ts';

export type { EventEntry, NewFill, OrderRefs };

/** How many times a transaction the database aborted to break a lock cycle is run again. */
const CONFLICT_ATTEMPTS = 5;

export class UnitOfWork {
  readonly #q: SqlExecutor;
  readonly #caps: DialectCapabilities;
  readonly #orders = new Map<string, Order>();
  readonly #byClient = new Map<string, string>();
  readonly #byExchange = new Map<string, string>();
  /** Refs looked up and not found: not asked again in this transaction. */
  readonly #absent = new Set<string>();
  /** id -> the version the database has (as loaded, or as the caller read it): the UPDATE checks it. */
  readonly #expected = new Map<string, number>();
  /** Orders and bots saved from a copy the caller read before this unit of work: checked at flush. */
  readonly #unlocked = new Set<string>();
  readonly #unlockedBots = new Set<string>();
  /** id -> the order as the database has it (as loaded, or as the caller read it): what changed is found against it. */
  readonly #stored = new Map<string, Order>();
  readonly #insertedOrders = new Set<string>();
  readonly #dirtyOrders = new Set<string>();
  readonly #fillKeys = new Set<string>();
  readonly #fillsLoaded = new Set<string>();
  readonly #fills: NewFill[] = [];
  readonly #events: EventEntry[] = [];
  readonly #bots = new Map<string, Bot>();
  readonly #expectedBot = new Map<string, number>();
  readonly #insertedBots = new Set<string>();
  readonly #dirtyBots = new Set<string>();
  readonly #accounts = new Map<string, ExchangeAccount>();
  #eventIds: string[] = [];
  /** Positions and trades (position-work.ts): `uow.positions.openPosition(...)`, `insertTrade(...)`. */
  readonly positions: PositionWork;

  constructor(q: SqlExecutor, caps: DialectCapabilities) {
    this.#q = q;
    this.#caps = caps;
    this.positions = new PositionWork(q, caps);
  }

  /**
   * Runs `work` on a unit of work in one write transaction, flushes, COMMITs, then publishes what
   * was written to the ledger's commit hub. Rolls back and rethrows on error (nothing published).
   *
   * @example
   * await UnitOfWork.run(database, async (uow) => {
   *   const bot = await uow.bot('b1');
   *   if (bot) uow.saveBot(bot, stopBot(bot, 'by hand', now).bot);
   * });
   */
  static async run<T>(database: BotledgerDatabase, work: (uow: UnitOfWork) => Promise<T>): Promise<T> {
    return (await UnitOfWork.#commit(database, work, false)).result;
  }

  /** As {@link run}, also returning what was committed (with the event-log ids). */
  static async commit<T>(database: BotledgerDatabase, work: (uow: UnitOfWork) => Promise<T>): Promise<{ result: T; change: CommittedChange }> {
    const { result, unit } = await UnitOfWork.#commit(database, work, true);
    return { result, change: unit.committed() };
  }

  static async #commit<T>(database: BotledgerDatabase, work: (uow: UnitOfWork) => Promise<T>, wantChange: boolean): Promise<{ result: T; unit: UnitOfWork }> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await UnitOfWork.#commitOnce(database, work, wantChange);
      } catch (error) {
        // Aborted by the database to break a lock cycle: nothing was written, run it again.
        if (!isRetryableConflict(error) || attempt >= CONFLICT_ATTEMPTS) throw error;
      }
    }
  }

  static async #commitOnce<T>(database: BotledgerDatabase, work: (uow: UnitOfWork) => Promise<T>, wantChange: boolean): Promise<{ result: T; unit: UnitOfWork }> {
    const hub = commitHubFor(database);
    let unit: UnitOfWork | undefined;
    let withIds = false;
    const result = await writeTransaction(database, async (q) => {
      unit = new UnitOfWork(q, database.capabilities);
      const value = await work(unit);
      // The event-log ids come back (RETURNING id) when a listener or the caller needs them.
      withIds = wantChange || hub.listening;
      await unit.flush({ eventIds: withIds });
      return value;
    });
    const done = unit as UnitOfWork;
    // Published only after COMMIT returned; built only when someone listens (the hot path pays nothing).
    if (withIds && hub.listening) hub.publish(done.committed());
    return { result, unit: done };
  }

  // ---- orders -------------------------------------------------------------------------------

  #remember(order: Order): Order {
    const known = this.#orders.get(order.id);
    // The identity map wins: an order already in this transaction keeps its changes.
    if (known) return known;
    this.#orders.set(order.id, order);
    this.#stored.set(order.id, order);
    this.#expected.set(order.id, order.version);
    this.#index(order);
    return order;
  }

  #index(order: Order): void {
    this.#byClient.set(order.clientOrderId, order.id);
    if (order.exchangeOrderId) this.#byExchange.set(order.exchangeOrderId, order.id);
  }

  /**
   * Loads and locks the orders `refs` name that this unit of work does not hold yet: one statement
   * per kind of ref. The trade ids of their stored fills are loaded on the first {@link hasFill}
   * (commands and status reports never ask, so they pay no round trip for them).
   */
  async lockOrders(refs: OrderRefs): Promise<void> {
    const ids = [...(refs.ids ?? [])].filter((id) => !this.#orders.has(id) && !this.#absent.has(`id:${id}`));
    const clients = [...(refs.clientOrderIds ?? [])].filter((id) => !this.#byClient.has(id) && !this.#absent.has(`c:${id}`));
    const loaded: Order[] = [];
    if (ids.length > 0 || clients.length > 0) loaded.push(...(await findOrdersByRefs(this.#q, this.#caps, { ids, clientOrderIds: clients })));
    for (const order of loaded) this.#remember(order);
    const exchange = [...(refs.exchangeOrderIds ?? [])].filter((id) => !this.#byExchange.has(id) && !this.#absent.has(`x:${id}`));
    if (exchange.length > 0) {
      const more = await findOrdersByRefs(this.#q, this.#caps, { exchangeOrderIds: exchange });
      for (const order of more) if (!this.#orders.has(order.id)) loaded.push(this.#remember(order));
    }
    for (const id of ids) if (!this.#orders.has(id)) this.#absent.add(`id:${id}`);
    for (const id of clients) if (!this.#byClient.has(id)) this.#absent.add(`c:${id}`);
    for (const id of exchange) if (!this.#byExchange.has(id)) this.#absent.add(`x:${id}`);
  }

  async #loadFillKeys(orderIds: readonly string[]): Promise<void> {
    const missing = orderIds.filter((id) => !this.#fillsLoaded.has(id));
    if (missing.length === 0) return;
    for (const key of await fillKeysOf(this.#q, missing)) this.#fillKeys.add(key);
    for (const id of missing) this.#fillsLoaded.add(id);
  }

  /** The bots of the orders this unit of work holds. */
  heldBotIds(): string[] {
    const ids = new Set<string>();
    for (const order of this.#orders.values()) if (order.botId) ids.add(order.botId);
    return [...ids];
  }

  /** The order with this id, locked (undefined: the ledger has none). */
  async orderById(id: string): Promise<Order | undefined> {
    if (!this.#orders.has(id)) await this.lockOrders({ ids: [id] });
    return this.#orders.get(id);
  }

  /** The order a venue report names, by client order id, else exchange order id; locked. */
  async order(clientOrderId: string | undefined, exchangeOrderId: string | undefined): Promise<Order | undefined> {
    const find = () => {
      const id = (clientOrderId && this.#byClient.get(clientOrderId)) || (exchangeOrderId && this.#byExchange.get(exchangeOrderId));
      return id ? this.#orders.get(id) : undefined;
    };
    const held = find();
    if (held) return held;
    await this.lockOrders({ clientOrderIds: clientOrderId ? [clientOrderId] : [], exchangeOrderIds: exchangeOrderId ? [exchangeOrderId] : [] });
    return find();
  }

  /** A bot's orders in `statuses`, oldest first, locked, as this unit of work holds them. */
  async lockOrdersOfBot(botId: string, statuses: readonly Order['status'][]): Promise<Order[]> {
    const rows = await lockOrdersOfBot(this.#q, this.#caps, botId, statuses);
    return rows.map((order) => this.#remember(order)).filter((order) => statuses.includes(order.status));
  }

  /** Records a new order (written at flush, with its state then). */
  insertOrder(order: Order): Order {
    this.#orders.set(order.id, order);
    this.#insertedOrders.add(order.id);
    this.#fillsLoaded.add(order.id);
    this.#index(order);
    return order;
  }

  /**
   * Saves the changes of `next` over `previous` (the order as the caller read it): the version
   * goes up by one. Throws StaleRowError when this unit of work already holds the order at another
   * version than `previous`, and an error naming the column when a fixed column would change.
   * Nothing changed: `previous` is returned as it is.
   */
  saveOrder(previous: Order, next: Order): Order {
    if (next === previous) return previous;
    const fixed = FIXED_ORDER_FIELDS.find((field) => next[field] !== previous[field]);
    if (fixed) throw new Error(`orders.${ORDER_COLUMNS[fixed]} of order ${previous.clientOrderId} cannot change once the order is recorded (from ${previous[fixed]} to ${next[fixed]})`);
    if (!MUTABLE_ORDER_FIELDS.some((field) => next[field] !== previous[field])) return previous;
    const held = this.#orders.get(previous.id);
    if (held && held.version !== previous.version) {
      throw new StaleRowError(`order ${previous.clientOrderId} (read at version ${previous.version}) changed while this transaction was updating it (version ${held.version})`);
    }
    if (!held) {
      this.#expected.set(previous.id, previous.version);
      this.#stored.set(previous.id, previous);
      this.#unlocked.add(previous.id);
    }
    const saved = { ...next, version: previous.version + 1 };
    this.#orders.set(saved.id, saved);
    this.#index(saved);
    if (!this.#insertedOrders.has(saved.id)) this.#dirtyOrders.add(saved.id);
    return saved;
  }

  // ---- fills and the event log --------------------------------------------------------------

  /** True when the fill (order, trade id) is stored or was recorded in this unit of work. */
  async hasFill(orderId: string, tradeId: string): Promise<boolean> {
    // One statement for every order held so far (a batch's first fill loads them all).
    if (!this.#fillsLoaded.has(orderId)) await this.#loadFillKeys([orderId, ...this.#orders.keys()]);
    return this.#fillKeys.has(fillKey(orderId, tradeId));
  }

  insertFill(fill: NewFill): void {
    this.#fillKeys.add(fillKey(fill.orderId, fill.exchangeTradeId));
    this.#fills.push(fill);
  }

  appendEvent(entry: EventEntry): void {
    this.#events.push(entry);
  }

  /** When botledger first recorded a cancel request for the order (epoch ms). Committed by earlier commands: read at once. */
  cancelRequestedAt(orderId: string): Promise<number | undefined> {
    return cancelRequestedAt(this.#q, orderId);
  }

  // ---- bots ---------------------------------------------------------------------------------

  /** The bot with this id, locked (undefined: the ledger has none). */
  async bot(id: string): Promise<Bot | undefined> {
    if (!this.#bots.has(id)) {
      for (const bot of await botRows.lockBots(this.#q, this.#caps, [id])) {
        this.#bots.set(bot.id, bot);
        this.#expectedBot.set(bot.id, bot.version);
      }
    }
    return this.#bots.get(id);
  }

  /** Makes sure the exchange account exists (inserted at flush, before bots, unless the ledger has it). */
  ensureExchangeAccount(account: ExchangeAccount): void {
    if (!this.#accounts.has(account.id)) this.#accounts.set(account.id, account);
  }

  insertBot(bot: Bot): Bot {
    this.#bots.set(bot.id, bot);
    this.#insertedBots.add(bot.id);
    return bot;
  }

  /** As {@link saveOrder}, for a bot: its version goes up by one, StaleRowError on a lost race. */
  saveBot(previous: Bot, next: Bot): Bot {
    const held = this.#bots.get(previous.id);
    if (held && held.version !== previous.version) {
      throw new StaleRowError(`bot ${previous.id} (read at version ${previous.version}) changed while this transaction was updating it (version ${held.version})`);
    }
    if (!held) {
      this.#expectedBot.set(previous.id, previous.version);
      this.#unlockedBots.add(previous.id);
    }
    const saved = { ...next, version: previous.version + 1 };
    this.#bots.set(saved.id, saved);
    if (!this.#insertedBots.has(saved.id)) this.#dirtyBots.add(saved.id);
    return saved;
  }

  /** Takes the bot's next client-order-id sequence number (written at once: it is a counter, not a versioned change). */
  nextOrderSequence(botId: string): Promise<number> {
    return botRows.nextOrderSequence(this.#q, botId);
  }

  raiseOrderSequence(botId: string, sequence: number): Promise<boolean> {
    return botRows.raiseOrderSequence(this.#q, botId, sequence);
  }

  raiseSequenceFloor(botId: string, sequence: number, at: string): Promise<void> {
    return botRows.raiseSequenceFloor(this.#q, botId, sequence, at);
  }

  sequenceFloor(botId: string): Promise<number> {
    return botRows.sequenceFloor(this.#q, botId);
  }

  // ---- flush --------------------------------------------------------------------------------

  /**
   * Rows saved from a copy read before this unit of work are locked and checked now, so that a
   * lost race names exactly the rows that moved (rows this unit of work loaded are locked since).
   */
  async #checkUnlocked(): Promise<void> {
    const stale: string[] = [];
    if (this.#unlocked.size > 0) {
      const stored = await lockedVersions(this.#q, this.#caps, 'orders', 'id', [...this.#unlocked]);
      for (const id of this.#unlocked) {
        const expected = this.#expected.get(id);
        if (stored.get(id) !== expected) stale.push(`order ${this.#orders.get(id)?.clientOrderId ?? id} (read at version ${expected}, now ${stored.get(id) ?? 'gone'})`);
      }
    }
    if (this.#unlockedBots.size > 0) {
      const stored = await lockedVersions(this.#q, this.#caps, 'bots', 'id', [...this.#unlockedBots]);
      for (const id of this.#unlockedBots) {
        const expected = this.#expectedBot.get(id);
        if (stored.get(id) !== expected) stale.push(`bot ${id} (read at version ${expected}, now ${stored.get(id) ?? 'gone'})`);
      }
    }
    if (stale.length > 0) throw new StaleRowError(`${stale.join(', ')} changed since ${stale.length === 1 ? 'it was' : 'they were'} read: the update is refused`);
  }

  /** Writes everything buffered: bots, orders, fills, order and bot updates, then the event log. */
  async flush(options: { eventIds?: boolean } = {}): Promise<void> {
    await this.#checkUnlocked();
    const bots = (ids: Set<string>) => [...ids].map((id) => this.#bots.get(id) as Bot);
    const orders = (ids: Set<string>) => [...ids].map((id) => this.#orders.get(id) as Order);
    await ensureExchangeAccounts(this.#q, [...this.#accounts.values()]);
    await botRows.insertBots(this.#q, bots(this.#insertedBots));
    await insertOrders(this.#q, orders(this.#insertedOrders));
    await insertFills(this.#q, this.#fills);
    const dirty = orders(this.#dirtyOrders);
    // Only the columns this batch changed are bound (a batch of fills changes six of thirteen).
    const changed = MUTABLE_ORDER_FIELDS.filter((field) => dirty.some((order) => order[field] !== this.#stored.get(order.id)?.[field]));
    await updateOrders(this.#q, this.#caps, dirty.map((order) => ({ order, expectedVersion: this.#expected.get(order.id) as number })), changed);
    await botRows.updateBots(this.#q, this.#caps, bots(this.#dirtyBots).map((bot) => ({ bot, expectedVersion: this.#expectedBot.get(bot.id) as number })));
    await this.positions.flush();
    this.#eventIds = await insertEvents(this.#q, this.#events, { ids: options.eventIds ?? true });
  }

  /** What {@link flush} wrote, with the event-log ids (call after it). */
  committed(): CommittedChange {
    const events: CommittedEvent[] = this.#events.map((entry, index) => ({
      id: this.#eventIds[index] as string,
      occurredAt: entry.occurredAt ?? entry.at,
      createdAt: entry.at,
      source: entry.source,
      type: entry.type,
      botId: entry.botId ?? null,
      orderId: entry.orderId ?? null,
      pluginId: entry.pluginId ?? null,
      message: entry.message,
      payload: entry.payload ?? null,
      applied: entry.applied,
    }));
    return {
      events,
      orders: [...this.#insertedOrders, ...this.#dirtyOrders].map((id) => this.#orders.get(id) as Order),
      fills: this.#fills.map((fill) => ({
        orderId: fill.orderId,
        tradeId: fill.exchangeTradeId,
        price: fill.price,
        amount: fill.amount,
        fee: fill.fee ?? '0',
        feeCurrency: fill.feeCurrency ?? null,
        occurredAt: fill.occurredAt,
      })),
      bots: [...this.#insertedBots, ...this.#dirtyBots].map((id) => this.#bots.get(id) as Bot),
      ...this.positions.committed(),
    };
  }
}
