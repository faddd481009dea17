/**
 * What the stop-loss manager (stop-losses.ts) does after a stop order failed: each failed attempt
 * is counted once on the position (retry_count + 1, last_error_at, error_details with the venue's
 * raw body; the order keeps the venue's whole words in its reason), and the domain decides
 * (domain/position/stop-loss.ts): try again after the backoff, or give the stop up and exit at
 * market. The emergency exit is one transaction: the stop DROPPED, the position's exit_reason set
 * to the emergency sentence with the venue's whole message, the market exit recorded; COMMIT;
 * then the venue.
 *
 * An attempt is "counted" when the position's error_details names the order and the attempt
 * (order.retry_count + 1), so a failure seen twice (the manager's own placement, then the commit
 * that recorded it) or after a restart (the error itself lost: the order's reason stands in for
 * it) is counted once.
 */
import type { Bot, JsonValue } from '../../domain/bot/bot.ts';
import { DEFAULT_PROTECTIONS, protectionLimits } from '../../domain/bot/protections.ts';
import { decideOrderCommand } from '../../domain/order/order-commands.ts';
import type { Order } from '../../domain/order/order.ts';
import { type Position, recordPositionError } from '../../domain/position/position.ts';
import { closingSide, decideAfterStopLossFailure, type StopLossBackoff, stopLossRetryDueAt } from '../../domain/position/stop-loss.ts';
import { OrderWouldTriggerError } from '../../exchange/exchange-adapter.ts';
import type { ExecutionEngine, PlacementFailure } from '../orders/execution.ts';

/** Who the stop-loss manager is in the event log and in commands. */
export const STOP_LOSS_ACTOR = 'stop-loss manager';

/** A bot's `protections.stopLossAttempts`; the default when its stored config is somehow invalid (create and update refuse it anyway). */
export function stopLossAttemptsOf(bot: Bot): number {
  try {
    return protectionLimits(bot.config).stopLossAttempts;
  } catch {
    return DEFAULT_PROTECTIONS.stopLossAttempts;
  }
}

/** error_details of a position whose stop failed. */
interface StopLossErrorDetails {
  readonly message: string;
  readonly stopLossOrderId: string;
  readonly attempt: number;
}

function countedAttempt(position: Position, order: Order): boolean {
  const details = position.errorDetails as Partial<StopLossErrorDetails> | null;
  return details?.stopLossOrderId === order.id && details.attempt === order.retryCount + 1;
}

/** A value the JSON column can hold (the venue's raw body as it would be serialized). */
function asJson(value: unknown): JsonValue {
  try {
    return JSON.parse(JSON.stringify(value ?? null)) as JsonValue;
  } catch {
    return String(value);
  }
}

export class StopLossFailures {
  readonly #execution: ExecutionEngine;
  readonly #backoff: StopLossBackoff;
  /** The last placement error of each stop order in this process (its class and raw body). */
  readonly #errors = new Map<string, PlacementFailure>();

  constructor(execution: ExecutionEngine, backoff: StopLossBackoff) {
    this.#execution = execution;
    this.#backoff = backoff;
  }

  remember(failure: PlacementFailure): void {
    this.#errors.set(failure.order.id, failure);
  }

  /**
   * The stop order `order` of `position` is failed: count the attempt (once) and retry later or
   * exit; or, the attempt already counted, call `retry` when the backoff is over.
   */
  async afterFailure(position: Position, order: Order, bot: Bot, retry: (failed: Order) => Promise<void>): Promise<void> {
    if (countedAttempt(position, order)) {
      if (this.#execution.clock.now() >= stopLossRetryDueAt(position, this.#backoff)) await retry(order);
      return;
    }
    await this.#count(position, order, bot);
  }

  async #count(position: Position, order: Order, bot: Bot): Promise<void> {
    const execution = this.#execution;
    const failure = this.#errors.get(order.id);
    this.#errors.delete(order.id);
    const error = failure?.error as Error | undefined;
    // Without the error (failed by reconciliation, or before a restart) the order's reason says it whole.
    const venueMessage = error?.message ?? order.reason;
    const attempt = order.retryCount + 1;
    const maxAttempts = stopLossAttemptsOf(bot);
    const now = execution.now();
    const decision = decideAfterStopLossFailure({ attempt, maxAttempts, wouldTrigger: error instanceof OrderWouldTriggerError, venueMessage, now: now.getTime() }, this.#backoff);
    const raw = asJson(failure?.raw ?? { reason: order.reason });
    const cancels: Order[] = [];
    const exit = await execution.transact(async (uow) => {
      cancels.length = 0;
      const locked = await uow.positions.positionById(position.id);
      const stored = await uow.orderById(order.id);
      if (locked?.status !== 'open' || locked.slOrderId !== order.id || countedAttempt(locked, order)) return undefined;
      if (stored?.status !== 'failed' || stored.retryCount !== order.retryCount) return undefined;
      const at = now.toISOString();
      const base = { source: 'engine' as const, orderId: order.id, botId: bot.id, pluginId: locked.pluginId, at };
      const counted = recordPositionError(locked, decision.message, { stopLossOrderId: order.id, attempt, maxAttempts, venueError: raw }, now);
      if (decision.action === 'retry') {
        uow.positions.savePosition(locked, counted);
        uow.saveOrder(stored, { ...stored, nextRetryAt: new Date(decision.retryAt).toISOString() });
        const next = `tried again at ${new Date(decision.retryAt).toISOString()}`;
        uow.appendEvent({ ...base, type: 'StopLossFailed', message: `Position ${locked.id}: ${decision.message} - ${next}`, payload: raw, applied: true });
        return undefined;
      }
      uow.appendEvent({ ...base, type: 'StopLossFailed', message: `Position ${locked.id}: ${decision.message} - giving the stop-loss up`, payload: raw, applied: true });
      const dropped = decideOrderCommand(stored, { type: 'DropOrder', orderId: stored.id, actor: STOP_LOSS_ACTOR }, now).result;
      if (dropped.outcome === 'applied') {
        uow.saveOrder(stored, dropped.order);
        uow.appendEvent({ ...base, type: 'OrderDropped', message: `Order ${stored.clientOrderId}: ${dropped.order.reason}`, payload: { positionId: locked.id }, applied: true });
      }
      // The exit reason first (the closing fill keeps it), in the same transaction as the exit's intent.
      uow.positions.savePosition(locked, { ...counted, exitReason: decision.exitReason });
      // The bot's exits on the symbol (a take-profit) make way for the market exit (REPLACED), as in
      // engine/positions/position-exits.ts: on a spot venue they hold the coins it must sell.
      for (const live of await uow.lockOrdersOfBot(bot.id, ['pending', 'failed'])) {
        if (live.symbol !== locked.symbol || live.intent !== 'exit' || live.cancellationReason !== null) continue;
        const { result } = decideOrderCommand(live, { type: 'CancelOrder', orderId: live.id, cancellationReason: 'REPLACED', actor: STOP_LOSS_ACTOR }, now);
        if (result.outcome !== 'applied') continue;
        const saved = uow.saveOrder(live, result.order);
        uow.appendEvent({ ...base, orderId: saved.id, type: 'OrderCancelRequested', message: `${result.explanation} - the emergency exit takes its place`, payload: { cancellationReason: 'REPLACED' }, applied: true });
        if (saved.status === 'pending') cancels.push(saved);
      }
      const side = closingSide(locked.side);
      const exitOrder = await execution.recordIntent(uow, { botId: bot.id, symbol: locked.symbol, side, type: 'market', intent: 'exit', amount: locked.amount, protective: true }, 'engine');
      uow.appendEvent({
        ...base,
        orderId: exitOrder.id,
        type: 'EmergencyExit',
        message: `Position ${locked.id}: ${decision.exitReason} - ${side} ${locked.amount} ${locked.symbol} at market (order ${exitOrder.clientOrderId})`,
        payload: { positionId: locked.id, cause: decision.cause, venueError: raw },
        applied: true,
      });
      return exitOrder;
    });
    if (!exit) return;
    for (const order of cancels) await execution.sendCancel(order);
    await execution.placeRecorded(exit);
  }

  /** The venue acknowledged the stop: the position is protected (event log). */
  async logPlaced(positionId: string, order: Order): Promise<void> {
    const at = this.#execution.now().toISOString();
    await this.#execution.transact(async (uow) =>
      uow.appendEvent({
        source: 'engine',
        type: 'StopLossPlaced',
        message: `Position ${positionId} protected: stop-loss ${order.clientOrderId} (${order.side} ${order.amount} at stop ${order.stopPrice ?? 'market'}) rests at ${this.#execution.venueName} as ${order.exchangeOrderId}`,
        orderId: order.id,
        botId: order.botId,
        pluginId: order.pluginId,
        payload: { positionId, exchangeOrderId: order.exchangeOrderId },
        applied: true,
        at,
      }),
    );
  }
}
