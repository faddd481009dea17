/**
 * The unrealized pnl of an open position at a price: what closing what is still held at that
 * price would gain or lose against what it cost, exactly (decimal.js, no rounding: the product of
 * two 18-place decimals has at most 36 places, well inside money's 60 significant digits). Fees
 * not yet paid (the exit's) are left out; the entry's fees are in the position's realized pnl.
 */
import { formatDecimal, parseDecimal } from '../money.ts';
import type { Position } from './position.ts';

/**
 * long: amount x price - entryCost; short: entryCost - amount x price; null for a closed position.
 *
 * @example
 * unrealizedPnl({ status: 'open', side: 'long', amount: '0.01', entryCost: '599.5' }, '60000'); // '0.5'
 */
export function unrealizedPnl(position: Pick<Position, 'status' | 'side' | 'amount' | 'entryCost'>, price: string): string | null {
  if (position.status !== 'open') return null;
  const value = parseDecimal(position.amount, 'amount').times(parseDecimal(price, 'price'));
  const cost = parseDecimal(position.entryCost, 'entryCost');
  return formatDecimal(position.side === 'long' ? value.minus(cost) : cost.minus(value));
}
