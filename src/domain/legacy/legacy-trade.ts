/**
 * One row of seed 003's legacy `trades` table turned into a botledger trade, or the reason it
 * cannot be (a bad number, a missing time, an unknown side...). Pure: the row comes in with the
 * values SQLite gave (numbers, text, null), the time of the import and the trade's id come in as
 * arguments.
 *
 * Numbers. The legacy columns are SQLite REAL: an IEEE double, the same as a JS number, so reading
 * one loses nothing. It is written as the SHORTEST decimal that reads back as the same double
 * (ECMAScript's Number#toString, which is also Python's repr(float)): 1.23456 stays "1.23456",
 * exactly what the legacy Python bot had and printed. SQLite's own text of a REAL is not used: it
 * depends on the SQLite version (15 significant digits before 3.43, then up to 17, e.g.
 * "0.33333333333333332" where the shortest is "0.3333333333333333"), and the exact binary
 * expansion of the double (0.1000000000000000055511...) is a value nobody ever meant. A value
 * stored as TEXT is taken only if it is a plain decimal; anything else is a bad row.
 *
 * What is kept: pnl as the legacy bot recorded it (its own statistics, get_plugin_statistics in
 * PART 4.3, summed this column), fees = the costs of commission and swap, -(commission + swap),
 * since MetaTrader-style rows store charges as negative numbers (a swap credit lowers the fees; a
 * NULL commission or swap counts as 0). amount = lot_size. Times without an offset are UTC.
 */
import { formatDecimal, isDecimalString, MONEY_INTEGER_DIGITS, MONEY_SCALE, Decimal } from '../money.ts';
import type { PositionSide } from '../position/position.ts';
import type { Trade } from '../position/trade.ts';
import { legacyPluginId } from './legacy-plugin-map.ts';

/** A value as SQLite hands it over. */
export type LegacyValue = string | number | bigint | null | Uint8Array;

/** The columns of a legacy trade the import reads (optional ones are undefined when the table lacks them). */
export interface LegacyTradeRow {
  readonly id: number | bigint;
  readonly tradeId?: LegacyValue;
  readonly pluginId?: LegacyValue;
  readonly logicType?: LegacyValue;
  readonly symbol: LegacyValue;
  readonly direction: LegacyValue;
  readonly status: LegacyValue;
  readonly entryPrice: LegacyValue;
  readonly exitPrice: LegacyValue;
  readonly lotSize: LegacyValue;
  readonly pnl: LegacyValue;
  readonly commission?: LegacyValue;
  readonly swap?: LegacyValue;
  readonly openTime: LegacyValue;
  readonly closeTime: LegacyValue;
  readonly comment?: LegacyValue;
  readonly exitReason?: LegacyValue;
}

/** What became of one legacy row. */
export type LegacyTradeOutcome =
  | { readonly kind: 'trade'; readonly trade: Trade }
  /** Not a closed round trip (open, cancelled, no status): there is no trade to import yet. */
  | { readonly kind: 'not-closed'; readonly id: string; readonly status: string }
  | { readonly kind: 'bad'; readonly id: string; readonly reason: string };

/** Thrown inside this module for one unreadable field; turned into a `bad` outcome. */
class BadField extends Error {}

function shown(value: LegacyValue): string {
  if (value === null) return 'NULL';
  if (value instanceof Uint8Array) return `a ${value.length}-byte BLOB`;
  const text = String(value);
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}...` : text);
}

/**
 * A legacy number as an exact decimal string (see the top of this file), or undefined for NULL.
 *
 * @example
 * legacyDecimal(1.23456, 'entry_price');   // '1.23456'
 * legacyDecimal(1e-7, 'pnl');              // '0.0000001'
 * legacyDecimal('abc', 'pnl');             // throws: pnl is not a number: "abc"
 */
export function legacyDecimal(value: LegacyValue | undefined, column: string): string | undefined {
  if (value === null || value === undefined) return undefined;
  let text: string;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new BadField(`${column} is not a finite number: ${value}`);
    text = new Decimal(String(value)).toFixed();
  } else if (typeof value === 'bigint') {
    text = value.toString();
  } else if (typeof value === 'string' && isDecimalString(value.trim())) {
    text = value.trim();
  } else {
    throw new BadField(`${column} is not a number: ${shown(value)}`);
  }
  const decimal = new Decimal(text);
  if (decimal.decimalPlaces() > MONEY_SCALE)
    throw new BadField(
      `${column} ${shown(value)} has ${decimal.decimalPlaces()} digits after the point; at most ${MONEY_SCALE} are stored exactly`,
    );
  if (decimal.abs().trunc().toFixed().replace(/^0$/, '').length > MONEY_INTEGER_DIGITS)
    throw new BadField(`${column} ${shown(value)} has more than ${MONEY_INTEGER_DIGITS} digits before the point`);
  return formatDecimal(decimal);
}

function required(value: string | undefined, column: string): string {
  if (value === undefined) throw new BadField(`${column} is missing (NULL)`);
  return value;
}

function positive(value: string, column: string): string {
  if (!new Decimal(value).gt(0)) throw new BadField(`${column} must be greater than 0, got ${value}`);
  return value;
}

/** "YYYY-MM-DD HH:MM[:SS[.fraction]]" with 'T' or a space, optional Z or ±HH:MM (Python's sqlite3 writes the space form). */
const LEGACY_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * A legacy DATETIME as an ISO-8601 UTC instant with milliseconds (digits beyond milliseconds are
 * cut: botledger's instants are milliseconds). A time without an offset is UTC.
 *
 * @example
 * legacyInstant('2025-06-01 12:30:00.123456', 'open_time'); // '2025-06-01T12:30:00.123Z'
 * legacyInstant(null, 'close_time');                        // throws: close_time is missing (NULL)
 */
export function legacyInstant(value: LegacyValue | undefined, column: string): string {
  if (value === null || value === undefined) throw new BadField(`${column} is missing (NULL)`);
  const text = typeof value === 'string' ? value.trim() : '';
  if (text === '')
    throw new BadField(typeof value === 'string' ? `${column} is missing (empty)` : `${column} is not a date and time: ${shown(value)}`);
  const match = LEGACY_TIME.exec(text);
  if (!match) throw new BadField(`${column} is not a date and time: ${shown(value)}`);
  const [, y, mo, d, h, mi, s = '00', fraction = '', zone = 'Z'] = match;
  const ms = fraction.padEnd(3, '0').slice(0, 3);
  const offset = zone.toUpperCase() === 'Z' ? 'Z' : `${zone.slice(0, 3)}:${zone.slice(-2)}`;
  const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}${offset}`;
  const date = new Date(iso);
  // Date accepts 2025-02-30 (it rolls over to March); the fields must read back as written.
  const local = new Date(`${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}Z`);
  if (Number.isNaN(date.getTime()) || local.toISOString() !== `${y}-${mo}-${d}T${h}:${mi}:${s}.${ms}Z`)
    throw new BadField(`${column} is not a date and time: ${shown(value)}`);
  return date.toISOString();
}

/** BUY/LONG -> long, SELL/SHORT -> short (any case, trimmed). */
export function legacySide(value: LegacyValue | undefined): PositionSide {
  const key = typeof value === 'string' ? value.trim().toLowerCase() : undefined;
  if (key === 'buy' || key === 'long') return 'long';
  if (key === 'sell' || key === 'short') return 'short';
  throw new BadField(`direction ${shown(value ?? null)} is neither BUY nor SELL`);
}

function text(value: LegacyValue | undefined): string | null {
  if (value === null || value === undefined) return null;
  if (value instanceof Uint8Array) return null;
  return String(value);
}

/**
 * The fields that identify a legacy trade for good, joined: its row id, ticket (trade_id),
 * symbol, direction and open time as stored. Neither plugin_id nor logic_type is part of it, so
 * the plugin_id migration of the legacy file (or a different --map) does not change a trade's id,
 * and a re-run finds the trades it imported before.
 *
 * @example
 * legacyTradeIdentity(row); // 'trading_bot.db/trades\u001f42\u001f100042\u001fEURUSD\u001fBUY\u001f2025-06-01 12:30:00'
 */
export function legacyTradeIdentity(row: LegacyTradeRow): string {
  return ['trading_bot.db/trades', String(row.id), text(row.tradeId), text(row.symbol), text(row.direction), text(row.openTime)]
    .map((part) => part ?? '\u0000')
    .join('\u001f');
}

/** A botledger trade id from the hex digest of {@link legacyTradeIdentity}: `legacy-` and its first 32 hex digits (128 bits). */
export function legacyTradeId(identityDigestHex: string): string {
  return `legacy-${identityDigestHex.slice(0, 32)}`;
}

/**
 * What a legacy row becomes.
 *
 * @example
 * legacyTradeOutcome(row, { id: legacyTradeId(sha256(legacyTradeIdentity(row))), now, map: {} });
 * // { kind: 'trade', trade: { id: 'legacy-…', pluginId: 'v3-logic-01-5min', side: 'long', pnl: '12.5', … } }
 */
export function legacyTradeOutcome(
  row: LegacyTradeRow,
  options: { readonly id: string; readonly now: Date; readonly map?: Readonly<Record<string, string>> },
): LegacyTradeOutcome {
  const rowId = String(row.id);
  const status = text(row.status) ?? '';
  if (status.trim().toLowerCase() !== 'closed') return { kind: 'not-closed', id: rowId, status };
  try {
    const symbol = text(row.symbol)?.trim();
    if (!symbol) throw new BadField('symbol is missing');
    const side = legacySide(row.direction);
    const amount = positive(required(legacyDecimal(row.lotSize, 'lot_size'), 'lot_size'), 'lot_size');
    const entryPrice = positive(required(legacyDecimal(row.entryPrice, 'entry_price'), 'entry_price'), 'entry_price');
    const exitPrice = positive(required(legacyDecimal(row.exitPrice, 'exit_price'), 'exit_price'), 'exit_price');
    const pnl = required(legacyDecimal(row.pnl, 'pnl'), 'pnl');
    const commission = legacyDecimal(row.commission, 'commission') ?? '0';
    const swap = legacyDecimal(row.swap, 'swap') ?? '0';
    const openedAt = legacyInstant(row.openTime, 'open_time');
    const closedAt = legacyInstant(row.closeTime, 'close_time');
    const exitReason = text(row.exitReason)?.trim() ? text(row.exitReason) : text(row.comment)?.trim() ? text(row.comment) : null;
    const trade: Trade = {
      id: options.id,
      positionId: null,
      userId: null,
      botId: null,
      pluginId: legacyPluginId({ logicType: text(row.logicType), pluginId: text(row.pluginId) }, options.map),
      symbol,
      side,
      amount,
      entryPrice,
      exitPrice,
      pnl,
      fees: formatDecimal(new Decimal(commission).plus(swap).neg()),
      exitReason,
      openedAt,
      closedAt,
      createdAt: options.now.toISOString(),
    };
    return { kind: 'trade', trade };
  } catch (error) {
    if (error instanceof BadField) return { kind: 'bad', id: rowId, reason: error.message };
    throw error;
  }
}
