/**
 * Acceptance: 1,000 seeded, reproducible random interleavings of bot updates, stops, starts and
 * venue events (delivered late, duplicated, reordered, concurrently with commands, on the other
 * connection). None may stop a bot wrongly, and no order may ever move to a status the
 * transition table forbids. A failing seed is printed; rerun it alone with INTERLEAVING_SEED=n.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compare, sub, sum } from '../../src/domain/money.ts';
import { allowedNextStatuses, type OrderStatus } from '../../src/domain/order/order-status.ts';
import { isSystemCancellation } from '../../src/domain/order/reasons.ts';
import { Reconciler } from '../../src/engine/recovery/reconciliation.ts';
import { forEachDialect } from '../support/dialects.ts';
import { type EngineFixture, openEngineFixture, SYMBOL, scalperConfig } from './engine-fixture.ts';
import { Prng } from '../../src/exchange/paper/prng.ts';

const COUNT = Number(process.env.INTERLEAVINGS ?? 1000);
/**
 * PostgreSQL runs the same 1,000 (about 40 s on the 2-core machine when it is quiet; each one is
 * ~40 round trips). INTERLEAVINGS_PG lowers it for a quick local run.
 */
const COUNT_PG = Number(process.env.INTERLEAVINGS_PG ?? process.env.INTERLEAVINGS ?? 1000);
const ONLY = process.env.INTERLEAVING_SEED === undefined ? undefined : Number(process.env.INTERLEAVING_SEED);
const STEPS = 6;
const ENTRY_PRICES = ['59000', '59100', '59200', '59300'];

/** A seeded draw in [0, 1): the paper exchange's mulberry32, so every run draws the same sequence. */
function random(seed: number): () => number {
  const generator = new Prng(seed);
  return () => generator.nextUnit();
}

type Step = 'update' | 'stop' | 'start' | 'deliver' | 'fill' | 'duplicate' | 'reorder' | 'update+deliver' | 'stop+deliver';
const STEP_KINDS: Step[] = ['update', 'update', 'stop', 'start', 'deliver', 'deliver', 'fill', 'duplicate', 'reorder', 'update+deliver', 'stop+deliver'];

async function runInterleaving(f: EngineFixture, seed: number): Promise<string[]> {
  const next = random(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const botId = `i${seed}`;
  const trace: string[] = [];
  const statuses = new Map<string, OrderStatus>();
  let expectedBot: 'active' | 'stopped' = 'active';
  const config = () => scalperConfig(pick(ENTRY_PRICES), '59800');

  const check = async (label: string) => {
    const bot = await f.bots.get(botId);
    assert.equal(bot.status, expectedBot, `seed ${seed} after ${label}: bot is ${bot.status} (${bot.stopReason}); trace ${trace.join(', ')}`);
    for (const order of await f.ordersOfBot(botId)) {
      const before = statuses.get(order.id);
      if (before !== undefined) {
        assert.ok(
          allowedNextStatuses(before).includes(order.status),
          `seed ${seed} after ${label}: order ${order.clientOrderId} went ${before} -> ${order.status}, which the table forbids; trace ${trace.join(', ')}`,
        );
      }
      statuses.set(order.id, order.status);
      if (order.status === 'cancelled') {
        assert.ok(isSystemCancellation(order.cancellationReason), `seed ${seed}: ${order.clientOrderId} cancelled with ${order.cancellationReason}`);
      }
    }
  };

  await f.bots.create({ id: botId, pluginId: 'scalper', symbol: SYMBOL, config: config() });
  trace.push('create');
  await check('create');
  for (let index = 0; index < STEPS; index++) {
    const step = pick(STEP_KINDS);
    trace.push(step);
    const deliver = () => f.paper.control.deliver(1 + Math.floor(next() * 3));
    switch (step) {
      case 'update':
        await f.bots.update(botId, config());
        break;
      case 'stop':
        await f.bots.stop(botId);
        expectedBot = 'stopped';
        break;
      case 'start':
        await f.bots.start(botId);
        expectedBot = 'active';
        break;
      case 'deliver':
        await deliver();
        break;
      case 'fill': {
        const mine = (await f.paper.fetchOpenOrders(SYMBOL)).filter((order) => order.clientOrderId.startsWith(`bl-${botId}-`));
        if (mine.length === 0) break;
        const chosen = pick(mine);
        const partial = next() < 0.5 && compare(sub(chosen.amount, chosen.filledAmount), '0.004') > 0;
        f.paper.control.fillByHand({ symbol: SYMBOL, clientOrderId: chosen.clientOrderId }, partial ? '0.004' : undefined);
        break;
      }
      case 'duplicate':
        f.paper.control.duplicateNextEvents(1);
        break;
      case 'reorder':
        f.paper.control.reorderNextEvents(1);
        break;
      case 'update+deliver':
        await Promise.all([f.bots.update(botId, config()), deliver()]);
        break;
      case 'stop+deliver':
        expectedBot = 'stopped';
        await Promise.all([f.bots.stop(botId), deliver()]);
        break;
    }
    await check(step);
  }
  await f.settle();
  await new Reconciler(f.execution).reconcilePending({ botId });
  await f.settle();
  await check('settle');
  for (const order of await f.ordersOfBot(botId)) {
    const fills = await f.ledger.fillsOf(order.id);
    assert.equal(order.filledAmount, sum(fills.map((fill) => fill.amount)), `seed ${seed}: ${order.clientOrderId} filled amount is not the sum of its fills`);
    const venue = f.paper.control.order({ symbol: SYMBOL, clientOrderId: order.clientOrderId });
    if (venue) assert.equal(order.filledAmount, venue.filledAmount, `seed ${seed}: ${order.clientOrderId} differs from the venue`);
  }
  return trace;
}

forEachDialect('random interleavings of bot commands and venue events', (target) => {
  const count = ONLY !== undefined ? 1 : target.dialect === 'postgres' ? COUNT_PG : COUNT;
  test(`${count} seeded interleavings: no bot stopped wrongly, no forbidden status change`, async () => {
    const f = await openEngineFixture(target, { paper: { delivery: 'manual', eventsBeforeResponse: false }, fastCommits: true });
    try {
      const seen = new Set<string>();
      for (let n = 0; n < count; n++) {
        const seed = ONLY ?? n + 1;
        const trace = await runInterleaving(f, seed);
        seen.add(trace.join(','));
      }
      if (ONLY === undefined) assert.ok(seen.size > count * 0.9, `the interleavings differ from each other (${seen.size} distinct of ${count})`);
    } finally {
      await f.close();
    }
  });
});
