/**
 * The rules of a stop-loss placed on the venue (issue 8, item 2), pure: when a failed placement is
 * tried again, when botledger gives up and exits at market, and the sentences that say so.
 *
 * Seed 002 kept "Failed to place stop-loss after 3 attempts: bybit {'retCode':10003,..." in a
 * VARCHAR(100) and lost the venue's words. Nothing here shortens them: every sentence carries the
 * venue's whole message. freqtrade's rule for a stop the venue refuses because it would trigger
 * at once (`InvalidOrder`) is an emergency exit at market straight away; hummingbot gives up a
 * close after `max_retries`. Both are here.
 */

/** How failed stop-loss placements back off. */
export interface StopLossBackoff {
  /** Wait after the first failure. */
  readonly initialDelayMs: number;
  /** Each further failure waits this many times longer... */
  readonly multiplier: number;
  /** ...but never longer than this. */
  readonly maxDelayMs: number;
}

/**
 * Short on purpose: a position without its stop is exposed, so the next attempt comes within
 * seconds (1 s, 2 s, 4 s, ... at most 30 s), far sooner than an entry's retry (5 s up to 5 min).
 */
export const DEFAULT_STOP_LOSS_BACKOFF: StopLossBackoff = { initialDelayMs: 1_000, multiplier: 2, maxDelayMs: 30_000 };

/** Default of the bot setting `protections.stopLossAttempts`: placements tried before the emergency exit. */
export const DEFAULT_STOP_LOSS_ATTEMPTS = 3;

/**
 * The wait after failed attempt number `attempt` (1 = the first placement) before the next one:
 * initial x multiplier^(attempt - 1), capped.
 *
 * @example
 * stopLossRetryDelayMs(1); // 1000
 * stopLossRetryDelayMs(3); // 4000
 * stopLossRetryDelayMs(40); // 30000 (the cap)
 */
export function stopLossRetryDelayMs(attempt: number, backoff: StopLossBackoff = DEFAULT_STOP_LOSS_BACKOFF): number {
  const delay = backoff.initialDelayMs * backoff.multiplier ** Math.max(attempt - 1, 0);
  return Number.isFinite(delay) ? Math.min(delay, backoff.maxDelayMs) : backoff.maxDelayMs;
}

/**
 * When a position whose stop-loss failed `failures` times (its `retry_count`), last at
 * `lastErrorAt`, may be tried again (epoch ms).
 *
 * @example
 * stopLossRetryDueAt({ retryCount: 1, lastErrorAt: '2026-01-01T00:00:00.000Z' }); // 1767225601000 (1 s later)
 */
export function stopLossRetryDueAt(position: { readonly retryCount: number; readonly lastErrorAt: string | null }, backoff: StopLossBackoff = DEFAULT_STOP_LOSS_BACKOFF): number {
  const last = position.lastErrorAt === null ? 0 : Date.parse(position.lastErrorAt);
  return last + stopLossRetryDelayMs(Math.max(position.retryCount, 1), backoff);
}

/**
 * The sentence of one failed attempt, with the venue's whole message.
 *
 * @example
 * stopLossFailedMessage(2, 3, "bybit {'retCode':10003,'retMsg':'API key is invalid.'}");
 * // "Failed to place stop-loss (attempt 2 of 3): bybit {'retCode':10003,'retMsg':'API key is invalid.'}"
 */
export function stopLossFailedMessage(attempt: number, maxAttempts: number, venueMessage: string): string {
  return `Failed to place stop-loss (attempt ${attempt} of ${maxAttempts}): ${venueMessage}`;
}

/**
 * The exit reason of a position closed because its stop-loss could not be placed; never cut.
 *
 * @example
 * emergencyExitReason('Order would immediately trigger.');
 * // 'Emergency exit at market after the stop-loss could not be placed: Order would immediately trigger.'
 */
export function emergencyExitReason(venueMessage: string): string {
  return `Emergency exit at market after the stop-loss could not be placed: ${venueMessage}`;
}

/** Why botledger gives the stop-loss up and exits at market. */
export type EmergencyCause = 'attempts' | 'would-trigger';

/** What to do after a placement failed. */
export type StopLossFailureDecision =
  | {
      readonly action: 'retry';
      /** Epoch ms of the next attempt. */
      readonly retryAt: number;
      /** The failed attempt's sentence (event log, position error). */
      readonly message: string;
    }
  | {
      readonly action: 'emergency-exit';
      readonly cause: EmergencyCause;
      readonly message: string;
      /** The position's exit_reason, set before the market exit is placed. */
      readonly exitReason: string;
    };

/** The facts of one failed placement. */
export interface StopLossFailure {
  /** Which attempt failed (1 = the first placement). */
  readonly attempt: number;
  /** The bot's `protections.stopLossAttempts`. */
  readonly maxAttempts: number;
  /** The venue said the stop would trigger at once (its price is already crossed). */
  readonly wouldTrigger: boolean;
  /** The venue's words, whole. */
  readonly venueMessage: string;
  /** Epoch ms of the failure. */
  readonly now: number;
}

/**
 * Retry with backoff, or give up: at once when the venue says the stop would trigger immediately
 * (trying again cannot help: the price is already past it), or when `maxAttempts` attempts failed.
 *
 * @example
 * decideAfterStopLossFailure({ attempt: 3, maxAttempts: 3, wouldTrigger: false, venueMessage: 'bybit {...}', now });
 * // { action: 'emergency-exit', cause: 'attempts', exitReason: 'Emergency exit at market after the stop-loss could not be placed: bybit {...}', ... }
 */
export function decideAfterStopLossFailure(failure: StopLossFailure, backoff: StopLossBackoff = DEFAULT_STOP_LOSS_BACKOFF): StopLossFailureDecision {
  const message = stopLossFailedMessage(failure.attempt, failure.maxAttempts, failure.venueMessage);
  if (failure.wouldTrigger || failure.attempt >= failure.maxAttempts) {
    return {
      action: 'emergency-exit',
      cause: failure.wouldTrigger ? 'would-trigger' : 'attempts',
      message: failure.wouldTrigger ? `${message} - it would trigger at once` : message,
      exitReason: emergencyExitReason(failure.venueMessage),
    };
  }
  return { action: 'retry', retryAt: failure.now + stopLossRetryDelayMs(failure.attempt, backoff), message };
}

/**
 * The side of the order that closes a position: a long is sold, a short bought back.
 *
 * @example
 * closingSide('long'); // 'sell'
 */
export function closingSide(side: 'long' | 'short'): 'buy' | 'sell' {
  return side === 'long' ? 'sell' : 'buy';
}
