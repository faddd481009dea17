import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  closingSide,
  decideAfterStopLossFailure,
  emergencyExitReason,
  stopLossFailedMessage,
  stopLossRetryDelayMs,
  stopLossRetryDueAt,
} from '../../src/domain/position/stop-loss.ts';

/** A Bybit-shaped rejection longer than 100 characters (seed 002 cut it at 100). */
const BYBIT =
  "bybit {'retCode':10003,'retMsg':'API key is invalid. Please check that the key exists, is not expired and has the contract trade permission.','result':{},'retExtInfo':{},'time':1767225600000}";

test('stop-loss backoff: exponential from 1 s, capped at 30 s', () => {
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6, 7, 1000].map((attempt) => stopLossRetryDelayMs(attempt)),
    [1_000, 2_000, 4_000, 8_000, 16_000, 30_000, 30_000, 30_000],
  );
  assert.equal(stopLossRetryDelayMs(0), 1_000, 'never shorter than the first delay');
  assert.equal(stopLossRetryDelayMs(3, { initialDelayMs: 100, multiplier: 3, maxDelayMs: 10_000 }), 900);
  const lastErrorAt = '2026-01-01T00:00:00.000Z';
  assert.equal(stopLossRetryDueAt({ retryCount: 2, lastErrorAt }), Date.parse(lastErrorAt) + 2_000);
});

test('the sentences carry the venue whole message, never cut', () => {
  assert.ok(BYBIT.length > 100);
  assert.equal(stopLossFailedMessage(2, 3, BYBIT), `Failed to place stop-loss (attempt 2 of 3): ${BYBIT}`);
  assert.equal(emergencyExitReason(BYBIT), `Emergency exit at market after the stop-loss could not be placed: ${BYBIT}`);
  assert.ok(emergencyExitReason(BYBIT).endsWith("'time':1767225600000}"));
});

test('after a failure: retry with backoff, then an emergency exit after the last attempt', () => {
  const now = Date.parse('2026-01-01T00:00:00.000Z');
  assert.deepEqual(decideAfterStopLossFailure({ attempt: 1, maxAttempts: 3, wouldTrigger: false, venueMessage: BYBIT, now }), {
    action: 'retry',
    retryAt: now + 1_000,
    message: `Failed to place stop-loss (attempt 1 of 3): ${BYBIT}`,
  });
  const second = decideAfterStopLossFailure({ attempt: 2, maxAttempts: 3, wouldTrigger: false, venueMessage: BYBIT, now });
  assert.equal(second.action === 'retry' && second.retryAt, now + 2_000);
  assert.deepEqual(decideAfterStopLossFailure({ attempt: 3, maxAttempts: 3, wouldTrigger: false, venueMessage: BYBIT, now }), {
    action: 'emergency-exit',
    cause: 'attempts',
    message: `Failed to place stop-loss (attempt 3 of 3): ${BYBIT}`,
    exitReason: `Emergency exit at market after the stop-loss could not be placed: ${BYBIT}`,
  });
  assert.equal(decideAfterStopLossFailure({ attempt: 1, maxAttempts: 1, wouldTrigger: false, venueMessage: 'x', now }).action, 'emergency-exit');
});

test('a stop that would trigger at once exits at once, whatever the attempts left', () => {
  const decision = decideAfterStopLossFailure({ attempt: 1, maxAttempts: 3, wouldTrigger: true, venueMessage: 'Order would immediately trigger.', now: 0 });
  assert.deepEqual(decision, {
    action: 'emergency-exit',
    cause: 'would-trigger',
    message: 'Failed to place stop-loss (attempt 1 of 3): Order would immediately trigger. - it would trigger at once',
    exitReason: 'Emergency exit at market after the stop-loss could not be placed: Order would immediately trigger.',
  });
  assert.equal(closingSide('long'), 'sell');
  assert.equal(closingSide('short'), 'buy');
});
