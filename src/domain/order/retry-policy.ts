/**
 * When a failed order is tried again, and when it is given up. Seed 004's orders were either never
 * retried or retried forever; here every order has an `expires_at` (default: creation time plus
 * the bot's TTL), retries back off exponentially with a cap, and an order past `expires_at` is
 * cancelled with EXPIRED.
 */

export interface RetryPolicy {
  /** Wait before the first retry. */
  readonly initialDelayMs: number;
  /** Each further retry waits this many times longer... */
  readonly multiplier: number;
  /** ...but never longer than this. */
  readonly maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { initialDelayMs: 5_000, multiplier: 2, maxDelayMs: 5 * 60_000 };

/** How long a failed order keeps being retried when its bot sets no TTL: one day. */
export const DEFAULT_ORDER_TTL_MS = 24 * 60 * 60_000;

/**
 * Delay before retry number `retryCount + 1`: initial * multiplier^retryCount, capped.
 *
 * @example
 * retryDelayMs(0); // 5000
 * retryDelayMs(3); // 40000
 * retryDelayMs(50); // 300000 (the cap)
 */
export function retryDelayMs(retryCount: number, policy: RetryPolicy = DEFAULT_RETRY_POLICY): number {
  const delay = policy.initialDelayMs * policy.multiplier ** Math.max(retryCount, 0);
  return Number.isFinite(delay) ? Math.min(delay, policy.maxDelayMs) : policy.maxDelayMs;
}

/**
 * When to try a failed order next (ISO-8601), never later than its `expiresAt`, so the retry
 * loop wakes up in time to expire it. Null when it has already expired.
 *
 * @example
 * nextRetryAt({ retryCount: 0, expiresAt: '2026-01-02T00:00:00.000Z' }, new Date('2026-01-01T00:00:00Z'));
 * // '2026-01-01T00:00:05.000Z'
 */
export function nextRetryAt(
  order: { readonly retryCount: number; readonly expiresAt: string | null },
  now: Date,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
): string | null {
  if (isExpired(order, now)) return null;
  const at = now.getTime() + retryDelayMs(order.retryCount, policy);
  const limit = order.expiresAt ? Date.parse(order.expiresAt) : Number.POSITIVE_INFINITY;
  return new Date(Math.min(at, limit)).toISOString();
}

/**
 * True once `now` reaches `expiresAt` (an order without one never expires).
 *
 * @example
 * isExpired({ expiresAt: '2026-01-01T00:00:00.000Z' }, new Date('2026-01-01T00:00:00Z')); // true
 */
export function isExpired(order: { readonly expiresAt: string | null }, now: Date): boolean {
  return order.expiresAt !== null && now.getTime() >= Date.parse(order.expiresAt);
}

/**
 * `expires_at` of an order created at `createdAt` with a TTL.
 *
 * @example
 * expiresAtFor(new Date('2026-01-01T00:00:00Z'), 60_000); // '2026-01-01T00:01:00.000Z'
 */
export function expiresAtFor(createdAt: Date, ttlMs: number = DEFAULT_ORDER_TTL_MS): string {
  return new Date(createdAt.getTime() + ttlMs).toISOString();
}
