/**
 * Closing a position on request: a plugin's ClosePosition command, a person's `positions close`
 * (freqtrade's force-exit), a bot stopped or deleted with `--close-position`, an emergency exit
 * after the stop-loss could not be placed. The engine owns the position, so every one of them
 * comes here.
 *
 * 1. One transaction records why the position is being closed (its exit_reason, decided before
 *    the closing fill, which keeps it) and the cancel requests of the bot's live exits on the
 *    symbol (REPLACED: the close takes their place). The stop-loss stays until the position is
 *    closed, so the position is never unprotected while the close is under way.
 * 2. The cancels go to the venue; then the closing order (market, or a limit) for the amount the
 *    position still holds is placed with its intent committed first, even for a stopped bot.
 */
import type { EventSource } from '../../domain/order/order-events.ts';
import type { Order } from '../../domain/order/order.ts';
import type { Position } from '../../domain/position/position.ts';
import { DomainError } from '../../domain/errors.ts';
import type { ExecutionEngine } from '../orders/execution.ts';

export interface ClosePositionRequest {
  /** The exit reason, a whole sentence (exit-reasons.ts). */
  readonly reason: string;
  /** A limit price; default at market. */
  readonly limitPrice?: string;
  readonly source: EventSource;
}

export interface ClosePositionResult {
  readonly position: Position;
  /** The closing order, as recorded after the venue's answer. */
  readonly order: Order;
}

/** Raised for a position that is not open (closed, or unknown: POSITION_NOT_FOUND): names it. */
export class PositionNotOpenError extends DomainError {
  constructor(message: string, positionId: string, code: 'POSITION_NOT_OPEN' | 'POSITION_NOT_FOUND' = 'POSITION_NOT_OPEN') {
    super(code, message, { positionId });
  }
}

/**
 * Closes the position: records why, takes down its live exits, then places the closing order.
 *
 * @example
 * await closePosition(execution, 'p1', { reason: closedOnRequest('by hand', 'cli'), source: 'cli' });
 */
export async function closePosition(execution: ExecutionEngine, positionId: string, request: ClosePositionRequest): Promise<ClosePositionResult> {
  const now = execution.now();
  const { position, cancels } = await execution.transact(async (uow) => {
    const held = await uow.positions.positionById(positionId);
    if (!held) throw new PositionNotOpenError(`position ${positionId} does not exist`, positionId, 'POSITION_NOT_FOUND');
    if (held.status !== 'open') throw new PositionNotOpenError(`position ${positionId} is already closed (${held.exitReason ?? 'no reason recorded'})`, positionId);
    if (!held.botId) throw new PositionNotOpenError(`position ${positionId} has no bot to place its closing order`, positionId);
    const saved = held.exitReason ? held : uow.positions.savePosition(held, { ...held, exitReason: request.reason, updatedAt: now.toISOString() });
    uow.appendEvent({
      source: request.source,
      type: 'PositionCloseRequested',
      message: `Closing position ${held.id} (${held.side} ${held.amount} ${held.symbol}) at ${request.limitPrice ? `limit ${request.limitPrice}` : 'market'}: ${saved.exitReason}`,
      botId: held.botId,
      pluginId: held.pluginId,
      payload: { positionId: held.id, limitPrice: request.limitPrice ?? null },
      applied: true,
      at: now.toISOString(),
    });
    const live = await uow.lockOrdersOfBot(held.botId, ['pending', 'failed']);
    const cancels = live.filter((order) => order.symbol === held.symbol && order.intent === 'exit' && order.cancellationReason === null);
    return { position: saved, cancels };
  });
  for (const order of cancels) await execution.cancelOrder(order.id, 'REPLACED', request.source);
  // The amount is read again: an exit may have filled some of it while it was being cancelled.
  const current = (await execution.ledger.positionById(position.id)) ?? position;
  if (current.status !== 'open') return { position: current, order: cancels[0] as Order };
  const order = await execution.placeOrder(
    {
      botId: position.botId as string,
      symbol: position.symbol,
      side: position.side === 'long' ? 'sell' : 'buy',
      type: request.limitPrice ? 'limit' : 'market',
      intent: 'exit',
      amount: current.amount,
      ...(request.limitPrice ? { price: request.limitPrice } : {}),
      protective: true,
    },
    request.source,
  );
  return { position: (await execution.ledger.positionById(position.id)) ?? current, order };
}

/**
 * Cancels the exits and stop-losses a closed position left at the venue (POSITION_CLOSED), after
 * the close was committed. Each is its own command: one the venue will not cancel (it filled in
 * the meantime) is resolved by the usual cancel path and does not hold up the others.
 *
 * @example
 * await cancelLeftovers(execution, outcome.position.leftovers);
 */
export async function cancelLeftovers(execution: ExecutionEngine, leftovers: readonly Order[]): Promise<void> {
  for (const order of leftovers) await execution.cancelOrder(order.id, 'POSITION_CLOSED', 'engine');
}

/**
 * Finds the exits and stop-losses a closed position left live (the process died between the
 * close's COMMIT and its cancels: a stop resting at the venue with nothing to protect would sell
 * what the bot does not hold) and cancels them with POSITION_CLOSED; orders whose venue call is in
 * flight in this process are left to it. A bounded pass, for each runtime step. Returns how many.
 *
 * @example
 * await cancelLeftoversOfClosedPositions(execution);
 */
export async function cancelLeftoversOfClosedPositions(execution: ExecutionEngine, limit = 100): Promise<number> {
  const strays = (await execution.ledger.leftoverExitsOfClosedPositions(limit)).filter((order) => !execution.inFlight.has(order.id));
  await cancelLeftovers(execution, strays);
  return strays.length;
}
