/**
 * A small seeded pseudo-random generator (mulberry32) for the scenario data generators: the same
 * seed always yields the same rows, so a failing scenario can be replayed exactly.
 *
 * @example
 * const rng = new Prng(1);
 * rng.int(1, 6); // always the same first roll for seed 1
 */
export class Prng {
  #state: number;

  constructor(seed = 1) {
    this.#state = seed >>> 0 || 0x9e3779b9;
  }

  /** A float in [0, 1). */
  next(): number {
    this.#state = (this.#state + 0x6d2b79f5) >>> 0;
    let t = this.#state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }

  /** Picks by weight: `weighted([['a', 3], ['b', 1]])` returns 'a' three times as often. */
  weighted<T>(entries: readonly (readonly [T, number])[]): T {
    const total = entries.reduce((sum, [, w]) => sum + w, 0);
    let r = this.next() * total;
    for (const [value, weight] of entries) {
      r -= weight;
      if (r < 0) return value;
    }
    return entries[entries.length - 1][0];
  }

  /** A decimal string with `scale` digits after the point, in [min, max]. Money never passes through a float sum. */
  decimal(min: number, max: number, scale: number): string {
    return (min + this.next() * (max - min)).toFixed(scale);
  }

  /** Text of exactly `length` characters built from `words` (cut or padded), for values at a VARCHAR limit. */
  textOfLength(length: number, words: readonly string[]): string {
    let out = '';
    while (out.length < length) out += (out ? ' ' : '') + this.pick(words);
    return out.slice(0, length);
  }

  /** Changes the case of some letters (`Pending`, `PENDING`), as data typed by people and old code does. */
  mixCase(value: string): string {
    const r = this.next();
    if (r < 0.4) return value.toUpperCase();
    if (r < 0.8) return value.charAt(0).toUpperCase() + value.slice(1);
    return value
      .split('')
      .map((c) => (this.chance(0.5) ? c.toUpperCase() : c))
      .join('');
  }

  /** An ISO timestamp within `days` before `base`. */
  isoBefore(base: number, days: number): string {
    return new Date(base - Math.floor(this.next() * days * 86_400_000)).toISOString();
  }
}

/** The fixed "now" of generated data, so that generated rows do not depend on the clock. */
export const GENERATED_NOW = Date.parse('2025-11-01T12:00:00Z');
