/**
 * Seeded random bot inputs for the property tests of issue 6: a valid config and flags for the
 * built-in venue's BTC/USDT or ETH/USDT (on the tick grid and lot size, above the minimum
 * notional), then none, one or two mutations each known to break a named field: wrong types, huge
 * and negative numbers, over-precise decimals, values off the grid, unicode, very long strings,
 * unknown symbols and keys, TTLs out of range. The oracle needs no second validator: a case
 * without a mutation must be created and placeable, a mutated one refused naming a broken field.
 */
import { Decimal } from '../../src/domain/money.ts';
import { Prng } from '../../src/exchange/paper/prng.ts';

/** A seeded draw in [0, 1): the paper exchange's mulberry32, so every run draws the same sequence. */
export function random(seed: number): () => number {
  const generator = new Prng(seed);
  return () => generator.nextUnit();
}

/** The built-in venue's markets, as the generator needs them. */
const MARKETS = {
  'BTC/USDT': { low: 10_000, high: 90_000, step: '0.00001', minSteps: 100, maxSteps: 200_000 },
  'ETH/USDT': { low: 1_000, high: 9_000, step: '0.0001', minSteps: 100, maxSteps: 200_000 },
} as const;

/** One input; `ttl` is the TTL in the library's form (ms) and the CLI's (the --ttl text, seconds). */
export interface BotInputCase {
  readonly index: number;
  readonly id: unknown;
  readonly symbol: unknown;
  readonly ttl?: { readonly ms: unknown; readonly flag: string };
  readonly config: unknown;
  /** Fields a mutation broke: empty when every value is valid. */
  readonly broken: readonly string[];
  readonly mutations: readonly string[];
}

type Draft = { id: unknown; symbol: unknown; ttl?: { ms: unknown; flag: string }; config: Record<string, unknown> | unknown };
type Mutation = readonly [name: string, broken: readonly string[], apply: (draft: Draft, cfg: Record<string, string>) => void];

const setConfig = (field: string, value: unknown) => (draft: Draft) => {
  (draft.config as Record<string, unknown>)[field] = value;
};
const plus = (value: string, delta: string) => new Decimal(value).plus(delta).toFixed();

const MUTATIONS: readonly Mutation[] = [
  ['amount 19 decimals', ['amount'], setConfig('amount', '0.0000000000000000001')],
  ['amount negative', ['amount'], (d, c) => setConfig('amount', `-${c.amount}`)(d)],
  ['amount zero', ['amount'], setConfig('amount', '0')],
  ['amount exponent', ['amount'], setConfig('amount', '1e3')],
  ['amount number', ['amount'], setConfig('amount', 0.01)],
  ['amount null', ['amount'], setConfig('amount', null)],
  ['amount bool', ['amount'], setConfig('amount', true)],
  ['amount empty', ['amount'], setConfig('amount', '')],
  ['amount spaces', ['amount'], (d, c) => setConfig('amount', ` ${c.amount}`)(d)],
  ['amount fullwidth', ['amount'], setConfig('amount', '０.０１')],
  ['amount long', ['amount'], setConfig('amount', 'x'.repeat(10_000))],
  ['amount huge', ['amount'], setConfig('amount', '1'.repeat(21))],
  ['amount off lot', ['amount'], (d, c) => setConfig('amount', `${c.amount}${c.amount.includes('.') ? '' : '.'}000001`)(d)],
  ['amount below min', ['amount'], setConfig('amount', '0.000001')],
  ['amount above max', ['amount'], setConfig('amount', '10000')],
  ['amount notional', ['amount'], (d, c) => setConfig('amount', c.symbol === 'BTC/USDT' ? '0.00001' : '0.0001')(d)],
  ['entry off grid', ['entryPrice'], (d, c) => setConfig('entryPrice', plus(c.entryPrice, '0.001'))(d)],
  ['entry 19 decimals', ['entryPrice'], (d, c) => setConfig('entryPrice', plus(c.entryPrice, '0.0000000000000000001'))(d)],
  ['entry negative', ['entryPrice', 'stopLossPrice'], (d, c) => setConfig('entryPrice', `-${c.entryPrice}`)(d)],
  ['entry number', ['entryPrice'], (d, c) => setConfig('entryPrice', Number(c.entryPrice))(d)],
  ['entry unicode', ['entryPrice'], setConfig('entryPrice', '５９０００')],
  ['entry long', ['entryPrice', 'takeProfitPrice'], setConfig('entryPrice', '9'.repeat(5_000))],
  ['entry missing', ['entryPrice'], setConfig('entryPrice', undefined)],
  ['entry above max', ['entryPrice', 'takeProfitPrice'], setConfig('entryPrice', '2000000')],
  ['entry 21 digits', ['entryPrice', 'takeProfitPrice'], setConfig('entryPrice', '1'.repeat(21))],
  ['tp 40 digits', ['takeProfitPrice'], setConfig('takeProfitPrice', `1${'0'.repeat(39)}`)],
  ['tp exponent', ['takeProfitPrice'], setConfig('takeProfitPrice', '1e39')],
  ['tp number 1e39', ['takeProfitPrice'], setConfig('takeProfitPrice', 1e39)],
  ['tp off grid', ['takeProfitPrice'], (d, c) => setConfig('takeProfitPrice', plus(c.takeProfitPrice, '0.001'))(d)],
  ['tp below entry', ['takeProfitPrice'], (d, c) => setConfig('takeProfitPrice', plus(c.entryPrice, '-0.01'))(d)],
  ['tp equal entry', ['takeProfitPrice'], (d, c) => setConfig('takeProfitPrice', c.entryPrice)(d)],
  ['tp above max', ['takeProfitPrice'], setConfig('takeProfitPrice', '2000000')],
  ['sl off grid', ['stopLossPrice'], (d, c) => setConfig('stopLossPrice', plus(c.stopLossPrice ?? '1', '-0.001'))(d)],
  ['sl at entry', ['stopLossPrice'], (d, c) => setConfig('stopLossPrice', c.entryPrice)(d)],
  ['sl negative', ['stopLossPrice'], setConfig('stopLossPrice', '-1')],
  ['sl number', ['stopLossPrice'], setConfig('stopLossPrice', 100)],
  ['unknown key', ['foo'], setConfig('foo', 'bar')],
  ['unicode key', ['ünïcødé'], setConfig('ünïcødé', '1')],
  ['long key', ['k'.repeat(300)], setConfig('k'.repeat(300), '1')],
  ['repeat text', ['repeat'], setConfig('repeat', 'yes')],
  ['config array', ['config'], (d) => {
    d.config = [1, 2];
  }],
  ['symbol unlisted', ['symbol'], (d) => {
    d.symbol = 'DOGE/USDT';
  }],
  ['symbol lowercase', ['symbol'], (d) => {
    d.symbol = 'btc/usdt';
  }],
  ['symbol unicode', ['symbol'], (d) => {
    d.symbol = 'BTC/ÜSDT';
  }],
  ['symbol long', ['symbol'], (d) => {
    d.symbol = `${'B'.repeat(300)}/USDT`;
  }],
  ['ttl zero', ['ttl'], (d) => {
    d.ttl = { ms: 0, flag: '0' };
  }],
  ['ttl negative', ['ttl'], (d) => {
    d.ttl = { ms: -5000, flag: '-5' };
  }],
  ['ttl over a year', ['ttl'], (d) => {
    d.ttl = { ms: 31_536_001_000, flag: '31536001' };
  }],
  ['ttl huge', ['ttl'], (d) => {
    d.ttl = { ms: 8_640_000_000_000_000, flag: '8640000000000' };
  }],
  ['ttl fraction', ['ttl'], (d) => {
    d.ttl = { ms: 1.5, flag: '1.5' };
  }],
  ['ttl text', ['ttl'], (d) => {
    d.ttl = { ms: '1000', flag: 'abc' };
  }],
  ['id too long', ['id'], (d) => {
    d.id = 'x'.repeat(17);
  }],
  ['id space', ['id'], (d) => {
    d.id = 'bad id';
  }],
  ['id unicode', ['id'], (d) => {
    d.id = 'bøt';
  }],
  ['id very long', ['id'], (d) => {
    d.id = 'a'.repeat(300);
  }],
];

/**
 * The `index`-th case of the sequence seeded with `seed`.
 *
 * @example
 * const cases = botInputCases(6, 300);
 */
export function botInputCases(seed: number, count: number, idPrefix = 'p'): BotInputCase[] {
  const next = random(seed);
  const int = (low: number, high: number) => low + Math.floor(next() * (high - low + 1));
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const cases: BotInputCase[] = [];
  for (let index = 0; index < count; index++) {
    const symbol = next() < 0.8 ? 'BTC/USDT' : 'ETH/USDT';
    const market = MARKETS[symbol];
    const cents = int(market.low * 100, market.high * 100);
    // Prices in several spellings, all on the grid: 59000, 59000.5, 59000.50.
    const price = (c: number) => {
      const text = new Decimal(c).div(100).toFixed(2);
      return next() < 0.5 ? new Decimal(text).toFixed() : text;
    };
    const entryPrice = price(cents);
    const takeProfitPrice = price(cents + int(1, 500_000));
    const stopLossPrice = next() < 0.5 ? price(int(1, cents - 1)) : undefined;
    const amount = new Decimal(market.step).times(int(market.minSteps, market.maxSteps)).toFixed();
    const config: Record<string, string> = { amount, entryPrice, takeProfitPrice, ...(stopLossPrice ? { stopLossPrice } : {}) };
    const draft: Draft = { id: `${idPrefix}${index}`, symbol, config: { ...config, ...(next() < 0.3 ? { repeat: next() < 0.5 } : {}) } };
    if (next() < 0.4) {
      const seconds = int(1, 31_536_000);
      draft.ttl = { ms: seconds * 1000, flag: String(seconds) };
    }
    const count = next() < 0.3 ? 0 : next() < 0.8 ? 1 : 2;
    const chosen: Mutation[] = [];
    for (let attempt = 0; chosen.length < count && attempt < 100; attempt++) {
      const mutation = pick(MUTATIONS);
      // Two mutations of the same field would hide one another; the config-wide one replaces all fields.
      if (chosen.some((other) => other[1][0] === mutation[1][0] || other[0] === 'config array' || mutation[0] === 'config array')) continue;
      if (mutation[0].startsWith('sl ') && stopLossPrice === undefined && mutation[0] !== 'sl negative' && mutation[0] !== 'sl number') continue;
      chosen.push(mutation);
    }
    for (const [, , apply] of chosen) apply(draft, { ...config, symbol });
    cases.push({
      index,
      id: draft.id,
      symbol: draft.symbol,
      ...(draft.ttl ? { ttl: draft.ttl } : {}),
      config: draft.config,
      broken: chosen.flatMap(([, broken]) => broken),
      mutations: chosen.map(([name]) => name),
    });
  }
  return cases;
}

/** The case in a line, for assertion messages (long strings shortened). */
export function describeCase(c: BotInputCase): string {
  const text = JSON.stringify({ id: c.id, symbol: c.symbol, ttl: c.ttl, config: c.config, mutations: c.mutations });
  return text.length > 400 ? `${text.slice(0, 400)}...` : text;
}
