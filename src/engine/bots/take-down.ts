/**
 * Taking a bot's live orders down (update, stop, delete), aware of the positions it holds.
 *
 * One transaction: the bot change, a cancel request with the system reason on every live order
 * (a failed order is cancelled outright), and, for a stop or delete, one event-log entry per
 * position the bot still holds saying so. COMMIT. Then the venue cancels, one by one. The reason is
 * committed before the venue is asked, so the venue's cancel event, which can arrive on another
 * connection before the cancel call returns, never looks like an outside cancel (seeds 000, 001).
 *
 * A stop or delete never leaves a position silently unprotected: the stop-loss order that protects
 * a held position is NOT cancelled (entries and exits are), and the event log says what the bot
 * still holds and whether a stop-loss protects it. Closing the position instead is the caller's
 * choice (BotService.stop/delete with `closePosition`), done after the take-down.
 */
import type { Bot } from '../../domain/bot/bot.ts';
import { decideOrderCommand } from '../../domain/order/order-commands.ts';
import type { EventSource } from '../../domain/order/order-events.ts';
import type { Order } from '../../domain/order/order.ts';
import { type Position, stopLossState } from '../../domain/position/position.ts';
import type { UnitOfWork } from '../../storage/unit-of-work.ts';
import type { ExecutionEngine, SystemCancellationReason } from '../orders/execution.ts';

/** Raised for a bot id the ledger does not have. */
export class BotNotFoundError extends Error {
  readonly code = 'BOT_NOT_FOUND';
}

/** What a take-down does to the bot itself. */
export type BotChangeFn = (bot: Bot) => { bot: Bot; changed: boolean; message: string };

/** A position the bot still holds after a stop or delete, and what protects it. */
export interface HeldPosition {
  readonly position: Position;
  /** The live stop-loss order kept at the venue, if any. */
  readonly stopOrder?: Order;
  /** One whole sentence: what the bot holds and whether it is protected (or being closed). */
  readonly sentence: string;
}

/** What {@link takeDownBot} did. */
export interface TakeDown {
  /** Cancel requests sent to the venue. */
  readonly cancelled: readonly Order[];
  /** The positions the bot holds (stop and delete only). */
  readonly held: readonly HeldPosition[];
}

const isLiveStop = (order: Order) => order.intent === 'stop_loss' && order.status === 'pending' && order.cancellationReason === null;

/**
 * The sentence a stop or delete says about a position the bot still holds.
 *
 * @example
 * describeHeldPosition('scalp1', 'stopped', position, stopOrder, false);
 * // 'Bot scalp1 stopped; it still holds long 0.01 BTC/USDT (position p1), protected by its stop-loss at 59000'
 */
export function describeHeldPosition(botId: string, done: 'stopped' | 'deleted', position: Position, stopOrder: Order | undefined, closing: boolean): string {
  const holds = `Bot ${botId} ${done}; it still holds ${position.side} ${position.amount} ${position.symbol} (position ${position.id})`;
  if (closing) return `${holds}, which is being closed at market (--close-position)`;
  const stopPrice = stopOrder?.stopPrice ?? position.stopLossPrice;
  if (stopOrder) return `${holds}, protected by its stop-loss at ${stopPrice ?? 'market'} (order ${stopOrder.clientOrderId})`;
  const close = `close it with \`botledger positions close ${position.id}\``;
  if (stopLossState(position) === 'none') return `${holds}, NOT protected: no stop-loss; ${close}`;
  return `${holds}, NOT protected: its stop-loss at ${stopPrice} is not at the venue; ${close}`;
}

/** The bot's open positions and their live stop-loss orders, as the take-down found them (locked). */
async function heldPositions(uow: UnitOfWork, botId: string, orders: readonly Order[], done: 'stopped' | 'deleted', closing: boolean): Promise<HeldPosition[]> {
  const positions = await uow.positions.openPositionsOfBot(botId);
  return positions.map((position) => {
    const stops = orders.filter((order) => order.symbol === position.symbol && isLiveStop(order));
    const stopOrder = stops.find((order) => order.id === position.slOrderId) ?? stops[0];
    return { position, stopOrder, sentence: describeHeldPosition(botId, done, position, stopOrder, closing) };
  });
}

/**
 * Takes the bot's live orders down with `reason` and applies `change` to the bot, in one
 * transaction; then sends the cancels. For STOP and DELETE, the stop-loss orders of the positions
 * the bot holds are kept, and each held position is written to the event log.
 *
 * @example
 * const { held } = await takeDownBot(execution, 'scalp1', 'STOP', 'cli', (bot) => stopBot(bot, 'Stopped by alice', now));
 */
export async function takeDownBot(
  execution: ExecutionEngine,
  botId: string,
  reason: SystemCancellationReason,
  source: EventSource,
  change: BotChangeFn,
  options: { closing?: boolean } = {},
): Promise<TakeDown> {
  const endsBot = reason === 'STOP' || reason === 'DELETE';
  const { requested, held } = await execution.transact(async (uow) => {
    const now = execution.now();
    const at = now.toISOString();
    const orders = await uow.lockOrdersOfBot(botId, ['pending', 'failed']);
    const held = endsBot ? await heldPositions(uow, botId, orders, reason === 'STOP' ? 'stopped' : 'deleted', options.closing ?? false) : [];
    // Every stop-loss on a symbol the bot holds stays, placed or failed (its manager retries it):
    // the position must not lose its protection.
    const heldSymbols = new Set(held.map((entry) => entry.position.symbol));
    const kept = new Set(orders.filter((order) => order.intent === 'stop_loss' && order.cancellationReason === null && heldSymbols.has(order.symbol)).map((order) => order.id));
    const requested: Order[] = [];
    for (const locked of orders) {
      if (kept.has(locked.id)) continue;
      const { result } = decideOrderCommand(locked, { type: 'CancelOrder', orderId: locked.id, cancellationReason: reason, actor: source }, now);
      if (result.outcome !== 'applied') continue;
      const saved = uow.saveOrder(locked, result.order);
      const message = saved.status === 'cancelled' ? `Order ${saved.clientOrderId}: ${saved.reason}` : `${result.explanation} - recorded before asking the venue`;
      uow.appendEvent({ source, type: 'OrderCancelRequested', message, orderId: saved.id, botId, pluginId: saved.pluginId, payload: { cancellationReason: reason }, applied: true, at });
      if (saved.status === 'pending') requested.push(saved);
    }
    const bot = await uow.bot(botId);
    if (!bot) throw new BotNotFoundError(`bot ${botId} does not exist`);
    const changed = change(bot);
    if (changed.changed) uow.saveBot(bot, changed.bot);
    const type = `Bot${reason === 'UPDATE' ? 'Updated' : reason === 'STOP' ? 'Stopped' : 'Deleted'}`;
    uow.appendEvent({ source, type, message: changed.message, botId, pluginId: bot.pluginId, payload: changed.bot.config, applied: changed.changed, at });
    for (const entry of held) {
      uow.appendEvent({
        source,
        type: 'BotHoldsPosition',
        message: entry.sentence,
        orderId: entry.stopOrder?.id ?? null,
        botId,
        pluginId: bot.pluginId,
        payload: { positionId: entry.position.id, stopLossState: entry.stopOrder ? 'protected' : stopLossState(entry.position), closing: options.closing ?? false },
        applied: true,
        at,
      });
    }
    return { requested, held };
  });
  for (const order of requested) await execution.sendCancel(order);
  return { cancelled: requested, held };
}
