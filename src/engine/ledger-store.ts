/**
 * Every SQL statement the engine runs against the core schema (0001_core_schema.ts), in one
 * place, over {@link SqlQueries} so that it runs inside the group commit's shared transaction.
 * Rows come back as the domain's `Order` and `Bot` values; this file alone knows column names.
 *
 * The engine does not use the Kysely repositories on its hot path: one venue event is four to
 * six statements, and the group commit needs them all in one explicit transaction on a
 * connection of its own, with prepared statements (see ledger-sql.ts).
 */
import type { Bot, BotStatus } from '../domain/bot/bot.ts';
import type { EventSource } from '../domain/order/order-events.ts';
import type { Order } from '../domain/order/order.ts';
import { formatDecimal } from '../domain/money.ts';
import type { Row, SqlQueries } from './ledger-sql.ts';

export type { EventSource };

export interface NewFill {
  readonly orderId: string;
  readonly tradeId: string;
  readonly price: string;
  readonly amount: string;
  readonly fee: string;
  readonly feeCurrency: string | null;
  readonly occurredAt: string;
  readonly raw: unknown;
  readonly at: string;
}

export interface EventEntry {
  readonly source: EventSource;
  /** What happened, e.g. `OrderCanceled`, `BotStopped`, `fill.duplicate`. */
  readonly type: string;
  /** One whole sentence. */
  readonly message: string;
  readonly orderId?: string | null;
  readonly botId?: string | null;
  readonly pluginId?: string | null;
  /** The venue's raw payload, or the command's input. */
  readonly payload?: unknown;
  /** False for an event that was logged but changed nothing (a repeat, or one that does not fit). */
  readonly applied: boolean;
  /** When it happened (venue time for venue events). Default: `at`. */
  readonly occurredAt?: string;
  readonly at: string;
}

/** Thrown when a row changed under a transaction (its version moved): the transaction is retried. */
export class StaleRowError extends Error {
  readonly code = 'STALE_ROW';
}

export const ORDER_COLUMNS = {
  id: 'id',
  userId: 'user_id',
  botId: 'bot_id',
  pluginId: 'plugin_id',
  clientOrderId: 'client_order_id',
  exchangeOrderId: 'exchange_order_id',
  symbol: 'symbol',
  side: 'side',
  type: 'type',
  intent: 'intent',
  price: 'price',
  stopPrice: 'stop_price',
  amount: 'amount',
  filledAmount: 'filled_amount',
  averagePrice: 'average_price',
  status: 'status',
  reason: 'reason',
  cancellationReason: 'cancellation_reason',
  retryCount: 'retry_count',
  firstFailedAt: 'first_failed_at',
  nextRetryAt: 'next_retry_at',
  expiresAt: 'expires_at',
  createdAt: 'created_at',
  updatedAt: 'updated_at',
  version: 'version',
} as const satisfies Record<keyof Order, string>;

type OrderField = keyof typeof ORDER_COLUMNS;
export const ORDER_FIELDS = Object.keys(ORDER_COLUMNS) as OrderField[];
const MONEY_FIELDS = new Set<OrderField>(['price', 'stopPrice', 'amount', 'filledAmount', 'averagePrice']);
const TIME_FIELDS = new Set<OrderField>(['firstFailedAt', 'nextRetryAt', 'expiresAt', 'createdAt', 'updatedAt']);

const PLAIN_DECIMAL = /^-?\d+(\.\d+)?$/;
const CANONICAL_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * A stored amount in canonical form ('1.500000000000000000' from numeric(38,18) -> '1.5').
 * Plain decimals are trimmed as text (this runs for every order of every event batch);
 * anything else goes through decimal.js.
 */
function money(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  const text = String(value);
  if (!PLAIN_DECIMAL.test(text)) return formatDecimal(text);
  const trimmed = text.includes('.') ? text.replace(/0+$/, '').replace(/\.$/, '') : text;
  return trimmed === '-0' ? '0' : trimmed;
}

/** A stored instant as ISO-8601 UTC; SQLite's text is already that. */
function instant(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) return value.toISOString();
  const text = String(value);
  return CANONICAL_INSTANT.test(text) ? text : new Date(text).toISOString();
}

function text(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}

/** A stored row as the domain's Order (money canonical, instants ISO-8601). */
export function orderFromRow(row: Row): Order {
  const order: Record<string, unknown> = {};
  for (const field of ORDER_FIELDS) {
    const value = row[ORDER_COLUMNS[field]];
    if (MONEY_FIELDS.has(field)) order[field] = money(value);
    else if (TIME_FIELDS.has(field)) order[field] = instant(value);
    else if (field === 'retryCount' || field === 'version') order[field] = Number(value ?? 0);
    else order[field] = text(value);
  }
  return order as unknown as Order;
}

function botFromRow(row: Row): Bot {
  return {
    id: String(row.id),
    userId: text(row.user_id),
    pluginId: String(row.plugin_id),
    exchangeAccountId: text(row.exchange_account_id),
    symbol: String(row.symbol),
    config: typeof row.config === 'string' ? JSON.parse(row.config) : (row.config as Bot['config']),
    status: String(row.status) as BotStatus,
    stopReason: text(row.stop_reason),
    orderTtlMs: Number(row.order_ttl_ms),
    createdAt: instant(row.created_at) ?? '',
    updatedAt: instant(row.updated_at) ?? '',
    version: Number(row.version ?? 1),
  };
}

/**
 * The engine's queries. `lock` is appended to SELECTs of rows about to change.
 *
 * @example
 * const store = new LedgerStore(ledger.forUpdate);
 * await ledger.transaction((q) => store.orderByClientId(q, 'bl-b1-7'));
 */
export class LedgerStore {
  readonly #lock: string;
  constructor(lock: string) {
    this.#lock = lock;
  }

  async orderById(q: SqlQueries, id: string, forUpdate = false): Promise<Order | undefined> {
    const row = await q.get(`select * from orders where id = ?${forUpdate ? this.#lock : ''}`, [id]);
    return row ? orderFromRow(row) : undefined;
  }

  async orderByClientId(q: SqlQueries, clientOrderId: string, forUpdate = false): Promise<Order | undefined> {
    const row = await q.get(`select * from orders where client_order_id = ?${forUpdate ? this.#lock : ''}`, [clientOrderId]);
    return row ? orderFromRow(row) : undefined;
  }

  async orderByExchangeId(q: SqlQueries, exchangeOrderId: string, forUpdate = false): Promise<Order | undefined> {
    const row = await q.get(`select * from orders where exchange_order_id = ?${forUpdate ? this.#lock : ''}`, [exchangeOrderId]);
    return row ? orderFromRow(row) : undefined;
  }

  /** A bot's orders, oldest first, optionally only those in `statuses`. */
  async ordersOfBot(q: SqlQueries, botId: string, statuses?: readonly string[]): Promise<Order[]> {
    const filter = statuses?.length ? ` and status in (${statuses.map(() => '?').join(', ')})` : '';
    const rows = await q.all(`select * from orders where bot_id = ?${filter} order by created_at, id`, [botId, ...(statuses ?? [])]);
    return rows.map(orderFromRow);
  }

  async ordersWithStatus(q: SqlQueries, status: string): Promise<Order[]> {
    return (await q.all('select * from orders where status = ? order by created_at, id', [status])).map(orderFromRow);
  }

  async countOrdersOfBot(q: SqlQueries, botId: string, status: string, intent: string): Promise<number> {
    const row = await q.get<{ n: unknown }>('select count(*) as n from orders where bot_id = ? and status = ? and intent = ?', [botId, status, intent]);
    return Number(row?.n ?? 0);
  }

  /** The bot's most recent exit or stop-loss that filled. */
  async lastClosedExit(q: SqlQueries, botId: string): Promise<Order | undefined> {
    const row = await q.get("select * from orders where bot_id = ? and status = 'closed' and intent <> 'entry' order by created_at desc, id desc limit 1", [botId]);
    return row ? orderFromRow(row) : undefined;
  }

  /** How many orders the bot made at or after `since` (ISO-8601): the orders-per-minute protection. */
  async countOrdersOfBotSince(q: SqlQueries, botId: string, since: string): Promise<number> {
    const row = await q.get<{ n: unknown }>('select count(*) as n from orders where bot_id = ? and created_at >= ?', [botId, since]);
    return Number(row?.n ?? 0);
  }

  /**
   * The fills of the bot's `lastOrders` most recent closed orders made at or after `since`, oldest
   * first, with their order's side and intent: the losing-streak protection's round trips.
   */
  async recentClosedFillsOfBot(
    q: SqlQueries,
    botId: string,
    since: string,
    lastOrders: number,
  ): Promise<{ side: 'buy' | 'sell'; intent: string; price: string; amount: string; fee: string; feeCurrency: string | null; occurredAt: string }[]> {
    const rows = await q.all(
      `select o.side, o.intent, f.price, f.amount, f.fee, f.fee_currency, f.occurred_at
       from fills f join orders o on o.id = f.order_id
       where f.order_id in (select id from orders where bot_id = ? and status = 'closed' and created_at >= ? order by created_at desc, id desc limit ?)
       order by o.created_at, o.id, f.id`,
      [botId, since, lastOrders],
    );
    return rows.map((row) => ({
      side: row.side as 'buy' | 'sell',
      intent: String(row.intent),
      price: formatDecimal(String(row.price)),
      amount: formatDecimal(String(row.amount)),
      fee: formatDecimal(String(row.fee)),
      feeCurrency: text(row.fee_currency),
      occurredAt: instant(row.occurred_at) ?? '',
    }));
  }

  async insertOrder(q: SqlQueries, order: Order): Promise<void> {
    const columns = ORDER_FIELDS.map((field) => ORDER_COLUMNS[field]);
    await q.run(
      `insert into orders (${columns.join(', ')}) values (${columns.map(() => '?').join(', ')})`,
      ORDER_FIELDS.map((field) => order[field]),
    );
  }

  /**
   * Writes the fields of `next` that differ from `previous`, bumping `version`; throws
   * {@link StaleRowError} if the row is no longer at `previous.version`.
   */
  async saveOrder(q: SqlQueries, previous: Order, next: Order): Promise<Order> {
    const changed = ORDER_FIELDS.filter((field) => field !== 'version' && field !== 'id' && next[field] !== previous[field]);
    if (changed.length === 0) return previous;
    const sets = [...changed.map((field) => `${ORDER_COLUMNS[field]} = ?`), 'version = version + 1'];
    const count = await q.run(`update orders set ${sets.join(', ')} where id = ? and version = ?`, [
      ...changed.map((field) => next[field]),
      previous.id,
      previous.version,
    ]);
    if (count !== 1) throw new StaleRowError(`order ${previous.clientOrderId} changed while it was being updated (version ${previous.version})`);
    return { ...next, version: previous.version + 1 };
  }

  async hasFill(q: SqlQueries, orderId: string, tradeId: string): Promise<boolean> {
    return (await q.get('select 1 as one from fills where order_id = ? and exchange_trade_id = ?', [orderId, tradeId])) !== undefined;
  }

  /** Inserts a fill unless (order, trade id) is already stored; true when it was new. */
  async insertFill(q: SqlQueries, fill: NewFill): Promise<boolean> {
    const changed = await q.run(
      `insert into fills (order_id, exchange_trade_id, price, amount, fee, fee_currency, occurred_at, raw, created_at)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict (order_id, exchange_trade_id) do nothing`,
      [fill.orderId, fill.tradeId, fill.price, fill.amount, fill.fee, fill.feeCurrency, fill.occurredAt, JSON.stringify(fill.raw ?? null), fill.at],
    );
    return changed > 0;
  }

  async fillsOf(q: SqlQueries, orderId: string): Promise<{ tradeId: string; amount: string; price: string }[]> {
    const rows = await q.all('select exchange_trade_id, amount, price from fills where order_id = ? order by id', [orderId]);
    return rows.map((row) => ({ tradeId: String(row.exchange_trade_id), amount: formatDecimal(String(row.amount)), price: formatDecimal(String(row.price)) }));
  }

  async appendEvent(q: SqlQueries, entry: EventEntry): Promise<void> {
    await q.run(
      `insert into event_log (occurred_at, created_at, source, type, bot_id, order_id, plugin_id, message, payload, applied)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        entry.occurredAt ?? entry.at,
        entry.at,
        entry.source,
        entry.type,
        entry.botId ?? null,
        entry.orderId ?? null,
        entry.pluginId ?? null,
        entry.message,
        JSON.stringify(entry.payload ?? null),
        entry.applied,
      ],
    );
  }

  /**
   * When botledger first recorded a cancel request for the order (epoch ms), or undefined. A venue
   * cancel before this instant cannot have been botledger's.
   */
  async cancelRequestedAt(q: SqlQueries, orderId: string): Promise<number | undefined> {
    const row = await q.get<{ at: unknown }>("select min(created_at) as at from event_log where order_id = ? and type = 'OrderCancelRequested' and applied = ?", [orderId, true]);
    const at = instant(row?.at);
    return at === null ? undefined : Date.parse(at);
  }

  async botById(q: SqlQueries, id: string, forUpdate = false): Promise<Bot | undefined> {
    const row = await q.get(`select * from bots where id = ?${forUpdate ? this.#lock : ''}`, [id]);
    return row ? botFromRow(row) : undefined;
  }

  /**
   * Inserts a bot. Its client-order-id counter starts after any sequence the venue is known to
   * have used for this bot id (client_order_sequence_floors), so a bot made again with the id of
   * one a restore took away never reuses that one's client order ids.
   */
  async insertBot(q: SqlQueries, bot: Bot): Promise<void> {
    await q.run(
      `insert into bots (id, user_id, plugin_id, exchange_account_id, symbol, config, status, stop_reason, order_ttl_ms, order_sequence, created_at, updated_at, version)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, coalesce((select sequence from client_order_sequence_floors where bot_id = ?), 0), ?, ?, ?)`,
      [bot.id, bot.userId, bot.pluginId, bot.exchangeAccountId, bot.symbol, JSON.stringify(bot.config), bot.status, bot.stopReason, bot.orderTtlMs, bot.id, bot.createdAt, bot.updatedAt, bot.version],
    );
  }

  /** Moves the bot's client-order-id counter up to `sequence` (never down); true when it moved. */
  async raiseOrderSequence(q: SqlQueries, botId: string, sequence: number): Promise<boolean> {
    return (await q.run('update bots set order_sequence = ? where id = ? and order_sequence < ?', [sequence, botId, sequence])) > 0;
  }

  /** Records that the venue has used client-order-id `sequence` for `botId` (kept as the highest seen). */
  async raiseSequenceFloor(q: SqlQueries, botId: string, sequence: number, at: string): Promise<void> {
    await q.run(
      `insert into client_order_sequence_floors (bot_id, sequence, updated_at) values (?, ?, ?)
       on conflict (bot_id) do update set sequence = excluded.sequence, updated_at = excluded.updated_at
       where client_order_sequence_floors.sequence < excluded.sequence`,
      [botId, sequence, at],
    );
  }

  /** The highest client-order-id sequence the venue is known to have used for `botId` (0: none recorded). */
  async sequenceFloor(q: SqlQueries, botId: string): Promise<number> {
    const row = await q.get<{ sequence: unknown }>('select sequence from client_order_sequence_floors where bot_id = ?', [botId]);
    return Number(row?.sequence ?? 0);
  }

  /** The newest order the venue acknowledged (it has an exchange order id): the venue must know it. */
  async newestAcknowledgedOrder(q: SqlQueries): Promise<Order | undefined> {
    const row = await q.get('select * from orders where exchange_order_id is not null order by created_at desc, id desc limit 1');
    return row ? orderFromRow(row) : undefined;
  }

  /** Client order ids of the orders created at or after `since` (ISO-8601), for a batch "do we know it?" check. */
  async clientOrderIdsSince(q: SqlQueries, since: string): Promise<Set<string>> {
    const rows = await q.all<{ client_order_id: unknown }>('select client_order_id from orders where created_at >= ?', [since]);
    return new Set(rows.map((row) => String(row.client_order_id)));
  }

  /** The newest order's creation time, or undefined for a ledger with no order. */
  async newestOrderCreatedAt(q: SqlQueries): Promise<string | undefined> {
    const row = await q.get<{ created_at: unknown }>('select created_at from orders order by created_at desc, id desc limit 1');
    return row ? (instant(row.created_at) ?? undefined) : undefined;
  }

  /** Saves status, stop reason and config of `next`; throws {@link StaleRowError} on a lost race. */
  async saveBot(q: SqlQueries, previous: Bot, next: Bot): Promise<Bot> {
    const count = await q.run(
      'update bots set status = ?, stop_reason = ?, config = ?, updated_at = ?, version = version + 1 where id = ? and version = ?',
      [next.status, next.stopReason, JSON.stringify(next.config), next.updatedAt, previous.id, previous.version],
    );
    if (count !== 1) throw new StaleRowError(`bot ${previous.id} changed while it was being updated (version ${previous.version})`);
    return { ...next, version: previous.version + 1 };
  }

  /** Takes the bot's next client-order-id sequence number. */
  async nextOrderSequence(q: SqlQueries, botId: string): Promise<number> {
    const row = await q.get<{ order_sequence: unknown }>('update bots set order_sequence = order_sequence + 1 where id = ? returning order_sequence', [botId]);
    if (!row) throw new Error(`bot ${botId} does not exist`);
    return Number(row.order_sequence);
  }

  /** Event-log rows of an order or bot, oldest first (for tests, the CLI and reconciliation). */
  async eventsOf(q: SqlQueries, filter: { orderId?: string; botId?: string }): Promise<{ type: string; message: string; source: string; applied: boolean }[]> {
    const [column, value] = filter.orderId ? ['order_id', filter.orderId] : ['bot_id', filter.botId];
    const rows = await q.all(`select type, message, source, applied from event_log where ${column} = ? order by id`, [value]);
    return rows.map((row) => ({ type: String(row.type), message: String(row.message), source: String(row.source), applied: row.applied === true || row.applied === 1 }));
  }
}
