/**
 * Open positions marked to the venue's last price: `markPrice` and the exact `unrealizedPnl`
 * (domain/position/unrealized-pnl.ts), for the API's position list and detail. One ticker per
 * symbol per call; a venue that does not answer (or a ledger opened without its venue) leaves
 * both null rather than failing the read.
 */
import type { Position } from '../domain/position/position.ts';
import { unrealizedPnl } from '../domain/position/unrealized-pnl.ts';
import type { Ledger } from './open-ledger.ts';

/** A position with its mark: null when closed or when no price is known. */
export type MarkedPosition = Position & { readonly markPrice: string | null; readonly unrealizedPnl: string | null };

/**
 * Adds markPrice and unrealizedPnl to each position (closed ones get null).
 *
 * @example
 * const [marked] = await markPositions(ledger, [position]); // { ...position, markPrice: '60000', unrealizedPnl: '0.5' }
 */
export async function markPositions(ledger: Pick<Ledger, 'venue'>, positions: readonly Position[]): Promise<MarkedPosition[]> {
  const symbols = [...new Set(positions.filter((position) => position.status === 'open').map((position) => position.symbol))];
  const prices = new Map<string, string | null>();
  await Promise.all(symbols.map(async (symbol) => prices.set(symbol, await lastPrice(ledger, symbol))));
  return positions.map((position) => {
    const price = position.status === 'open' ? (prices.get(position.symbol) ?? null) : null;
    return { ...position, markPrice: price, unrealizedPnl: price === null ? null : unrealizedPnl(position, price) };
  });
}

async function lastPrice(ledger: Pick<Ledger, 'venue'>, symbol: string): Promise<string | null> {
  if (!ledger.venue) return null;
  try {
    return (await ledger.venue.paper.fetchTicker(symbol)).last;
  } catch {
    // A mark is a convenience of a read: without a price the position is still shown, unmarked.
    return null;
  }
}
