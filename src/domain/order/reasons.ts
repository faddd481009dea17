/**
 * The one readable reason an order carries (`orders.reason`, TEXT), as whole sentences. Nothing
 * here shortens a venue's words: a 5,000-character rejection is kept whole.
 * Also the structured cancellation reasons, which decide whether a cancel stops a bot.
 */

/**
 * Why botledger cancelled an order. `OUTSIDE` marks a cancel the system did not ask for (by hand
 * at the venue, or by the venue itself); it is the only one that stops the bot.
 */
export const CANCELLATION_REASONS = ['UPDATE', 'STOP', 'DELETE', 'EXPIRED', 'DROPPED', 'REPLACED', 'STOP_LOSS', 'POSITION_CLOSED', 'OUTSIDE'] as const;
export type CancellationReason = (typeof CANCELLATION_REASONS)[number];

/** Cancellation reasons botledger itself sets: everything except OUTSIDE. */
export const SYSTEM_CANCELLATION_REASONS: readonly CancellationReason[] = CANCELLATION_REASONS.filter((reason) => reason !== 'OUTSIDE');

/**
 * True when botledger asked for the cancel. NULL, OUTSIDE and unknown values are not system
 * cancellations (freqtrade's rule, and seed 000's: "NULL or other - manual cancellation").
 *
 * @example
 * isSystemCancellation('UPDATE'); // true
 * isSystemCancellation(null);     // false
 */
export function isSystemCancellation(reason: string | null | undefined): boolean {
  return reason != null && (SYSTEM_CANCELLATION_REASONS as readonly string[]).includes(reason);
}

/** True for one of {@link CANCELLATION_REASONS}. */
export function isCancellationReason(value: unknown): value is CancellationReason {
  return typeof value === 'string' && (CANCELLATION_REASONS as readonly string[]).includes(value);
}

/** @example placedReason(); // 'Order placed - waiting for fill' */
export function placedReason(): string {
  return 'Order placed - waiting for fill';
}

/** @example retriedReason(2); // 'Order placed again (retry 2) - waiting for fill' */
export function retriedReason(retryCount: number): string {
  return `Order placed again (retry ${retryCount}) - waiting for fill`;
}

/** @example executedReason('101.25'); // 'Order executed at 101.25' */
export function executedReason(averagePrice: string): string {
  return `Order executed at ${averagePrice}`;
}

/** @example partiallyFilledReason('0.5', '1', '101.25'); // 'Order partially filled: 0.5 of 1 at 101.25' */
export function partiallyFilledReason(filledAmount: string, amount: string, averagePrice: string): string {
  return `Order partially filled: ${filledAmount} of ${amount} at ${averagePrice}`;
}

/** A fill that arrived after the order was cancelled and did not complete it. */
export function lateFillReason(filledAmount: string, amount: string, averagePrice: string): string {
  return `Order partially filled after it was cancelled: ${filledAmount} of ${amount} at ${averagePrice}`;
}

/**
 * The venue's name and its words, verbatim.
 *
 * @example
 * rejectedReason('Bybit', "{'retCode':10003,'retMsg':'API key is invalid.'}");
 * // "Bybit rejected the order: {'retCode':10003,'retMsg':'API key is invalid.'}"
 */
export function rejectedReason(venue: string, venueMessage: string): string {
  return `${venue} rejected the order: ${venueMessage}`;
}

/** @example placementFailedReason('rate limited'); // 'Order could not be placed: rate limited' */
export function placementFailedReason(error: string): string {
  return `Order could not be placed: ${error}`;
}

/**
 * @example
 * expiredReason(3, '2026-01-01T00:00:00.000Z'); // 'Order expired after 3 retries (first failed at 2026-01-01T00:00:00.000Z)'
 */
export function expiredReason(retryCount: number, firstFailedAt: string | null): string {
  const retries = `${retryCount} ${retryCount === 1 ? 'retry' : 'retries'}`;
  return firstFailedAt ? `Order expired after ${retries} (first failed at ${firstFailedAt})` : `Order expired after ${retries}`;
}

/** A live order the venue itself expired (time in force). */
export function venueExpiredReason(venueMessage?: string): string {
  return venueMessage ? `Order expired at the venue: ${venueMessage}` : 'Order expired at the venue';
}

/** @example droppedReason('alice'); // 'Order dropped by alice' */
export function droppedReason(actor: string): string {
  return `Order dropped by ${actor}`;
}

/**
 * An outside cancel. With a bot, the bot is stopped by it (see domain/bot/bot.ts).
 *
 * @example
 * outsideCancelReason('bl-b1-7', true); // 'Order bl-b1-7 cancelled outside botledger - bot stopped'
 */
export function outsideCancelReason(clientOrderId: string, hasBot: boolean): string {
  return `Order ${clientOrderId} cancelled outside botledger${hasBot ? ' - bot stopped' : ''}`;
}

/** @example positionClosedReason('take-profit filled at 102'); // 'Position closed: take-profit filled at 102' */
export function positionClosedReason(detail?: string): string {
  return detail ? `Position closed: ${detail}` : 'Position closed';
}

/**
 * The sentence for a cancel with a system reason (EXPIRED, DROPPED and OUTSIDE have their own
 * functions because they need more facts).
 *
 * @example
 * cancelledReason('UPDATE'); // 'Order cancelled for bot update'
 */
export function cancelledReason(reason: Exclude<CancellationReason, 'EXPIRED' | 'DROPPED' | 'OUTSIDE'>): string {
  switch (reason) {
    case 'UPDATE':
      return 'Order cancelled for bot update';
    case 'STOP':
      return 'Order cancelled for bot stop';
    case 'DELETE':
      return 'Order cancelled for bot delete';
    case 'REPLACED':
      return 'Order cancelled to be replaced';
    case 'STOP_LOSS':
      return 'Order cancelled because the stop-loss executed';
    case 'POSITION_CLOSED':
      return 'Order cancelled because its position is closed';
  }
}
