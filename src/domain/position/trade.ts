/**
 * A trade: one closed round trip of a position, with its pnl and plugin, for per-plugin statistics
 * (seed 003).
 */
import { DomainError } from '../errors.ts';
import type { Position, PositionSide } from './position.ts';

export interface Trade {
  readonly id: string;
  readonly positionId: string | null;
  readonly userId: string | null;
  readonly botId: string | null;
  readonly pluginId: string;
  readonly symbol: string;
  readonly side: PositionSide;
  readonly amount: string;
  readonly entryPrice: string;
  readonly exitPrice: string;
  /** Net of fees. */
  readonly pnl: string;
  readonly fees: string;
  readonly exitReason: string | null;
  readonly openedAt: string;
  readonly closedAt: string;
  readonly createdAt: string;
}

/**
 * The trade of a closed position. Throws POSITION_MISMATCH for an open one.
 *
 * @example
 * const { position, closed } = applyFill(open, exitFill, now);
 * if (closed) uow.positions.insertTrade(tradeFromClosedPosition(position, 't-' + position.id, now));
 */
export function tradeFromClosedPosition(position: Position, id: string, now: Date): Trade {
  if (position.status !== 'closed' || position.exitPrice === null || position.closedAt === null) {
    throw new DomainError('POSITION_MISMATCH', `position ${position.id} is not closed, so it is not a round trip yet`, {
      positionId: position.id,
    });
  }
  return {
    id,
    positionId: position.id,
    userId: position.userId,
    botId: position.botId,
    pluginId: position.pluginId,
    symbol: position.symbol,
    side: position.side,
    amount: position.closedAmount,
    entryPrice: position.entryPrice,
    exitPrice: position.exitPrice,
    pnl: position.realizedPnl,
    fees: position.fees,
    exitReason: position.exitReason,
    openedAt: position.openedAt,
    closedAt: position.closedAt,
    createdAt: now.toISOString(),
  };
}
