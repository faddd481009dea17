/**
 * The account's net position per symbol on the paper venue, as a venue with net positions keeps
 * it (Bybit's one-way mode): every fill of the account moves it, buys up and sells down, so long
 * becomes short through flat. Kept in the state file beside the fills, in the fill's transaction,
 * so it survives restarts and never disagrees with the fills it comes from.
 *
 * The entry price is the average cost of the open side: fills that open or grow it are averaged
 * in exactly (their cost and amount are summed); a reduction leaves the average unchanged; a fill
 * that crosses flat opens the other side with what is left, at the fill's price.
 */
import type { PositionStatusReport } from '../exchange-adapter.ts';
import { PAPER_DIVISION_PLACES, PaperDecimal, formatDecimal } from './paper-decimal.ts';
import type { PaperFill, PaperPositionState, PaperStore } from './paper-store.ts';
import { marketId } from './venue-payloads.ts';

/** Set in paper_meta once the positions table was built from the fills a state file already had. */
const BUILT_KEY = 'positions_built';

/**
 * The position after one more fill: pure, exact decimals.
 *
 * @example
 * applyFillToPosition(undefined, { symbol: 'BTC/USDT', side: 'buy', price: '100', amount: '0.004', timestamp: 1 });
 * // { symbol: 'BTC/USDT', net: '0.004', entryCost: '0.4', entryAmount: '0.004', updatedAt: 1 }
 */
export function applyFillToPosition(
  position: PaperPositionState | undefined,
  fill: Pick<PaperFill, 'symbol' | 'side' | 'price' | 'amount' | 'timestamp'>,
): PaperPositionState {
  const net = new PaperDecimal(position?.net ?? '0');
  let cost = new PaperDecimal(position?.entryCost ?? '0');
  let opened = new PaperDecimal(position?.entryAmount ?? '0');
  const amount = new PaperDecimal(fill.amount);
  const price = new PaperDecimal(fill.price);
  const signed = fill.side === 'buy' ? amount : amount.neg();
  const next = net.plus(signed);
  if (net.isZero() || net.isNegative() === signed.isNegative()) {
    // Opens or grows the open side: averaged in exactly.
    cost = cost.plus(price.mul(amount));
    opened = opened.plus(amount);
  } else if (next.isZero()) {
    cost = new PaperDecimal(0);
    opened = new PaperDecimal(0);
  } else if (next.isNegative() === net.isNegative()) {
    // A reduction: the average stays; cost and amount are rescaled to what remains open, so that
    // a later entry is averaged against the remaining amount, not the amount once opened.
    cost = cost.div(opened).mul(next.abs());
    opened = next.abs();
  } else {
    // Crossed flat: the rest opens the other side at this fill's price.
    cost = price.mul(next.abs());
    opened = next.abs();
  }
  return {
    symbol: fill.symbol,
    net: formatDecimal(next),
    entryCost: formatDecimal(cost),
    entryAmount: formatDecimal(opened),
    updatedAt: fill.timestamp,
  };
}

/**
 * The venue's report of one position, with a ccxt-like unified position as `raw` and the venue's
 * own (Bybit v5 position list) under `info`.
 *
 * @example
 * positionReport({ symbol: 'BTC/USDT', net: '-0.5', entryCost: '50', entryAmount: '0.5', updatedAt: 5 }, 'BTC/USDT', 9);
 * // { symbol: 'BTC/USDT', side: 'short', amount: '0.5', entryPrice: '100', timestamp: 9, raw: {...} }
 */
export function positionReport(position: PaperPositionState | undefined, symbol: string, now: number): PositionStatusReport {
  const net = new PaperDecimal(position?.net ?? '0');
  const side = net.isZero() ? 'flat' : net.isNegative() ? 'short' : 'long';
  const amount = formatDecimal(net.abs());
  const entryPrice =
    side === 'flat' || !position
      ? undefined
      : formatDecimal(new PaperDecimal(position.entryCost).div(position.entryAmount).toDecimalPlaces(PAPER_DIVISION_PLACES));
  const raw = {
    symbol,
    side: side === 'flat' ? null : side,
    contracts: amount,
    entryPrice: entryPrice ?? null,
    timestamp: now,
    datetime: new Date(now).toISOString(),
    marginMode: 'cross',
    info: {
      symbol: marketId(symbol),
      side: side === 'flat' ? '' : side === 'long' ? 'Buy' : 'Sell',
      size: amount,
      avgPrice: entryPrice ?? '0',
      positionIdx: 0,
      updatedTime: String(position?.updatedAt ?? now),
    },
  };
  return { symbol, side, amount, ...(entryPrice === undefined ? {} : { entryPrice }), timestamp: now, raw };
}

/**
 * @example
 * const positions = new PaperPositions(store);
 * store.transaction(() => positions.apply(fill)); // in the fill's own transaction
 * positions.reports('BTC/USDT', Date.now());      // [{ symbol: 'BTC/USDT', side: 'long', amount: '0.004', ... }]
 */
export class PaperPositions {
  readonly #store: PaperStore;
  readonly #bySymbol = new Map<string, PaperPositionState>();

  constructor(store: PaperStore) {
    this.#store = store;
    store.transaction(() => {
      // A state file made before positions were kept: build them once from its fills.
      if (store.getMeta(BUILT_KEY) === undefined) {
        for (const fill of store.fillsSince()) this.apply(fill);
        store.setMeta(BUILT_KEY, 1);
      }
    });
    for (const position of store.positions()) this.#bySymbol.set(position.symbol, position);
  }

  /** Moves the symbol's position by one fill and stores it (call inside the fill's transaction). */
  apply(fill: PaperFill): PaperPositionState {
    const next = applyFillToPosition(this.#bySymbol.get(fill.symbol), fill);
    this.#store.savePosition(next);
    this.#bySymbol.set(fill.symbol, next);
    return next;
  }

  /**
   * Sets a symbol's net position without a fill (signed: < 0 short), as a transfer or a venue's
   * own adjustment would: a change the account's fills do not explain. `entryPrice` > 0 unless flat.
   */
  set(symbol: string, net: PaperDecimal, entryPrice: PaperDecimal, now: number): PaperPositionState {
    const size = net.abs();
    const next: PaperPositionState = {
      symbol,
      net: formatDecimal(net.isZero() ? new PaperDecimal(0) : net),
      entryCost: formatDecimal(net.isZero() ? new PaperDecimal(0) : entryPrice.mul(size)),
      entryAmount: formatDecimal(size),
      updatedAt: now,
    };
    this.#store.savePosition(next);
    this.#bySymbol.set(symbol, next);
    return next;
  }

  /** With a symbol: its one report (flat when nothing is held). Without: every position that is not flat, by symbol. */
  reports(symbol: string | undefined, now: number): PositionStatusReport[] {
    if (symbol !== undefined) return [positionReport(this.#bySymbol.get(symbol), symbol, now)];
    return [...this.#bySymbol.values()]
      .filter((position) => !new PaperDecimal(position.net).isZero())
      .sort((a, b) => a.symbol.localeCompare(b.symbol))
      .map((position) => positionReport(position, position.symbol, now));
  }
}
