/**
 * A small seeded pseudo-random generator (mulberry32) whose whole state is one 32-bit integer,
 * so the paper exchange can store it and continue the same sequence after a restart.
 * Never used for money directly: draws become decimals through exact integer arithmetic.
 */

/** Hashes a seed and a label into a 32-bit state, so each stream (price of a symbol, faults) is independent. */
export function deriveSeed(seed: number | string, label: string): number {
  // FNV-1a over the text: stable across platforms and Node versions.
  let hash = 0x811c9dc5;
  for (const char of `${seed}\u0000${label}`) {
    hash ^= char.codePointAt(0) ?? 0;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash >>> 0;
}

/**
 * mulberry32: fast, 2^32 period, good enough for a simulated market and fault rolls.
 *
 * @example
 * const prng = new Prng(deriveSeed(42, 'price:BTC/USDT'));
 * prng.nextUint32(); // same number for the same seed, every time
 * const saved = prng.state; // store it; new Prng(saved) continues the sequence
 */
export class Prng {
  #state: number;

  constructor(state: number) {
    this.#state = state >>> 0;
  }

  /** The whole generator state; `new Prng(state)` resumes exactly here. */
  get state(): number {
    return this.#state;
  }

  /** The next draw as an unsigned 32-bit integer. */
  nextUint32(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** The next draw in [0, 1), for comparing with a probability (never for an amount). */
  nextUnit(): number {
    return this.nextUint32() / 4294967296;
  }
}
