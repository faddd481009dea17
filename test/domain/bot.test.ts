import assert from 'node:assert/strict';
import { test } from 'node:test';
import { autoStopForCancelledOrder, type Bot, createBot, deleteBot, startBot, stopBot, updateBotConfig } from '../../src/domain/bot/bot.ts';
import type { DomainError } from '../../src/domain/errors.ts';

const T0 = new Date('2026-01-01T00:00:00.000Z');
const T1 = new Date('2026-01-01T00:00:01.000Z');
const bot = (): Bot => createBot({ id: 'b1', pluginId: 'scalper', symbol: 'BTC/USDT', config: { buyPrice: '100' } }, T0);
const cancelled = (cancellationReason: string | null) => ({
  clientOrderId: 'bl-b1-7',
  botId: 'b1',
  status: 'cancelled',
  cancellationReason,
});

test('create -> active; stop, start, delete; repeats change nothing', () => {
  const created = bot();
  assert.equal(created.status, 'active');
  const stopped = stopBot(created, 'Stopped by alice', T1);
  assert.deepEqual([stopped.bot.status, stopped.bot.stopReason, stopped.changed], ['stopped', 'Stopped by alice', true]);
  assert.equal(stopBot(stopped.bot, 'again', T1).changed, false);
  const started = startBot(stopped.bot, T1);
  assert.deepEqual([started.bot.status, started.bot.stopReason], ['active', null]);
  assert.equal(startBot(started.bot, T1).changed, false);
  const deleted = deleteBot(started.bot, 'Deleted by alice', T1);
  assert.equal(deleted.bot.status, 'deleted');
  assert.equal(deleteBot(deleted.bot, 'again', T1).changed, false);
});

test('a deleted bot cannot be started, stopped or updated', () => {
  const { bot: deleted } = deleteBot(bot(), 'gone', T1);
  for (const action of [() => startBot(deleted, T1), () => stopBot(deleted, 'x', T1), () => updateBotConfig(deleted, {}, T1)]) {
    assert.throws(action, (error: DomainError) => error.code === 'INVALID_BOT_TRANSITION' && /bot b1: it is deleted/.test(error.message));
  }
});

test('an update keeps the bot active', () => {
  const updated = updateBotConfig(bot(), { buyPrice: '99' }, T1);
  assert.equal(updated.bot.status, 'active');
  assert.deepEqual(updated.bot.config, { buyPrice: '99' });
});

test('bot ids must fit in client order ids', () => {
  assert.throws(() => createBot({ id: 'x'.repeat(17), pluginId: 'p', symbol: 's' }, T0), /bot id must be 1 to 16/);
  assert.throws(() => createBot({ id: 'a b', pluginId: 'p', symbol: 's' }, T0), /bot id must be/);
  assert.throws(() => createBot({ id: 'b', pluginId: 'p', symbol: 's', orderTtlMs: 0 }, T0), /orderTtlMs must be a positive integer/);
});

test('auto-stop: an outside cancel (NULL or OUTSIDE) stops the bot and names the order', () => {
  for (const reason of [null, 'OUTSIDE']) {
    const result = autoStopForCancelledOrder(bot(), cancelled(reason), T1);
    assert.equal(result.changed, true);
    assert.equal(result.bot.status, 'stopped');
    assert.equal(result.bot.stopReason, 'Order bl-b1-7 cancelled outside botledger - bot stopped');
  }
});

test('auto-stop: system cancellations never stop the bot', () => {
  for (const reason of ['UPDATE', 'STOP', 'DELETE', 'EXPIRED', 'DROPPED', 'REPLACED', 'STOP_LOSS']) {
    const result = autoStopForCancelledOrder(bot(), cancelled(reason), T1);
    assert.equal(result.changed, false, reason);
    assert.equal(result.bot.status, 'active');
  }
});

test("auto-stop: not for another bot's order, a non-cancelled order, or a bot that is not active", () => {
  assert.equal(autoStopForCancelledOrder(bot(), { ...cancelled(null), botId: 'b2' }, T1).changed, false);
  assert.equal(autoStopForCancelledOrder(bot(), { ...cancelled(null), status: 'pending' }, T1).changed, false);
  const { bot: stopped } = stopBot(bot(), 'by hand', T1);
  const result = autoStopForCancelledOrder(stopped, cancelled(null), T1);
  assert.equal(result.changed, false);
  assert.equal(result.bot.stopReason, 'by hand', 'the first stop reason is kept');
});
