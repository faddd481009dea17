/**
 * Acceptance: a failed order is retried with backoff until it expires, then cancelled with
 * EXPIRED; manual retry and drop work, and refuse orders that are not failed.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rejectedReason } from '../../src/domain/order/reasons.ts';
import { RetryScheduler } from '../../src/engine/orders/retries.ts';
import { forEachDialect } from '../support/dialects.ts';
import { type EngineFixture, openEngineFixture, SYMBOL, scalperConfig } from './engine-fixture.ts';

const TTL_MS = 60_000;

forEachDialect('retries of failed orders', (target) => {
  async function failedEntry(f: EngineFixture) {
    f.paper.control.rejectNext('placeOrder');
    await f.bots.create({ id: 'scalp1', pluginId: 'scalper', symbol: SYMBOL, config: scalperConfig(), orderTtlMs: TTL_MS });
    const [order] = await f.ordersOfBot('scalp1');
    assert.ok(order);
    return order;
  }

  test('a rejected order is retried with backoff until it expires, then cancelled with EXPIRED', async () => {
    const f = await openEngineFixture(target);
    try {
      const start = f.clock.now();
      const order = await failedEntry(f);
      assert.equal(order.status, 'failed');
      assert.match(order.reason, /^Paper exchange rejected the order: .*API key is invalid\./);
      assert.equal(order.firstFailedAt, new Date(start).toISOString());
      assert.equal(order.expiresAt, new Date(start + TTL_MS).toISOString());
      assert.equal(order.nextRetryAt, new Date(start + 5_000).toISOString());

      const retries = new RetryScheduler(f.execution);
      assert.deepEqual(await retries.runDue(), { retried: [], expired: [] }, 'not due yet');

      let retried = 0;
      for (let step = 0; step < 20; step++) {
        f.clock.advance(5_000);
        f.paper.control.rejectNext('placeOrder');
        const run = await retries.runDue();
        retried += run.retried.length;
        if (run.expired.length > 0) break;
      }
      const after = await f.order(order.id);
      assert.equal(after.status, 'cancelled');
      assert.equal(after.cancellationReason, 'EXPIRED');
      assert.equal(after.retryCount, retried);
      assert.ok(retried >= 3, `backoff 5, 10, 20 s fits at least 3 retries in 60 s, got ${retried}`);
      assert.ok(retried < 12, 'the retries back off rather than firing every step');
      assert.equal(after.firstFailedAt, order.firstFailedAt, 'first_failed_at is kept');
      assert.equal(after.reason, `Order expired after ${retried} ${retried === 1 ? 'retry' : 'retries'} (first failed at ${order.firstFailedAt})`);
      assert.ok(f.clock.now() >= start + TTL_MS);
      assert.equal((await f.bots.get('scalp1')).status, 'active', 'an expiry is a system cancel');
      assert.deepEqual(await retries.runDue(), { retried: [], expired: [] }, 'nothing left to do');
    } finally {
      await f.close();
    }
  });

  test('a retry that succeeds leaves the order pending at the venue with its retry count', async () => {
    const f = await openEngineFixture(target);
    try {
      const order = await failedEntry(f);
      f.clock.advance(5_000);
      const run = await new RetryScheduler(f.execution).runDue();
      assert.equal(run.retried.length, 1);
      const after = await f.order(order.id);
      assert.equal(after.status, 'pending');
      assert.equal(after.retryCount, 1);
      assert.ok(after.exchangeOrderId);
      assert.equal(f.paper.control.order({ symbol: SYMBOL, clientOrderId: order.clientOrderId })?.state, 'open');
    } finally {
      await f.close();
    }
  });

  test('a rate limit waits for the venue hint before the retry', async () => {
    const f = await openEngineFixture(target);
    try {
      f.paper.control.rateLimitNext('placeOrder', 30_000);
      await f.bots.create({ id: 'scalp1', pluginId: 'scalper', symbol: SYMBOL, config: scalperConfig(), orderTtlMs: TTL_MS });
      const [order] = await f.ordersOfBot('scalp1');
      assert.equal(order?.status, 'failed');
      assert.match(order?.reason ?? '', /^Order could not be placed: Paper exchange rate limit: /);
      assert.equal(order?.nextRetryAt, new Date(f.clock.now() + 30_000).toISOString());
      f.clock.advance(10_000);
      assert.equal((await new RetryScheduler(f.execution).runDue()).retried.length, 0, 'the policy alone would retry after 5 s');
    } finally {
      await f.close();
    }
  });

  test('manual retry: failed -> pending, retry_count + 1, placed again; refused on a pending order', async () => {
    const f = await openEngineFixture(target);
    try {
      const order = await failedEntry(f);
      const retries = new RetryScheduler(f.execution);
      const placed = await retries.retryOrder(order.id, 'alice');
      assert.equal(placed.status, 'pending');
      assert.equal(placed.retryCount, 1);
      assert.ok(placed.exchangeOrderId);
      const log = await f.eventsOf({ orderId: order.id });
      assert.ok(log.some((entry) => entry.type === 'OrderRetried' && entry.source === 'api' && entry.applied));
      await assert.rejects(retries.retryOrder(order.id, 'alice'), new RegExp(`order ${order.clientOrderId} is pending; only a failed order can be retried`));
      assert.equal((await f.order(order.id)).retryCount, 1, 'the refused retry changed nothing');
    } finally {
      await f.close();
    }
  });

  test('drop: failed -> cancelled with DROPPED; refused on an order that is not failed', async () => {
    const f = await openEngineFixture(target);
    try {
      const order = await failedEntry(f);
      const retries = new RetryScheduler(f.execution);
      const dropped = await retries.dropOrder(order.id, 'alice');
      assert.equal(dropped.status, 'cancelled');
      assert.equal(dropped.cancellationReason, 'DROPPED');
      assert.equal(dropped.reason, 'Order dropped by alice');
      await assert.rejects(retries.dropOrder(order.id, 'alice'), /is cancelled; only a failed order can be dropped/);
      assert.equal((await f.bots.get('scalp1')).status, 'active');
      assert.equal(rejectedReason('Paper exchange', 'x'), 'Paper exchange rejected the order: x');
    } finally {
      await f.close();
    }
  });
});
