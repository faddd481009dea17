/**
 * In-process limit on failed logins: at most 5 failures per username and 20 per client address
 * within a sliding 15-minute window; past either, every login for that username or address is
 * refused (LOGIN_RATE_LIMITED, even with the right password, or guessing would go on) until the
 * oldest failure leaves the window. Time comes from the ledger's clock so tests can move it.
 * In process on purpose: one server owns a ledger, and a restart forgetting the counts costs an
 * attacker a restart per 25 guesses.
 */
import type { Clock } from '../engine/clock.ts';

export const LOGIN_WINDOW_MS = 15 * 60_000;
export const MAX_FAILURES_PER_USERNAME = 5;
export const MAX_FAILURES_PER_IP = 20;
/** Keys kept before old ones are swept (a flood of distinct usernames must not grow memory for ever). */
const SWEEP_ABOVE = 10_000;

export interface LoginBlock {
  readonly by: 'username' | 'ip';
  /** Seconds until the oldest counted failure leaves the window. */
  readonly retryAfterSeconds: number;
}

export class LoginLimiter {
  readonly #failures = new Map<string, number[]>();

  constructor(private readonly clock: Clock) {}

  /** Why a login for this username from this address is refused now, or undefined. */
  blocked(username: string | undefined, ip: string): LoginBlock | undefined {
    const now = this.clock.now();
    const checks: [LoginBlock['by'], string | undefined, number][] = [
      ['username', username === undefined ? undefined : `u:${username}`, MAX_FAILURES_PER_USERNAME],
      ['ip', `ip:${ip}`, MAX_FAILURES_PER_IP],
    ];
    for (const [by, key, max] of checks) {
      if (key === undefined) continue;
      const recent = this.#recent(key, now);
      if (recent.length >= max)
        return { by, retryAfterSeconds: Math.max(1, Math.ceil((recent[recent.length - max] + LOGIN_WINDOW_MS - now) / 1000)) };
    }
    return undefined;
  }

  /** Counts a failed login. */
  fail(username: string | undefined, ip: string): void {
    const now = this.clock.now();
    if (this.#failures.size > SWEEP_ABOVE) this.#sweep(now);
    for (const key of [username === undefined ? undefined : `u:${username}`, `ip:${ip}`]) {
      if (key === undefined) continue;
      const recent = this.#recent(key, now);
      recent.push(now);
      this.#failures.set(key, recent);
    }
  }

  /** A successful login clears its username's failures (not its address's: one good account must not unlock guessing others). */
  succeed(username: string): void {
    this.#failures.delete(`u:${username}`);
  }

  #recent(key: string, now: number): number[] {
    const times = this.#failures.get(key) ?? [];
    const recent = times.filter((at) => at > now - LOGIN_WINDOW_MS);
    if (recent.length === 0) this.#failures.delete(key);
    else if (recent.length !== times.length) this.#failures.set(key, recent);
    return recent;
  }

  #sweep(now: number): void {
    for (const key of [...this.#failures.keys()]) this.#recent(key, now);
  }
}
