/**
 * Time for the engine, injectable so that retries and expiry are deterministic in tests.
 * The domain takes time as an argument; the engine asks a Clock for it.
 */

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
}

/** The wall clock. */
export const SYSTEM_CLOCK: Clock = { now: () => Date.now() };

/**
 * A clock that moves only when told, for tests and simulations.
 *
 * @example
 * const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
 * clock.advance(60_000);
 */
export class ManualClock implements Clock {
  #now: number;
  constructor(start = Date.parse('2026-01-01T00:00:00.000Z')) {
    this.#now = start;
  }
  now(): number {
    return this.#now;
  }
  /** Moves time forward by `ms` milliseconds. */
  advance(ms: number): void {
    if (ms < 0) throw new RangeError(`ManualClock.advance: ms must be >= 0, got ${ms}`);
    this.#now += ms;
  }
  set(epochMs: number): void {
    this.#now = epochMs;
  }
}

/** ISO-8601 text of a clock reading, as stored in timestamp columns. */
export function isoAt(clock: Clock): string {
  return new Date(clock.now()).toISOString();
}
