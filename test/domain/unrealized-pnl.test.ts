/** The unrealized pnl of a position at a price: exact for longs and shorts, none once closed. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { unrealizedPnl } from '../../src/domain/position/unrealized-pnl.ts';

test('a long gains when the price rises above its cost, a short when it falls; exactly, without rounding', () => {
  const long = { status: 'open', side: 'long', amount: '0.013', entryCost: '778.24981' } as const;
  assert.equal(unrealizedPnl(long, '59872.6'), '0.09399'); // 0.013 x 59872.6 = 778.3438
  assert.equal(unrealizedPnl(long, '59865.37'), '0');
  assert.equal(unrealizedPnl({ ...long, side: 'short' }, '59872.6'), '-0.09399');
  // 18-place amount and price: 36 places kept (a float would give 0).
  assert.equal(
    unrealizedPnl({ status: 'open', side: 'long', amount: '0.000000000000000001', entryCost: '0' }, '0.000000000000000001'),
    '0.000000000000000000000000000000000001',
  );
});

test('a closed position has no unrealized pnl', () => {
  assert.equal(unrealizedPnl({ status: 'closed', side: 'long', amount: '0', entryCost: '0' }, '100'), null);
});
