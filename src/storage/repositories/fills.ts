/**
 * Fills: unique per (order, exchange trade id), inserted idempotently, so a duplicated venue event
 * never counts twice (docs/architecture.md, decision 7). An order's filled amount is derived from them.
 */
import type { Kysely } from 'kysely';
import type { LedgerSchema } from '../schema.ts';
import { insertMany, placeholders } from '../sql/batch.ts';
import type { SqlExecutor } from '../sql/executor.ts';
import { summarizeFills } from '../../domain/order/order.ts';
import { jsonIn, jsonOut, jsonSelect, moneyIn, moneyOut, textOut, timeIn, timeOut } from './codec.ts';
import type { RoundTripFill } from '../../domain/position/round-trips.ts';

export interface NewFill {
  readonly orderId: string;
  readonly exchangeTradeId: string;
  readonly price: string;
  readonly amount: string;
  /** Default "0". */
  readonly fee?: string;
  readonly feeCurrency?: string | null;
  readonly occurredAt: string;
  /** The venue's payload as received. */
  readonly raw?: unknown;
  /** Default occurredAt. */
  readonly createdAt?: string;
}

export interface FillRecord {
  readonly id: string;
  readonly orderId: string;
  readonly exchangeTradeId: string;
  readonly price: string;
  readonly amount: string;
  readonly fee: string;
  readonly feeCurrency: string | null;
  readonly occurredAt: string;
  readonly raw: unknown;
  readonly createdAt: string;
}

const FILL_COLUMNS = ['order_id', 'exchange_trade_id', 'price', 'amount', 'fee', 'fee_currency', 'occurred_at', 'raw', 'created_at'] as const;

/** Pushes a new fill's column values, in FILL_COLUMNS order (money checked, naming the column). */
function fillValues(fill: NewFill, out: unknown[]): void {
  const occurredAt = timeIn(fill.occurredAt, 'occurredAt');
  out.push(
    fill.orderId,
    fill.exchangeTradeId,
    moneyIn(fill.price, 'fills.price', 'price'),
    moneyIn(fill.amount, 'fills.amount', 'amount'),
    moneyIn(fill.fee ?? '0', 'fills.fee', 'fee'),
    fill.feeCurrency ?? null,
    occurredAt,
    jsonIn(fill.raw),
    fill.createdAt ? timeIn(fill.createdAt, 'createdAt') : occurredAt,
  );
}

/**
 * Inserts fills in one statement, skipping any (order, trade id) already stored, so a duplicated
 * venue event never counts twice. A unit of work checks the trade ids first ({@link fillKeysOf}).
 *
 * @example
 * await insertFills(q, [{ orderId, exchangeTradeId: fill.tradeId, price: fill.price, amount: fill.amount, occurredAt }]);
 */
export async function insertFills(q: SqlExecutor, fills: readonly NewFill[]): Promise<void> {
  if (fills.length === 0) return;
  await insertMany(q, 'fills', FILL_COLUMNS, fills, fillValues, 'on conflict (order_id, exchange_trade_id) do nothing');
}

/**
 * The (order id, trade id) pairs already stored for these orders, as `orderId + "\u0000" + tradeId`.
 *
 * @example
 * const keys = await fillKeysOf(q, ['o1', 'o2']);
 */
export async function fillKeysOf(q: SqlExecutor, orderIds: readonly string[]): Promise<Set<string>> {
  const keys = new Set<string>();
  if (orderIds.length === 0) return keys;
  const rows = await q.all(`select order_id, exchange_trade_id from fills where order_id in (${placeholders(orderIds.length)})`, orderIds);
  for (const row of rows) keys.add(fillKey(String(row.order_id), String(row.exchange_trade_id)));
  return keys;
}

/** The key of a fill in {@link fillKeysOf}. */
export function fillKey(orderId: string, tradeId: string): string {
  return `${orderId}\u0000${tradeId}`;
}

/** The fills of an order, oldest first. */
export async function listFills(db: Kysely<LedgerSchema>, orderId: string): Promise<FillRecord[]> {
  const rows = await db
    .selectFrom('fills')
    .select(['id', ...FILL_COLUMNS.filter((column) => column !== 'raw'), jsonSelect('raw').as('raw')])
    .where('order_id', '=', orderId)
    .orderBy('id')
    .execute();
  return rows.map((row) => ({
    id: String(row.id),
    orderId: String(row.order_id),
    exchangeTradeId: String(row.exchange_trade_id),
    price: moneyOut(row.price),
    amount: moneyOut(row.amount),
    fee: moneyOut(row.fee),
    feeCurrency: (row.fee_currency as string | null) ?? null,
    occurredAt: timeOut(row.occurred_at),
    raw: jsonOut(row.raw),
    createdAt: timeOut(row.created_at),
  }));
}

/**
 * Filled amount, average price (18 places) and count of an order's stored fills, summed exactly
 * with decimal.js on both dialects.
 *
 * @example
 * await sumFills(db, 'o1'); // { filledAmount: '1', averagePrice: '100.5', fills: 2 }
 */
export async function sumFills(
  db: Kysely<LedgerSchema>,
  orderId: string,
): Promise<{ filledAmount: string; averagePrice: string | null; fills: number }> {
  const rows = await db.selectFrom('fills').select(['price', 'amount']).where('order_id', '=', orderId).execute();
  const summary = summarizeFills(rows.map((row) => ({ price: moneyOut(row.price), amount: moneyOut(row.amount) })));
  return { ...summary, fills: rows.length };
}

/** A fill with its order's side and intent, for round trips: the domain's own shape. */
export type BotFill = RoundTripFill;

/** A fill joined with its order's side and intent, as a {@link BotFill}. */
function botFillFromRow(row: { side: string; intent: string; price: unknown; amount: unknown; fee: unknown; fee_currency: unknown; occurred_at: unknown }): BotFill {
  return {
    side: row.side as 'buy' | 'sell',
    intent: String(row.intent),
    price: moneyOut(row.price),
    amount: moneyOut(row.amount),
    fee: moneyOut(row.fee),
    feeCurrency: textOut(row.fee_currency),
    occurredAt: timeOut(row.occurred_at),
  };
}

/**
 * The fills of a bot's closed orders, in the order the orders were made (then by fill id): what
 * its realized result is computed from while positions and trades are not written yet.
 *
 * @example
 * const fills = await listClosedOrderFillsOfBot(db, 'scalp1');
 * realizedFromFills('BTC/USDT', fills).realizedPnl;
 */
export async function listClosedOrderFillsOfBot(db: Kysely<LedgerSchema>, botId: string): Promise<BotFill[]> {
  const rows = await db
    .selectFrom('fills')
    .innerJoin('orders', 'orders.id', 'fills.order_id')
    .select(['orders.side', 'orders.intent', 'fills.price', 'fills.amount', 'fills.fee', 'fills.fee_currency', 'fills.occurred_at'])
    .where('orders.bot_id', '=', botId)
    .where('orders.status', '=', 'closed')
    .orderBy('orders.created_at')
    .orderBy('orders.id')
    .orderBy('fills.id')
    .execute();
  return rows.map(botFillFromRow);
}

/**
 * How many fills the bot's orders have.
 *
 * @example
 * await countFillsOfBot(db, 'scalp1'); // 12
 */
export async function countFillsOfBot(db: Kysely<LedgerSchema>, botId: string): Promise<number> {
  const row = await db
    .selectFrom('fills')
    .innerJoin('orders', 'orders.id', 'fills.order_id')
    .select(db.fn.countAll().as('count'))
    .where('orders.bot_id', '=', botId)
    .executeTakeFirst();
  return Number(row?.count ?? 0);
}

/**
 * The bots that have a fill recorded at or after `since` (ISO-8601): those that traded during a run.
 *
 * @example
 * await botIdsWithFillsSince(db, runStartedAt); // ['scalp1', 'scalp2']
 */
export async function botIdsWithFillsSince(db: Kysely<LedgerSchema>, since: string): Promise<string[]> {
  const rows = await db
    .selectFrom('fills')
    .innerJoin('orders', 'orders.id', 'fills.order_id')
    .select('orders.bot_id')
    .distinct()
    .where('fills.created_at', '>=', timeIn(since, 'since'))
    .where('orders.bot_id', 'is not', null)
    .orderBy('orders.bot_id')
    .execute();
  return rows.map((row) => String(row.bot_id));
}

/**
 * The fills of the bot's `lastOrders` most recent closed orders made at or after `since`, oldest
 * first, with their order's side and intent: the losing-streak protection's round trips.
 *
 * @example
 * await recentClosedFillsOfBot(db, 'scalp1', bot.updatedAt, 24);
 */
export async function recentClosedFillsOfBot(db: Kysely<LedgerSchema>, botId: string, since: string, lastOrders: number): Promise<BotFill[]> {
  const recent = db
    .selectFrom('orders')
    .select('id')
    .where('bot_id', '=', botId)
    .where('status', '=', 'closed')
    .where('created_at', '>=', since)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(lastOrders);
  const rows = await db
    .selectFrom('fills')
    .innerJoin('orders', 'orders.id', 'fills.order_id')
    .select(['orders.side', 'orders.intent', 'fills.price', 'fills.amount', 'fills.fee', 'fills.fee_currency', 'fills.occurred_at'])
    .where('fills.order_id', 'in', recent)
    .orderBy('orders.created_at')
    .orderBy('orders.id')
    .orderBy('fills.id')
    .execute();
  return rows.map(botFillFromRow);
}

/**
 * The trade ids, amounts and prices of an order's stored fills, oldest first.
 *
 * @example
 * const stored = new Set((await fillsOf(db, order.id)).map((fill) => fill.tradeId));
 */
export async function fillsOf(db: Kysely<LedgerSchema>, orderId: string): Promise<{ tradeId: string; amount: string; price: string }[]> {
  const rows = await db.selectFrom('fills').select(['exchange_trade_id', 'amount', 'price']).where('order_id', '=', orderId).orderBy('id').execute();
  return rows.map((row) => ({ tradeId: String(row.exchange_trade_id), amount: moneyOut(row.amount), price: moneyOut(row.price) }));
}
