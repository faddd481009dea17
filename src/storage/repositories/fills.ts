/**
 * Fills: unique per (order, exchange trade id), inserted idempotently, so a duplicated venue event
 * never counts twice (docs/architecture.md, decision 7). An order's filled amount is derived from them.
 */
import type { Kysely } from 'kysely';
import { summarizeFills } from '../../domain/order/order.ts';
import { jsonIn, jsonOut, jsonSelect, moneyIn, moneyOut, timeIn, timeOut } from './codec.ts';
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

/**
 * Inserts a fill unless (order, trade id) is already stored. True when it was new; false for a
 * repeat, which the caller must then not apply to the order again.
 *
 * @example
 * if (await insertFill(trx, { orderId, exchangeTradeId: fill.tradeId, price: fill.price, amount: fill.amount, occurredAt })) {
 *   // new fill: apply OrderFilled / OrderPartiallyFilled to the order
 * }
 */
export async function insertFill(db: Kysely<any>, fill: NewFill): Promise<boolean> {
  const occurredAt = timeIn(fill.occurredAt, 'occurredAt');
  const rows = await db
    .insertInto('fills')
    .values({
      order_id: fill.orderId,
      exchange_trade_id: fill.exchangeTradeId,
      price: moneyIn(fill.price, 'price'),
      amount: moneyIn(fill.amount, 'amount'),
      fee: moneyIn(fill.fee ?? '0', 'fee'),
      fee_currency: fill.feeCurrency ?? null,
      occurred_at: occurredAt,
      raw: jsonIn(fill.raw),
      created_at: fill.createdAt ? timeIn(fill.createdAt, 'createdAt') : occurredAt,
    })
    .onConflict((conflict) => conflict.columns(['order_id', 'exchange_trade_id']).doNothing())
    .returning('id')
    .execute();
  return rows.length === 1;
}

/** The fills of an order, oldest first. */
export async function listFills(db: Kysely<any>, orderId: string): Promise<FillRecord[]> {
  const rows = await db
    .selectFrom('fills')
    .select([
      'id',
      'order_id',
      'exchange_trade_id',
      'price',
      'amount',
      'fee',
      'fee_currency',
      'occurred_at',
      'created_at',
      jsonSelect('raw').as('raw'),
    ])
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
  db: Kysely<any>,
  orderId: string,
): Promise<{ filledAmount: string; averagePrice: string | null; fills: number }> {
  const rows = await db.selectFrom('fills').select(['price', 'amount']).where('order_id', '=', orderId).execute();
  const summary = summarizeFills(rows.map((row) => ({ price: moneyOut(row.price), amount: moneyOut(row.amount) })));
  return { ...summary, fills: rows.length };
}

/** A fill with its order's side and intent, for round trips: the domain's own shape. */
export type BotFill = RoundTripFill;

/**
 * The fills of a bot's closed orders, in the order the orders were made (then by fill id): what
 * its realized result is computed from while positions and trades are not written yet.
 *
 * @example
 * const fills = await listClosedOrderFillsOfBot(db, 'scalp1');
 * realizedFromFills('BTC/USDT', fills).realizedPnl;
 */
export async function listClosedOrderFillsOfBot(db: Kysely<any>, botId: string): Promise<BotFill[]> {
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
  return rows.map((row) => ({
    side: row.side as 'buy' | 'sell',
    intent: String(row.intent),
    price: moneyOut(row.price),
    amount: moneyOut(row.amount),
    fee: moneyOut(row.fee),
    feeCurrency: (row.fee_currency as string | null) ?? null,
    occurredAt: timeOut(row.occurred_at),
  }));
}

/**
 * How many fills the bot's orders have.
 *
 * @example
 * await countFillsOfBot(db, 'scalp1'); // 12
 */
export async function countFillsOfBot(db: Kysely<any>, botId: string): Promise<number> {
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
export async function botIdsWithFillsSince(db: Kysely<any>, since: string): Promise<string[]> {
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
