import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_ORDER_TTL_MS, expiresAtFor, isExpired, nextRetryAt, retryDelayMs } from '../../src/domain/order/retry-policy.ts';

const T0 = new Date('2026-01-01T00:00:00.000Z');

test('exponential backoff with a cap', () => {
  assert.deepEqual(
    [0, 1, 2, 3, 6, 7, 100].map((n) => retryDelayMs(n)),
    [5_000, 10_000, 20_000, 40_000, 300_000, 300_000, 300_000],
  );
  assert.equal(retryDelayMs(2, { initialDelayMs: 100, multiplier: 3, maxDelayMs: 1_000 }), 900);
});

test('the next retry is never after expires_at, and there is none once expired', () => {
  const expiresAt = new Date(T0.getTime() + 30_000).toISOString();
  assert.equal(nextRetryAt({ retryCount: 0, expiresAt }, T0), '2026-01-01T00:00:05.000Z');
  assert.equal(nextRetryAt({ retryCount: 5, expiresAt }, T0), expiresAt);
  assert.equal(nextRetryAt({ retryCount: 0, expiresAt }, new Date(expiresAt)), null);
});

test('isExpired at and after expires_at; default expiry is creation plus one day', () => {
  const expiresAt = expiresAtFor(T0, 60_000);
  assert.equal(isExpired({ expiresAt }, new Date(T0.getTime() + 59_999)), false);
  assert.equal(isExpired({ expiresAt }, new Date(T0.getTime() + 60_000)), true);
  assert.equal(isExpired({ expiresAt: null }, new Date(8e15)), false);
  assert.equal(expiresAtFor(T0), new Date(T0.getTime() + DEFAULT_ORDER_TTL_MS).toISOString());
});
