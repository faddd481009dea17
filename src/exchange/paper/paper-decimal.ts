/**
 * The decimal type of the paper exchange: decimal.js with precision raised well above any price
 * times amount the venue handles (its default of 20 significant digits would truncate).
 */
import { Decimal } from 'decimal.js';

/** Significant digits kept by every paper exchange computation. */
export const PAPER_DECIMAL_PRECISION = 60;

/** Digits kept after the point for a division (average price). */
export const PAPER_DIVISION_PLACES = 18;

export const PaperDecimal = Decimal.clone({ precision: PAPER_DECIMAL_PRECISION, rounding: Decimal.ROUND_HALF_EVEN });
export type PaperDecimal = InstanceType<typeof PaperDecimal>;

/**
 * A decimal as the venue prints it: plain notation, no exponent, no trailing zeros.
 *
 * @example
 * formatDecimal(new PaperDecimal('1.50')); // '1.5'
 * formatDecimal(new PaperDecimal('1e-9')); // '0.000000001'
 */
export function formatDecimal(value: PaperDecimal): string {
  return value.toFixed();
}

/**
 * Parses a decimal string the caller sent; undefined when it is not a finite plain decimal.
 *
 * @example
 * parseDecimal('0.25'); // PaperDecimal 0.25
 * parseDecimal('abc'); // undefined
 */
export function parseDecimal(text: unknown): PaperDecimal | undefined {
  if (typeof text !== 'string' || !/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(text.trim())) return undefined;
  return new PaperDecimal(text.trim());
}
