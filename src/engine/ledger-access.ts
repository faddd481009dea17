/**
 * How the venue-event rules read and write the ledger inside one transaction. Two forms, one
 * set of rules (venue-events.ts):
 *
 * - {@link DirectAccess}: each read and write is a statement at once. For single events (REST
 *   answers, reconciliation).
 * - {@link BatchAccess}: for a group commit. The batch's orders (locked) and their fill ids are
 *   loaded with one statement each, the rules run in memory, and the writes go out as one
 *   multi-row statement per table. A batch of 200 events costs about five round trips instead of
 *   a thousand, which is what lets PostgreSQL keep up with a venue's stream.
 */
import type { Bot } from '../domain/bot/bot.ts';
import type { Order } from '../domain/order/order.ts';
import type { VenueEvent } from '../exchange/exchange-adapter.ts';
import type { DialectCapabilities } from '../storage/dialects/capabilities.ts';
import type { SqlQueries } from './ledger-sql.ts';
import { type EventEntry, type LedgerStore, type NewFill, ORDER_COLUMNS, ORDER_FIELDS, orderFromRow, StaleRowError } from './ledger-store.ts';

export interface LedgerAccess {
  order(clientOrderId: string | undefined, exchangeOrderId: string | undefined): Promise<Order | undefined>;
  hasFill(orderId: string, tradeId: string): Promise<boolean>;
  saveOrder(previous: Order, next: Order): Promise<Order>;
  insertFill(fill: NewFill): Promise<void>;
  appendEvent(entry: EventEntry): Promise<void>;
  bot(id: string): Promise<Bot | undefined>;
  saveBot(previous: Bot, next: Bot): Promise<Bot>;
  /** When botledger first recorded a cancel request for the order (epoch ms); read at once, it is rarely asked. */
  cancelRequestedAt(orderId: string): Promise<number | undefined>;
}

/** Statement by statement. */
export class DirectAccess implements LedgerAccess {
  constructor(
    readonly q: SqlQueries,
    readonly store: LedgerStore,
  ) {}
  async order(clientOrderId: string | undefined, exchangeOrderId: string | undefined): Promise<Order | undefined> {
    const byClient = clientOrderId ? await this.store.orderByClientId(this.q, clientOrderId, true) : undefined;
    if (byClient) return byClient;
    return exchangeOrderId ? this.store.orderByExchangeId(this.q, exchangeOrderId, true) : undefined;
  }
  hasFill(orderId: string, tradeId: string): Promise<boolean> {
    return this.store.hasFill(this.q, orderId, tradeId);
  }
  saveOrder(previous: Order, next: Order): Promise<Order> {
    return this.store.saveOrder(this.q, previous, next);
  }
  async insertFill(fill: NewFill): Promise<void> {
    await this.store.insertFill(this.q, fill);
  }
  appendEvent(entry: EventEntry): Promise<void> {
    return this.store.appendEvent(this.q, entry);
  }
  bot(id: string): Promise<Bot | undefined> {
    return this.store.botById(this.q, id, true);
  }
  saveBot(previous: Bot, next: Bot): Promise<Bot> {
    return this.store.saveBot(this.q, previous, next);
  }
  cancelRequestedAt(orderId: string): Promise<number | undefined> {
    return this.store.cancelRequestedAt(this.q, orderId);
  }
}

const list = (count: number) => Array.from({ length: count }, () => '?').join(', ');

/**
 * Columns a venue event can change (the domain's OrderAccepted, fills, cancel, expiry,
 * rejection). Retry counts, prices and ids are changed only by commands, one order at a time.
 */
const UPDATABLE = ['exchangeOrderId', 'filledAmount', 'averagePrice', 'status', 'reason', 'cancellationReason', 'firstFailedAt', 'nextRetryAt', 'updatedAt'] as const;
const FIXED_FIELDS = ORDER_FIELDS.filter((field) => field !== 'version' && !(UPDATABLE as readonly string[]).includes(field));

/** Loaded once per batch, written once per batch. */
export class BatchAccess implements LedgerAccess {
  readonly #q: SqlQueries;
  readonly #store: LedgerStore;
  readonly #caps: DialectCapabilities;
  readonly #lock: string;
  readonly #byId = new Map<string, Order>();
  readonly #byClient = new Map<string, string>();
  readonly #byExchange = new Map<string, string>();
  /** id -> version as loaded; the final UPDATE checks it. */
  readonly #loadedVersion = new Map<string, number>();
  readonly #fillKeys = new Set<string>();
  readonly #fills: NewFill[] = [];
  readonly #events: EventEntry[] = [];
  readonly #dirty = new Set<string>();

  constructor(q: SqlQueries, store: LedgerStore, caps: DialectCapabilities, lock: string) {
    this.#q = q;
    this.#store = store;
    this.#caps = caps;
    this.#lock = lock;
  }

  /** Loads (and locks) every order the events name, and the trade ids of their stored fills. */
  async preload(events: readonly VenueEvent[]): Promise<void> {
    const clientIds = new Set<string>();
    const exchangeIds = new Set<string>();
    for (const event of events) {
      const ref = event.type === 'order' ? event.report : event.type === 'fill' ? event.fill : undefined;
      if (!ref) continue;
      if (ref.clientOrderId) clientIds.add(ref.clientOrderId);
      if (ref.exchangeOrderId) exchangeIds.add(ref.exchangeOrderId);
    }
    if (clientIds.size > 0) {
      // Sorted, so that two batches lock rows in the same order and cannot deadlock.
      const ids = [...clientIds].sort();
      const rows = await this.#q.all(`select * from orders where client_order_id in (${list(ids.length)}) order by id${this.#lock}`, ids);
      for (const row of rows) this.#remember(orderFromRow(row));
    }
    const missing = [...exchangeIds].filter((id) => !this.#byExchange.has(id)).sort();
    if (missing.length > 0) {
      const rows = await this.#q.all(`select * from orders where exchange_order_id in (${list(missing.length)}) order by id${this.#lock}`, missing);
      for (const row of rows) this.#remember(orderFromRow(row));
    }
    if (this.#byId.size > 0) {
      const ids = [...this.#byId.keys()];
      const rows = await this.#q.all(`select order_id, exchange_trade_id from fills where order_id in (${list(ids.length)})`, ids);
      for (const row of rows) this.#fillKeys.add(`${row.order_id}\u0000${row.exchange_trade_id}`);
    }
  }

  #remember(order: Order): void {
    if (!this.#loadedVersion.has(order.id)) this.#loadedVersion.set(order.id, order.version);
    this.#byId.set(order.id, order);
    this.#byClient.set(order.clientOrderId, order.id);
    if (order.exchangeOrderId) this.#byExchange.set(order.exchangeOrderId, order.id);
  }

  async order(clientOrderId: string | undefined, exchangeOrderId: string | undefined): Promise<Order | undefined> {
    const id = (clientOrderId && this.#byClient.get(clientOrderId)) || (exchangeOrderId && this.#byExchange.get(exchangeOrderId));
    return id ? this.#byId.get(id) : undefined;
  }

  async hasFill(orderId: string, tradeId: string): Promise<boolean> {
    return this.#fillKeys.has(`${orderId}\u0000${tradeId}`);
  }

  async saveOrder(previous: Order, next: Order): Promise<Order> {
    if (next === previous) return previous;
    const other = FIXED_FIELDS.find((field) => next[field] !== previous[field]);
    if (other) throw new Error(`a venue event tried to change orders.${ORDER_COLUMNS[other]}, which only commands may change`);
    const saved = { ...next, version: previous.version + 1 };
    this.#remember(saved);
    this.#dirty.add(saved.id);
    return saved;
  }

  async insertFill(fill: NewFill): Promise<void> {
    this.#fillKeys.add(`${fill.orderId}\u0000${fill.tradeId}`);
    this.#fills.push(fill);
  }

  async appendEvent(entry: EventEntry): Promise<void> {
    this.#events.push(entry);
  }

  /** Bots change rarely (an outside cancel): read and written at once. */
  bot(id: string): Promise<Bot | undefined> {
    return this.#store.botById(this.#q, id, true);
  }

  saveBot(previous: Bot, next: Bot): Promise<Bot> {
    return this.#store.saveBot(this.#q, previous, next);
  }

  /** Cancel requests are committed by commands, never buffered here: read at once. */
  cancelRequestedAt(orderId: string): Promise<number | undefined> {
    return this.#store.cancelRequestedAt(this.#q, orderId);
  }

  /** Writes everything: fills, then orders, then the event log. */
  async flush(): Promise<void> {
    if (this.#fills.length > 0) {
      const params = this.#fills.flatMap((f) => [f.orderId, f.tradeId, f.price, f.amount, f.fee, f.feeCurrency, f.occurredAt, JSON.stringify(f.raw ?? null), f.at]);
      await this.#q.run(
        `insert into fills (order_id, exchange_trade_id, price, amount, fee, fee_currency, occurred_at, raw, created_at) values ${this.#fills.map(() => `(${list(9)})`).join(', ')} on conflict (order_id, exchange_trade_id) do nothing`,
        params,
      );
    }
    if (this.#dirty.size > 0) await this.#updateOrders([...this.#dirty].map((id) => this.#byId.get(id) as Order));
    if (this.#events.length > 0) {
      const params = this.#events.flatMap((e) => [e.occurredAt ?? e.at, e.at, e.source, e.type, e.botId ?? null, e.orderId ?? null, e.pluginId ?? null, e.message, JSON.stringify(e.payload ?? null), e.applied]);
      await this.#q.run(
        `insert into event_log (occurred_at, created_at, source, type, bot_id, order_id, plugin_id, message, payload, applied) values ${this.#events.map(() => `(${list(10)})`).join(', ')}`,
        params,
      );
    }
  }

  /** One UPDATE ... FROM (VALUES ...) for all changed orders, checked against the loaded versions. */
  async #updateOrders(orders: Order[]): Promise<void> {
    const money = new Set<string>(['filledAmount', 'averagePrice']);
    const time = new Set<string>(['firstFailedAt', 'nextRetryAt', 'updatedAt']);
    // VALUES columns are column1, column2, ... on both dialects (SQLite takes no column list after the alias).
    const column = (index: number) => `v.column${index + 1}`;
    const typeOf = (field: string) => (money.has(field) ? this.#caps.moneyType : time.has(field) ? this.#caps.timestampType : 'text');
    const width = 3 + UPDATABLE.length;
    const sets = UPDATABLE.map((field, index) => `${ORDER_COLUMNS[field]} = cast(${column(index + 3)} as ${typeOf(field)})`);
    const params = orders.flatMap((order) => [order.id, this.#loadedVersion.get(order.id), order.version, ...UPDATABLE.map((field) => order[field])]);
    const values = orders.map(() => `(${list(width)})`).join(', ');
    const changed = await this.#q.run(
      `update orders set ${sets.join(', ')}, version = cast(${column(2)} as integer) from (values ${values}) as v where orders.id = ${column(0)} and orders.version = cast(${column(1)} as integer)`,
      params,
    );
    if (changed !== orders.length) throw new StaleRowError(`${orders.length - changed} of ${orders.length} orders changed while a batch of venue events was applied`);
  }
}
