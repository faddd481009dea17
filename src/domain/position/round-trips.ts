/**
 * Round trips rebuilt from a bot's fills, for the `run` summary and the losing-streak protection,
 * while the engine does not write positions and trades yet. The fills go through the position
 * rules of position.ts (openPosition, applyFill), so a round trip's pnl is the same number a
 * stored trade will carry: exact, in the quote currency, net of the fees of both sides.
 *
 * Fees in the quote currency are subtracted as they are; fees in the base currency are valued at
 * their fill's price (exact); fees in any other currency cannot be valued without a rate, so they
 * are left out of the pnl and reported apart.
 */
import { Decimal, formatDecimal, parseDecimal } from '../money.ts';
import { applyFill, openPosition, type Position } from './position.ts';
import { computeStats } from './stats.ts';

/** One stored fill with the side and intent of its order, oldest first. */
export interface RoundTripFill {
  readonly side: 'buy' | 'sell';
  /** The order's intent: a round trip starts at an entry. */
  readonly intent: string;
  readonly price: string;
  readonly amount: string;
  readonly fee: string;
  readonly feeCurrency: string | null;
  readonly occurredAt: string;
}

/** One closed round trip (flat to flat). */
export interface RoundTrip {
  /** Net of fees, quote currency. */
  readonly pnl: string;
  /** Fees valued in the quote currency. */
  readonly fees: string;
  readonly amount: string;
  readonly entryPrice: string;
  readonly exitPrice: string;
  readonly closedAt: string;
}

/** The realized result of a set of fills. */
export interface RealizedResult {
  readonly roundTrips: RoundTrip[];
  /** Sum of the round trips' pnl (net of fees), quote currency. */
  readonly realizedPnl: string;
  /** Sum of the round trips' fees, quote currency. */
  readonly fees: string;
  /** Fees in other currencies, by currency, not in the pnl. */
  readonly otherFees: Record<string, string>;
  readonly wins: number;
  readonly losses: number;
}

/** BASE and QUOTE of "BASE/QUOTE". */
export function symbolCurrencies(symbol: string): { base: string; quote: string } {
  const [base = '', quote = ''] = symbol.split('/');
  return { base, quote };
}

/**
 * The closed round trips of `fills` (oldest first). Fills before the first entry are skipped (a
 * window that starts inside a round trip); an open position at the end is not a round trip yet.
 *
 * @example
 * realizedFromFills('BTC/USDT', [
 *   { side: 'buy', intent: 'entry', price: '100', amount: '1', fee: '0.1', feeCurrency: 'USDT', occurredAt: t1 },
 *   { side: 'sell', intent: 'exit', price: '101', amount: '1', fee: '0.101', feeCurrency: 'USDT', occurredAt: t2 },
 * ]).realizedPnl; // '0.799'
 */
export function realizedFromFills(symbol: string, fills: Iterable<RoundTripFill>): RealizedResult {
  const { base, quote } = symbolCurrencies(symbol);
  const roundTrips: RoundTrip[] = [];
  const otherFees = new Map<string, Decimal>();
  let position: Position | undefined;
  let started = false;
  let sequence = 0;
  for (const fill of fills) {
    if (!started && fill.intent !== 'entry') continue;
    started = true;
    const fee = feeInQuote(fill, base, quote, otherFees);
    const at = new Date(fill.occurredAt);
    if (!position) {
      position = openPosition({ id: `rt${sequence++}`, pluginId: '', symbol, side: fill.side, price: fill.price, amount: fill.amount, fee }, at);
      continue;
    }
    const result = applyFill(position, { side: fill.side, price: fill.price, amount: fill.amount, fee }, at);
    position = result.position;
    if (!result.closed) continue;
    roundTrips.push({
      pnl: position.realizedPnl,
      fees: position.fees,
      amount: position.closedAmount,
      entryPrice: position.entryPrice,
      exitPrice: position.exitPrice as string,
      closedAt: fill.occurredAt,
    });
    // A fill beyond the open amount opens the opposite position; its fee was counted above.
    position = result.remainder
      ? openPosition({ id: `rt${sequence++}`, pluginId: '', symbol, side: fill.side, price: fill.price, amount: result.remainder, fee: '0' }, at)
      : undefined;
  }
  const stats = computeStats(roundTrips);
  return {
    roundTrips,
    realizedPnl: stats.totalPnl,
    fees: formatDecimal(roundTrips.reduce((total, trip) => total.plus(trip.fees), new Decimal(0))),
    otherFees: Object.fromEntries([...otherFees].map(([currency, amount]) => [currency, formatDecimal(amount)])),
    wins: stats.wins,
    losses: stats.losses,
  };
}

/**
 * The losing round trips at the end of `roundTrips`, most recent last, and their total.
 *
 * @example
 * trailingLosses([{ pnl: '1' }, { pnl: '-0.2' }, { pnl: '-0.3' }]); // { count: 2, total: '-0.5' }
 */
export function trailingLosses(roundTrips: readonly { readonly pnl: string }[]): { count: number; total: string } {
  let count = 0;
  let total = new Decimal(0);
  for (let i = roundTrips.length - 1; i >= 0; i--) {
    const pnl = parseDecimal(roundTrips[i].pnl, 'pnl');
    if (!pnl.lt(0)) break;
    count += 1;
    total = total.plus(pnl);
  }
  return { count, total: formatDecimal(total) };
}

function feeInQuote(fill: RoundTripFill, base: string, quote: string, otherFees: Map<string, Decimal>): string {
  const fee = parseDecimal(fill.fee, 'fee');
  if (fee.isZero() || fill.feeCurrency === null || fill.feeCurrency === quote) return formatDecimal(fee);
  if (fill.feeCurrency === base) return formatDecimal(fee.times(parseDecimal(fill.price, 'price')));
  otherFees.set(fill.feeCurrency, (otherFees.get(fill.feeCurrency) ?? new Decimal(0)).plus(fee));
  return '0';
}
