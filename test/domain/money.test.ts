import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { InvalidDecimalError } from '../../src/domain/errors.ts';
import {
  add,
  assertFitsMoneyColumn,
  compare,
  div,
  formatDecimal,
  mul,
  normalizeDecimal,
  parseDecimal,
  sub,
  sum,
} from '../../src/domain/money.ts';

test('arithmetic is exact where floats are not', () => {
  assert.equal(add('0.1', '0.2'), '0.3');
  assert.equal(sub('1', '0.9'), '0.1');
  assert.equal(mul('101.25', '0.5'), '50.625');
  assert.equal(sum(['0.1', '0.2', '-0.3']), '0');
  assert.equal(add('12345678901234567890.123456789012345678', '0.000000000000000001'), '12345678901234567890.123456789012345679');
});

test('no exponent notation, no trailing zeros, no -0', () => {
  assert.equal(formatDecimal('0.000000000000000001'), '0.000000000000000001');
  assert.equal(formatDecimal(parseDecimal('1000000000000000000000000', 'x')), '1000000000000000000000000');
  assert.equal(formatDecimal('1.500'), '1.5');
  assert.equal(formatDecimal('-0.0'), '0');
});

test('division rounds half-even to 18 places and refuses zero naming the field', () => {
  assert.equal(div('1', '3'), '0.333333333333333333');
  assert.equal(div('2', '3'), '0.666666666666666667');
  assert.throws(() => div('1', '0', { field: 'amount' }), /amount must not be zero/);
});

test('compare is exact and ignores trailing zeros', () => {
  assert.equal(compare('1.0', '1'), 0);
  assert.equal(compare('0.000000000000000001', '0'), 1);
  assert.equal(compare('-2', '1'), -1);
});

test('bad input is refused with an error naming the field', () => {
  for (const bad of ['1e3', ' 1', '+1', '.5', '1.', 'abc', '', '0x10']) {
    assert.throws(
      () => parseDecimal(bad, 'price'),
      (error: InvalidDecimalError) =>
        error.code === 'INVALID_DECIMAL' && error.field === 'price' && /^price must be a decimal string/.test(error.message),
      bad,
    );
  }
  assert.throws(() => parseDecimal(0.1, 'price'), /got the number 0.1 \(numbers lose precision\)/);
  assert.throws(() => normalizeDecimal('-1', 'amount', { positive: true }), /amount must be greater than 0/);
  assert.throws(() => normalizeDecimal('-1', 'fee', { nonNegative: true }), /fee must not be negative/);
});

test('values are checked against NUMERIC(38,18) so both dialects store the same thing', () => {
  assertFitsMoneyColumn('12345678901234567890.123456789012345678', 'amount');
  assertFitsMoneyColumn('-0.000000000000000001', 'pnl');
  assert.throws(() => assertFitsMoneyColumn('123456789012345678901', 'amount'), /amount has 21 digits before the point; at most 20/);
  assert.throws(() => assertFitsMoneyColumn('0.0000000000000000001', 'price'), /price has 19 digits after the point; at most 18/);
});
