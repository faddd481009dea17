/**
 * Keeps a bot's positions from the fills it stores, inside the same transaction as the fill
 * (the venue-event path, venue-events.ts): an entry fill opens or grows the bot's position on the
 * symbol, an exit or stop-loss fill reduces it, and the fill that brings it to zero closes it and
 * writes its trade (exact pnl, fees included). The engine owns positions: a plugin only asks to
 * close one (position-exits.ts).
 *
 * A long-only bot never goes short: an exit or stop-loss that sells more than the position holds
 * closes the position and the excess is written to the event log as a discrepancy, never opened
 * as a short. Only an entry may open the opposite side.
 */
import { randomUUID } from 'node:crypto';
import { exitReasonForFill } from '../../domain/position/exit-reasons.ts';
import { applyFill, openPosition, type Position } from '../../domain/position/position.ts';
import { tradeFromClosedPosition, type Trade } from '../../domain/position/trade.ts';
import { formatDecimal, parseDecimal } from '../../domain/money.ts';
import { applyOrderEvent, type Order } from '../../domain/order/order.ts';
import type { EventSource } from '../../domain/order/order-events.ts';
import type { UnitOfWork } from '../../storage/unit-of-work.ts';

/** One stored fill, as the position needs it. */
export interface PositionFillInput {
  readonly tradeId: string;
  readonly price: string;
  readonly amount: string;
  readonly fee: string;
  readonly feeCurrency?: string | null;
}

export type PositionChangeKind = 'opened' | 'increased' | 'reduced' | 'closed';

/** What a fill did to the bot's position. */
export interface PositionOutcome {
  readonly position: Position;
  readonly change: PositionChangeKind;
  readonly trade?: Trade;
  /** A position the fill opened after closing the previous one (an entry that flipped the side). */
  readonly reopened?: Position;
  /** The bot's live exit and stop-loss orders on the symbol, left over once the position closed: cancel them (POSITION_CLOSED). */
  readonly leftovers: readonly Order[];
}

/** A new position id: time-ordered, unique. */
export function newPositionId(nowMs: number): string {
  return `p${nowMs.toString(36).padStart(9, '0')}${randomUUID().slice(0, 12)}`;
}

/**
 * The fee in the quote currency: a fee charged in the base currency (some venues take it from the
 * coin bought) is worth fee x price; one in the quote currency (or unnamed) is taken as it is.
 */
export function feeInQuote(symbol: string, fill: PositionFillInput): string {
  const base = symbol.split('/')[0];
  if (fill.feeCurrency && base && fill.feeCurrency === base) return formatDecimal(parseDecimal(fill.fee, 'fee').times(parseDecimal(fill.price, 'price')));
  return fill.fee;
}

/**
 * Applies one stored fill of `order` to its bot's position on the order's symbol, through the
 * unit of work that stored the fill. Orders without a bot (adopted strays) hold no position.
 *
 * @example
 * const outcome = await applyFillToPosition(uow, order, { tradeId: 't1', price: '100', amount: '0.01', fee: '0.001' }, now, 'exchange-ws');
 */
export async function applyFillToPosition(q: UnitOfWork, order: Order, fill: PositionFillInput, now: Date, source: EventSource): Promise<PositionOutcome | undefined> {
  if (!order.botId) return undefined;
  const at = now.toISOString();
  const fee = feeInQuote(order.symbol, fill);
  const held = await q.positions.openPosition(order.botId, order.symbol);
  const log = (type: string, message: string, position: Position, applied = true, extra: object = {}) =>
    q.appendEvent({ source, type, message, orderId: order.id, botId: order.botId, pluginId: order.pluginId, payload: { positionId: position.id, tradeId: fill.tradeId, amount: position.amount, ...extra }, applied, at });

  if (!held) {
    if (order.intent !== 'entry') {
      q.appendEvent({
        source,
        type: 'PositionMissing',
        message: `Fill ${fill.tradeId} of ${order.intent} order ${order.clientOrderId} (${order.side} ${fill.amount}) found no open position of bot ${order.botId} on ${order.symbol} - not applied to any position; a sync will compare with the venue`,
        orderId: order.id,
        botId: order.botId,
        pluginId: order.pluginId,
        payload: { tradeId: fill.tradeId, amount: fill.amount, price: fill.price },
        applied: false,
        at,
      });
      return undefined;
    }
    const bot = await q.bot(order.botId);
    const opened = q.positions.insertPosition(
      openPosition(
        {
          id: newPositionId(now.getTime()),
          pluginId: order.pluginId ?? bot?.pluginId ?? 'unknown',
          symbol: order.symbol,
          side: order.side,
          price: fill.price,
          amount: fill.amount,
          fee,
          botId: order.botId,
          userId: order.userId,
          exchangeAccountId: bot?.exchangeAccountId ?? null,
          exchangeOrderId: order.exchangeOrderId,
        },
        now,
      ),
    );
    log('PositionOpened', `Position ${opened.id} opened: ${opened.side} ${opened.amount} ${opened.symbol} at ${opened.entryPrice} (order ${order.clientOrderId})`, opened);
    return { position: opened, change: 'opened', leftovers: [] };
  }

  const adds = (held.side === 'long') === (order.side === 'buy');
  const applied = applyFill(held, { side: order.side, price: fill.price, amount: fill.amount, fee }, now);
  if (!applied.closed) {
    const position = q.positions.savePosition(held, applied.position);
    const change = adds ? 'increased' : 'reduced';
    log(adds ? 'PositionIncreased' : 'PositionReduced', `Position ${position.id} ${change} to ${position.amount} ${position.symbol} by fill ${fill.tradeId} (${order.side} ${fill.amount} at ${fill.price}, order ${order.clientOrderId})`, position);
    return { position, change, leftovers: [] };
  }

  const exitReason = exitReasonForFill(held.exitReason, order, applied.position.exitPrice ?? fill.price);
  const position = q.positions.savePosition(held, { ...applied.position, exitReason });
  const trade = tradeFromClosedPosition(position, `t-${position.id}`, now);
  q.positions.insertTrade(trade);
  log('PositionClosed', `Position ${position.id} closed: ${exitReason} - pnl ${trade.pnl} (fees ${trade.fees})`, position, true, { pnl: trade.pnl, exitReason });
  const leftovers = await closeOrdersOfPosition(q, order, position, now, source);

  let reopened: Position | undefined;
  if (applied.remainder !== null) {
    if (order.intent === 'entry') {
      reopened = q.positions.insertPosition(
        openPosition(
          { id: newPositionId(now.getTime()), pluginId: position.pluginId, symbol: order.symbol, side: order.side, price: fill.price, amount: applied.remainder, botId: order.botId, userId: order.userId, exchangeAccountId: position.exchangeAccountId, exchangeOrderId: order.exchangeOrderId },
          now,
        ),
      );
      log('PositionOpened', `Position ${reopened.id} opened: ${reopened.side} ${reopened.amount} ${reopened.symbol} at ${reopened.entryPrice} (the rest of entry fill ${fill.tradeId})`, reopened);
    } else {
      log(
        'PositionOverfilled',
        `Fill ${fill.tradeId} of ${order.intent} order ${order.clientOrderId} ${order.side === 'sell' ? 'sold' : 'bought'} ${applied.remainder} more than position ${position.id} held - not opened as a ${held.side === 'long' ? 'short' : 'long'}; a sync will compare with the venue`,
        position,
        false,
        { excess: applied.remainder },
      );
    }
  }
  return { position, change: 'closed', trade, ...(reopened ? { reopened } : {}), leftovers };
}

/**
 * Once a position closes: the bot's executed entries on the symbol are done (ongoing -> closed,
 * through the transition table), and its live exits and stop-losses other than `closing` are
 * left over (returned, to be cancelled after COMMIT: a venue is never called inside a transaction).
 */
async function closeOrdersOfPosition(q: UnitOfWork, closing: Order, position: Position, now: Date, source: EventSource): Promise<Order[]> {
  const orders = await q.lockOrdersOfBot(closing.botId as string, ['ongoing', 'pending', 'failed']);
  const leftovers: Order[] = [];
  for (const order of orders) {
    if (order.symbol !== closing.symbol || order.id === closing.id) continue;
    if (order.status === 'ongoing' && order.intent === 'entry') {
      const result = applyOrderEvent(order, { type: 'PositionClosed', detail: position.exitReason ?? undefined }, now);
      if (result.outcome !== 'applied') continue;
      const saved = q.saveOrder(order, result.order);
      q.appendEvent({ source, type: 'PositionClosed', message: `Order ${saved.clientOrderId}: ${saved.reason}`, orderId: saved.id, botId: saved.botId, pluginId: saved.pluginId, payload: { positionId: position.id }, applied: true, at: now.toISOString() });
    } else if (order.intent !== 'entry' && order.status !== 'ongoing' && order.cancellationReason === null) {
      leftovers.push(order);
    }
  }
  return leftovers;
}
