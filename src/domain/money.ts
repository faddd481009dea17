/**
 * Exact decimal arithmetic for amounts and prices. Values travel as decimal strings ("101.25");
 * arithmetic goes through decimal.js with 60 significant digits (its default of 20 would silently
 * round a NUMERIC(38,18) value). Never a JS number.
 */
import { Decimal as DecimalJs } from 'decimal.js';
import { InvalidDecimalError } from './errors.ts';

/**
 * decimal.js configured for money: 60 significant digits, and exponents pushed out of reach so
 * `toString()` never prints `1e-18`.
 */
export const Decimal = DecimalJs.clone({ precision: 60, rounding: DecimalJs.ROUND_HALF_EVEN, toExpNeg: -9e15, toExpPos: 9e15 });
export type Decimal = InstanceType<typeof Decimal>;

/** A decimal string or a Decimal. */
export type DecimalInput = string | Decimal;

/** Digits after the point that a money column keeps (NUMERIC(38,18)). */
export const MONEY_SCALE = 18;

/** Digits before the point that a money column keeps (38 - 18). */
export const MONEY_INTEGER_DIGITS = 20;

const DECIMAL_PATTERN = /^-?\d+(\.\d+)?$/;

/**
 * True for a plain decimal string: optional minus, digits, optional fraction. No exponent, no
 * spaces, no "+", no ".5".
 *
 * @example
 * isDecimalString('101.25'); // true
 * isDecimalString('1e3');    // false
 */
export function isDecimalString(value: unknown): value is string {
  return typeof value === 'string' && DECIMAL_PATTERN.test(value);
}

/**
 * Parses a decimal string, or throws an {@link InvalidDecimalError} naming `field`.
 *
 * @example
 * parseDecimal('0.1', 'price').plus('0.2').toString(); // '0.3'
 * parseDecimal(0.1, 'price'); // throws: price must be a decimal string such as "101.25", got the number 0.1
 */
export function parseDecimal(value: unknown, field: string): Decimal {
  if (value instanceof Decimal) return value;
  if (typeof value === 'number') {
    throw new InvalidDecimalError(
      field,
      `${field} must be a decimal string such as "101.25", got the number ${value} (numbers lose precision)`,
    );
  }
  if (!isDecimalString(value)) {
    const shown = typeof value === 'string' ? JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}...` : value) : String(value);
    throw new InvalidDecimalError(field, `${field} must be a decimal string such as "101.25", got ${shown}`);
  }
  return new Decimal(value);
}

/**
 * Canonical string of a decimal: no exponent, no trailing zeros, no "-0".
 *
 * @example
 * formatDecimal(new Decimal('1.500')); // '1.5'
 * formatDecimal('0.000000000000000001'); // '0.000000000000000001'
 */
export function formatDecimal(value: DecimalInput): string {
  const decimal = typeof value === 'string' ? parseDecimal(value, 'value') : value;
  if (decimal.isZero()) return '0';
  return decimal.toFixed();
}

/**
 * Checks a decimal string (and its sign) and returns it in canonical form; the error names `field`.
 *
 * @example
 * normalizeDecimal('1.50', 'amount', { positive: true }); // '1.5'
 * normalizeDecimal('0', 'amount', { positive: true });    // throws: amount must be greater than 0, got "0"
 */
export function normalizeDecimal(value: unknown, field: string, rule: { positive?: boolean; nonNegative?: boolean } = {}): string {
  const decimal = parseDecimal(value, field);
  if (rule.positive && !decimal.gt(0)) throw new InvalidDecimalError(field, `${field} must be greater than 0, got "${value}"`);
  if (rule.nonNegative && decimal.lt(0)) throw new InvalidDecimalError(field, `${field} must not be negative, got "${value}"`);
  return formatDecimal(decimal);
}

/**
 * Throws unless the value fits a NUMERIC(38,18) column exactly (at most 20 digits before the
 * point and 18 after), so SQLite (TEXT) and PostgreSQL (numeric) store the same thing.
 *
 * @example
 * assertFitsMoneyColumn('12345678901234567890.123456789012345678', 'amount'); // ok
 * assertFitsMoneyColumn('0.0000000000000000001', 'amount'); // throws: 19 digits after the point
 */
export function assertFitsMoneyColumn(value: DecimalInput, field: string): void {
  const decimal = parseDecimal(value, field);
  if (decimal.decimalPlaces() > MONEY_SCALE) {
    throw new InvalidDecimalError(
      field,
      `${field} has ${decimal.decimalPlaces()} digits after the point; at most ${MONEY_SCALE} are stored exactly`,
    );
  }
  const integerDigits = decimal.abs().trunc().toFixed().replace(/^0$/, '').length;
  if (integerDigits > MONEY_INTEGER_DIGITS) {
    throw new InvalidDecimalError(
      field,
      `${field} has ${integerDigits} digits before the point; at most ${MONEY_INTEGER_DIGITS} are stored`,
    );
  }
}

/**
 * Exact sum.
 *
 * @example
 * add('0.1', '0.2'); // '0.3'
 */
export function add(a: DecimalInput, b: DecimalInput): string {
  return formatDecimal(parseDecimal(a, 'a').plus(parseDecimal(b, 'b')));
}

/**
 * Exact difference.
 *
 * @example
 * sub('1', '0.3'); // '0.7'
 */
export function sub(a: DecimalInput, b: DecimalInput): string {
  return formatDecimal(parseDecimal(a, 'a').minus(parseDecimal(b, 'b')));
}

/**
 * Exact product (60 significant digits, far beyond any price times amount).
 *
 * @example
 * mul('101.25', '0.5'); // '50.625'
 */
export function mul(a: DecimalInput, b: DecimalInput): string {
  return formatDecimal(parseDecimal(a, 'a').times(parseDecimal(b, 'b')));
}

/**
 * Quotient rounded half-even to `scale` digits after the point (default {@link MONEY_SCALE}), the
 * only place money can be rounded. Throws naming `field` when dividing by zero.
 *
 * @example
 * div('1', '3');  // '0.333333333333333333'
 * div('10', '4'); // '2.5'
 */
export function div(a: DecimalInput, b: DecimalInput, options: { scale?: number; field?: string } = {}): string {
  const divisor = parseDecimal(b, options.field ?? 'divisor');
  if (divisor.isZero()) throw new InvalidDecimalError(options.field ?? 'divisor', `${options.field ?? 'divisor'} must not be zero`);
  return formatDecimal(
    parseDecimal(a, 'a')
      .div(divisor)
      .toDecimalPlaces(options.scale ?? MONEY_SCALE, Decimal.ROUND_HALF_EVEN),
  );
}

/**
 * -1, 0 or 1, comparing exactly ("1.0" equals "1").
 *
 * @example
 * compare('1.0', '1'); // 0
 */
export function compare(a: DecimalInput, b: DecimalInput): -1 | 0 | 1 {
  return parseDecimal(a, 'a').comparedTo(parseDecimal(b, 'b')) as -1 | 0 | 1;
}

/**
 * Exact sum of many values ('0' for none).
 *
 * @example
 * sum(['0.1', '0.2', '-0.3']); // '0'
 */
export function sum(values: Iterable<DecimalInput>): string {
  let total = new Decimal(0);
  for (const value of values) total = total.plus(parseDecimal(value, 'value'));
  return formatDecimal(total);
}
