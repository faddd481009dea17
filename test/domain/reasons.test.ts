import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  CANCELLATION_REASONS,
  cancelledReason,
  droppedReason,
  executedReason,
  expiredReason,
  isSystemCancellation,
  outsideCancelReason,
  partiallyFilledReason,
  placedReason,
  rejectedReason,
} from '../../src/domain/order/reasons.ts';

test('reasons are the documented whole sentences', () => {
  assert.equal(placedReason(), 'Order placed - waiting for fill');
  assert.equal(executedReason('101.25'), 'Order executed at 101.25');
  assert.equal(partiallyFilledReason('0.5', '1', '101.25'), 'Order partially filled: 0.5 of 1 at 101.25');
  assert.equal(
    rejectedReason('Bybit', "{'retCode':10003,'retMsg':'API key is invalid.'}"),
    "Bybit rejected the order: {'retCode':10003,'retMsg':'API key is invalid.'}",
  );
  assert.equal(cancelledReason('UPDATE'), 'Order cancelled for bot update');
  assert.equal(cancelledReason('STOP'), 'Order cancelled for bot stop');
  assert.equal(cancelledReason('DELETE'), 'Order cancelled for bot delete');
  assert.equal(expiredReason(3, '2026-01-01T00:00:00.000Z'), 'Order expired after 3 retries (first failed at 2026-01-01T00:00:00.000Z)');
  assert.equal(droppedReason('alice'), 'Order dropped by alice');
  assert.equal(outsideCancelReason('bl-b1-7', true), 'Order bl-b1-7 cancelled outside botledger - bot stopped');
});

test('a venue message is never cut, whatever its length', () => {
  const message = 'é'.repeat(20_000);
  assert.equal(rejectedReason('OKX', message), `OKX rejected the order: ${message}`);
});

test('only OUTSIDE, NULL and unknown values are not system cancellations', () => {
  assert.deepEqual(
    CANCELLATION_REASONS.filter((reason) => !isSystemCancellation(reason)),
    ['OUTSIDE'],
  );
  assert.equal(isSystemCancellation(null), false);
  assert.equal(isSystemCancellation(undefined), false);
  assert.equal(isSystemCancellation('update'), false, 'case matters: the column holds upper case');
});
