/**
 * Fills of orders botledger never placed (a person selling at the venue, another program on the
 * same account) that close or reduce a position of the ledger. Sync records such an order as an
 * exit of the bot whose position it reduces (oldest position first), with an `OrderAdopted` row
 * saying so, and applies its fills through the engine's one fill path (idempotent by trade id):
 * the position shrinks or closes exactly as for the bot's own exit, and a second sync finds the
 * fills stored.
 */
import { applyOrderEvent, createOrder, type Order } from '../../domain/order/order.ts';
import { Decimal, formatDecimal, parseDecimal } from '../../domain/money.ts';
import type { FillReport } from '../../exchange/exchange-adapter.ts';
import type { PositionSize } from '../../storage/repositories/position-sync.ts';
import { closedOutside } from '../../domain/position/exit-reasons.ts';
import { type ExecutionEngine, newOrderId } from '../orders/execution.ts';

/** One venue order botledger does not know, with its fills on one symbol. */
export interface OutsideOrder {
  readonly exchangeOrderId: string;
  readonly clientOrderId: string;
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly amount: string;
  readonly fills: readonly FillReport[];
}

/**
 * Groups fills of unknown orders by the venue's order id, oldest first.
 *
 * @example
 * const orders = outsideOrdersOf(unknownFills);
 */
export function outsideOrdersOf(fills: readonly FillReport[]): OutsideOrder[] {
  const byOrder = new Map<string, FillReport[]>();
  for (const fill of [...fills].sort((a, b) => a.timestamp - b.timestamp)) {
    const key = fill.exchangeOrderId || `${fill.clientOrderId}:${fill.tradeId}`;
    byOrder.set(key, [...(byOrder.get(key) ?? []), fill]);
  }
  return [...byOrder.entries()].map(([key, list]) => {
    const first = list[0] as FillReport;
    const amount = list.reduce((sum, fill) => sum.plus(parseDecimal(fill.amount, 'amount')), new Decimal(0));
    return { exchangeOrderId: first.exchangeOrderId || key, clientOrderId: first.clientOrderId, symbol: first.symbol, side: first.side, amount: formatDecimal(amount), fills: list };
  });
}

/**
 * Which open position each outside order reduces: the oldest position of its symbol on the other
 * side that still holds at least the order's amount (after the orders given to it before). An
 * order no single position can take is left out (sync leaves that symbol for a person).
 *
 * @example
 * const plan = assignOutsideOrders(orders, openPositions);
 */
export function assignOutsideOrders(orders: readonly OutsideOrder[], positions: readonly PositionSize[]): { order: OutsideOrder; position: PositionSize }[] {
  const left = new Map(positions.map((position) => [position.id, parseDecimal(position.amount, 'amount')]));
  const plan: { order: OutsideOrder; position: PositionSize }[] = [];
  for (const order of orders) {
    const amount = parseDecimal(order.amount, 'amount');
    const reduces = (position: PositionSize) => position.symbol === order.symbol && (position.side === 'long') === (order.side === 'sell');
    const position = positions.find((candidate) => reduces(candidate) && candidate.botId !== null && (left.get(candidate.id) as Decimal).gte(amount));
    if (!position) continue;
    left.set(position.id, (left.get(position.id) as Decimal).minus(amount));
    plan.push({ order, position });
  }
  return plan;
}

/** What adopting one outside order did. */
export interface AdoptedOutsideOrder {
  readonly order: Order;
  /** True when its fills closed the position. */
  readonly closedPosition: boolean;
  /** The bot's exits and stop-losses left live by the close: cancel them after the commit (POSITION_CLOSED). */
  readonly leftovers: readonly Order[];
}

/** Amount-weighted price of the fills. */
function averagePrice(fills: readonly FillReport[]): string {
  const amount = fills.reduce((sum, fill) => sum.plus(parseDecimal(fill.amount, 'amount')), new Decimal(0));
  const value = fills.reduce((sum, fill) => sum.plus(parseDecimal(fill.amount, 'amount').times(parseDecimal(fill.price, 'price'))), new Decimal(0));
  return formatDecimal(value.div(amount).toDecimalPlaces(18, Decimal.ROUND_HALF_EVEN));
}

/**
 * Records one outside order as an exit of the position's bot and applies its fills (one
 * transaction). When they close the position, its exit reason says so first (the closing fill
 * keeps it). Returns the order as recorded, or undefined when the ledger has it already.
 *
 * @example
 * await adoptOutsideOrder(execution, order, position);
 */
export async function adoptOutsideOrder(execution: ExecutionEngine, outside: OutsideOrder, position: PositionSize): Promise<AdoptedOutsideOrder | undefined> {
  const venue = execution.venueName;
  return execution.transact(async (uow) => {
    // Recorded by an earlier sync (or meanwhile): its fills are stored with it.
    if (await uow.order(undefined, outside.exchangeOrderId)) return undefined;
    const botId = position.botId as string;
    const bot = await uow.bot(botId);
    if (!bot) return undefined;
    const clientOrderId = outside.clientOrderId && !(await uow.order(outside.clientOrderId, undefined)) ? outside.clientOrderId : `venue-${outside.exchangeOrderId}`;
    const placedAt = new Date((outside.fills[0] as FillReport).timestamp);
    const at = execution.now();
    let order = createOrder(
      {
        id: newOrderId(placedAt.getTime()),
        clientOrderId,
        symbol: outside.symbol,
        side: outside.side,
        type: 'market',
        intent: 'exit',
        amount: outside.amount,
        price: null,
        userId: bot.userId,
        botId: bot.id,
        pluginId: bot.pluginId,
        ttlMs: bot.orderTtlMs,
      },
      placedAt,
    );
    uow.insertOrder(order);
    const accepted = applyOrderEvent(order, { type: 'OrderAccepted', exchangeOrderId: outside.exchangeOrderId }, at);
    if (accepted.outcome === 'applied') order = uow.saveOrder(order, accepted.order);
    const message =
      `Order ${outside.exchangeOrderId} (${outside.side} ${outside.amount} ${outside.symbol}, ${outside.fills.length} fill(s)) was placed at ${venue} outside botledger ` +
      `(by a person or another program) and reduced the account's position there: recorded as ${clientOrderId}, an exit of bot ${bot.id}'s position ${position.id}`;
    uow.appendEvent({
      source: 'reconciliation',
      type: 'OrderAdopted',
      message,
      orderId: order.id,
      botId: bot.id,
      pluginId: bot.pluginId,
      payload: { positionId: position.id, fills: outside.fills.map((fill) => fill.raw ?? fill) },
      applied: true,
      at: at.toISOString(),
      occurredAt: placedAt.toISOString(),
    });
    const held = await uow.positions.positionById(position.id);
    const closes = held?.status === 'open' && parseDecimal(outside.amount, 'amount').gte(parseDecimal(held.amount, 'amount'));
    if (held && closes) uow.positions.savePosition(held, { ...held, exitReason: closedOutside(venue, clientOrderId, averagePrice(outside.fills)) });
    const leftovers: Order[] = [];
    for (const fill of outside.fills) {
      const outcome = await execution.applier.apply(uow, { type: 'fill', fill: { ...fill, clientOrderId } }, 'reconciliation');
      leftovers.push(...(outcome.position?.leftovers ?? []));
    }
    const after = await uow.positions.positionById(position.id);
    return { order: (await uow.orderById(order.id)) as Order, closedPosition: after?.status === 'closed', leftovers };
  });
}
