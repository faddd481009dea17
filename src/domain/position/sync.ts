/**
 * Sync with the exchange, the pure part: compares the ledger's open positions of one exchange
 * account (net per symbol, summed over the account's bots) with the venue's net positions
 * (nautilus_trader's PositionStatusReport), says in one sentence what differs, and decides what
 * can be fixed automatically:
 *
 * - a difference fully explained by fills of botledger's own orders that the ledger lacks: apply
 *   them (they update the positions through the engine's fill path);
 * - a position the venue no longer has (or has less of) whose closing fills are found, made by
 *   orders botledger does not know (a person selling at the venue): apply them to the position;
 * - anything else: `mismatch`, both sizes kept, left for a person (hummingbot's MISMATCH).
 *
 * Sizes are signed: a long counts plus, a short minus. Decimal strings in, decimal strings out.
 */
import { Decimal, formatDecimal, parseDecimal } from '../money.ts';

/** How a symbol of an account compares with the venue. */
export type SyncComparison = 'in_sync' | 'mismatch' | 'missing_at_venue' | 'unknown_at_ledger';

/** What a position's `sync_status` says after a sync. */
export type PositionSyncStatus = 'in_sync' | 'mismatch';

/** What sync does about one symbol. */
export type SyncAction =
  /** Nothing differs. */
  | 'none'
  /** Apply the missing fills of botledger's orders; they explain the whole difference. */
  | 'apply_fills'
  /** Apply the missing fills of botledger's orders, then the venue's fills of orders botledger does not know (they close or reduce the position). */
  | 'apply_outside_fills'
  /** Not explained: mark the positions `mismatch` and leave them for a person. */
  | 'leave_for_person';

/** A venue's net position on one symbol (the shape of the adapter's PositionStatusReport that sync needs). */
export interface VenuePosition {
  readonly symbol: string;
  readonly side: 'long' | 'short' | 'flat';
  /** >= 0. */
  readonly amount: string;
}

/** An execution the venue reported that the ledger has not stored. */
export interface MissingFill {
  readonly symbol: string;
  readonly side: 'buy' | 'sell';
  readonly amount: string;
  /** True when the order is botledger's (the ledger knows it): the fill goes through the engine's fill path. */
  readonly knownOrder: boolean;
}

/** One symbol of an account, compared. */
export interface SymbolSync {
  readonly symbol: string;
  /** The ledger's net size (signed), summed over the account's open positions on the symbol. */
  readonly ledgerSize: string;
  /** The venue's net size (signed); '0' when the venue reports nothing for the symbol. */
  readonly venueSize: string;
  readonly comparison: SyncComparison;
  readonly action: SyncAction;
  /** Net size (signed) of the missing fills of botledger's orders. */
  readonly knownFillsSize: string;
  /** Net size (signed) of the venue's fills of orders botledger does not know. */
  readonly outsideFillsSize: string;
  /** One sentence saying what differs and what sync does about it. */
  readonly explanation: string;
}

/** Signed size of a net position: long +, short -, flat 0. */
export function signedVenueSize(position: VenuePosition): Decimal {
  const amount = parseDecimal(position.amount, 'amount').abs();
  if (position.side === 'flat') return new Decimal(0);
  return position.side === 'long' ? amount : amount.neg();
}

/** Signed size of a ledger position. */
export function signedPositionSize(position: { readonly side: 'long' | 'short'; readonly amount: string }): Decimal {
  const amount = parseDecimal(position.amount, 'amount');
  return position.side === 'long' ? amount : amount.neg();
}

/** Signed size of a fill: a buy adds, a sell takes away. */
export function signedFillSize(fill: { readonly side: 'buy' | 'sell'; readonly amount: string }): Decimal {
  const amount = parseDecimal(fill.amount, 'amount');
  return fill.side === 'buy' ? amount : amount.neg();
}

/** Words for a signed size: "long 0.01", "short 0.5", "flat". */
export function describeSize(size: Decimal | string): string {
  const value = typeof size === 'string' ? parseDecimal(size, 'size') : size;
  if (value.isZero()) return 'flat';
  return `${value.isPositive() ? 'long' : 'short'} ${formatDecimal(value.abs())}`;
}

/**
 * Compares one symbol and decides what to do.
 *
 * @example
 * compareSymbol({ symbol: 'BTC/USDT', ledgerSize: '0.01', venueSize: '0.02', missingFills: [{ symbol: 'BTC/USDT', side: 'buy', amount: '0.01', knownOrder: true }], venueName: 'Paper exchange' }).action;
 * // 'apply_fills'
 */
export function compareSymbol(input: {
  readonly symbol: string;
  readonly ledgerSize: string;
  readonly venueSize: string;
  readonly missingFills: readonly MissingFill[];
  readonly venueName: string;
}): SymbolSync {
  const { symbol, venueName } = input;
  const ledger = parseDecimal(input.ledgerSize, 'ledgerSize');
  const venue = parseDecimal(input.venueSize, 'venueSize');
  const sum = (known: boolean) =>
    input.missingFills.filter((fill) => fill.symbol === symbol && fill.knownOrder === known).reduce((total, fill) => total.plus(signedFillSize(fill)), new Decimal(0));
  const known = sum(true);
  const outside = sum(false);
  const comparison: SyncComparison = ledger.eq(venue) ? 'in_sync' : venue.isZero() ? 'missing_at_venue' : ledger.isZero() ? 'unknown_at_ledger' : 'mismatch';
  const sizes = `the ledger holds ${describeSize(ledger)}, ${venueName} reports ${describeSize(venue)}`;
  const base = { symbol, ledgerSize: formatDecimal(ledger), venueSize: formatDecimal(venue), comparison, knownFillsSize: formatDecimal(known), outsideFillsSize: formatDecimal(outside) };
  if (comparison === 'in_sync') return { ...base, action: 'none', explanation: `${symbol}: in sync (${describeSize(ledger)})` };
  const what =
    comparison === 'missing_at_venue'
      ? `${symbol}: ${venueName} no longer has the position (${sizes})`
      : comparison === 'unknown_at_ledger'
        ? `${symbol}: ${venueName} has a position the ledger does not know (${sizes})`
        : `${symbol}: sizes differ (${sizes})`;
  if (!known.isZero() && ledger.plus(known).eq(venue)) {
    return { ...base, action: 'apply_fills', explanation: `${what}; fills of botledger's orders that the ledger lacks (net ${describeSize(known)}) explain it: they are applied` };
  }
  // Fills of orders botledger does not know may only close or reduce what the ledger holds: a
  // position they would open or grow is not botledger's to keep, and a person decides.
  const afterKnown = ledger.plus(known);
  const reducesOnly = !outside.isZero() && !afterKnown.isZero() && outside.isPositive() !== afterKnown.isPositive() && outside.abs().lte(afterKnown.abs());
  if (reducesOnly && afterKnown.plus(outside).eq(venue)) {
    const how = venue.isZero() ? 'closed' : 'reduced';
    const knownPart = known.isZero() ? '' : ` and fills of botledger's orders (net ${describeSize(known)})`;
    return {
      ...base,
      action: 'apply_outside_fills',
      explanation: `${what}; it was ${how} at ${venueName} outside botledger: its fills there (net ${describeSize(outside)})${knownPart} explain it and are applied to the position`,
    };
  }
  const found = known.isZero() && outside.isZero() ? 'no fill the ledger lacks explains it' : `the fills the ledger lacks (net ${describeSize(known.plus(outside))}) do not explain it`;
  return { ...base, action: 'leave_for_person', explanation: `${what}; ${found}: marked mismatch and left for a person` };
}

/**
 * Compares every symbol either side has: the ledger's open positions of the account and the
 * venue's reports. Symbols in sync are included (their positions are marked `in_sync`).
 *
 * @example
 * const symbols = compareAccount({ ledger: openPositions, venue: reports, missingFills: [], venueName: 'Paper exchange' });
 * symbols.filter((s) => s.comparison !== 'in_sync');
 */
export function compareAccount(input: {
  readonly ledger: readonly { readonly symbol: string; readonly side: 'long' | 'short'; readonly amount: string }[];
  readonly venue: readonly VenuePosition[];
  readonly missingFills: readonly MissingFill[];
  readonly venueName: string;
}): SymbolSync[] {
  const ledger = new Map<string, Decimal>();
  for (const position of input.ledger) ledger.set(position.symbol, (ledger.get(position.symbol) ?? new Decimal(0)).plus(signedPositionSize(position)));
  const venue = new Map<string, Decimal>();
  for (const report of input.venue) venue.set(report.symbol, (venue.get(report.symbol) ?? new Decimal(0)).plus(signedVenueSize(report)));
  const symbols = [...new Set([...ledger.keys(), ...venue.keys()])].sort();
  return symbols
    .map((symbol) =>
      compareSymbol({
        symbol,
        ledgerSize: formatDecimal(ledger.get(symbol) ?? new Decimal(0)),
        venueSize: formatDecimal(venue.get(symbol) ?? new Decimal(0)),
        missingFills: input.missingFills,
        venueName: input.venueName,
      }),
    )
    .filter((entry) => !(entry.comparison === 'in_sync' && parseDecimal(entry.ledgerSize, 'ledgerSize').isZero()));
}

/**
 * The status a position gets after a sync: `in_sync` when its symbol agrees with the venue.
 *
 * @example
 * positionSyncStatus(symbolSync); // 'mismatch'
 */
export function positionSyncStatus(symbol: Pick<SymbolSync, 'comparison'>): PositionSyncStatus {
  return symbol.comparison === 'in_sync' ? 'in_sync' : 'mismatch';
}
