/**
 * The application core on a real SQLite file and the real paper exchange: openLedger's refusals,
 * then the command and query functions the CLI calls, end to end.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FeedChange } from '../../src/app/change-feed.ts';
import { createBot, listBots, showBot, stopBot, updateBot } from '../../src/app/bots.ts';
import { exitCodeOf } from '../../src/app/error-catalog.ts';
import { listEvents } from '../../src/app/events.ts';
import { type Ledger, openLedger } from '../../src/app/open-ledger.ts';
import { dropOrder, listOrders, retryOrder, showOrder } from '../../src/app/orders.ts';
import { runBots } from '../../src/app/runs.ts';
import { summarizeBot } from '../../src/app/summaries.ts';

let dir: string;
let url: string;
const CONFIG = { amount: '0.01', entryPrice: '59900', takeProfitPrice: '60100' };

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'botledger-app-'));
  url = `sqlite:${join(dir, 'ledger.db')}`;
});
after(() => rmSync(dir, { recursive: true, force: true }));

const rejectsWith = async (promise: Promise<unknown>, code: string, exit: number, message?: RegExp) =>
  assert.rejects(promise, (error: Error & { code?: string }) => {
    assert.equal(error.code, code, error.message);
    assert.equal(exitCodeOf(error), exit);
    if (message) assert.match(error.message, message);
    return true;
  });

test('openLedger refuses a missing database to read, and pending migrations unless told to migrate', async () => {
  await rejectsWith(openLedger({ url }), 'DATABASE_MISSING', 2);
  const notices: string[] = [];
  const created = await openLedger({ url, access: 'create', onNotice: (line) => notices.push(line) }).catch((error) => error);
  assert.equal(created.code, 'MIGRATIONS_PENDING');
  assert.equal(exitCodeOf(created), 4);
  assert.match(created.message, /the database is at core version none but this botledger needs \d+: run `botledger migrate up`/);
  assert.deepEqual(notices, [`created database ${join(dir, 'ledger.db')}`]);
  const ledger = await openLedger({ url, migrate: true });
  assert.equal(ledger.venue, undefined, 'no venue unless asked for');
  assert.deepEqual(await listBots(ledger), []);
  await ledger.close();
});

test('a ledger with its venue: create, run, summarize, show, retry/drop refusals, update, stop', async () => {
  const notices: string[] = [];
  const ledger: Ledger = await openLedger({ url, venue: { seed: 7 }, onNotice: (line) => notices.push(line) });
  try {
    assert.match(notices.join('\n'), /^venue: paper exchange .*ledger-\w+\/paper-exchange\.db \(ledger \w+\); reconciled with the venue at start: 0 pending/m);
    assert.equal(ledger.venue?.info.reconciliation?.checked, 0);
    // The venue is this process's: a second opening of it is refused (exit 3), reading is not.
    await rejectsWith(openLedger({ url, venue: true }), 'VENUE_IN_USE', 3, /open in another botledger process/);
    const reader = await openLedger({ url });
    await reader.close();

    assert.equal((await runBots(ledger, { ticks: 5 })).activeBots, 0, 'nothing to run without active bots');
    await rejectsWith(createBot(ledger, { id: 's1', pluginId: 'scalper', symbol: 'btc-usdt', config: CONFIG }), 'SYMBOL_INVALID', 2);
    await rejectsWith(createBot(ledger, { id: 's1', pluginId: 'nope', symbol: 'BTC/USDT', config: CONFIG }), 'PLUGIN_UNKNOWN', 2);
    const heard: FeedChange[] = [];
    const subscription = ledger.feed.subscribe((change) => heard.push(change));
    const created = await createBot(ledger, { id: 's1', pluginId: 'scalper', symbol: 'BTC/USDT', config: CONFIG });
    await ledger.settle();
    subscription.stop();
    // The ledger's feed hears the bot command and the venue's answers (written on the events
    // connection), each with its event_log id.
    const heardTypes = heard.flatMap((change) => change.events.map((event) => event.type));
    assert.ok(heardTypes.includes('BotCreated') && heardTypes.includes('OrderSubmitted') && heardTypes.includes('OrderAccepted'), heardTypes.join(', '));
    assert.ok(heard.some((change) => change.bots.some((bot) => bot.id === 's1')), 'the created bot is in the change');
    const heardIds = heard.flatMap((change) => change.events.map((event) => Number(event.id)));
    assert.ok(heardIds.every((id) => id > 0) && new Set(heardIds).size === heardIds.length, 'every event once, with its id');
    assert.equal(created.bot.status, 'active');
    assert.equal(created.failure, undefined);
    assert.equal(created.orders.length, 1, 'the scalper places its entry at once');
    await rejectsWith(createBot(ledger, { id: 's1', pluginId: 'scalper', symbol: 'BTC/USDT', config: CONFIG }), 'BOT_EXISTS', 2);

    const run = await runBots(ledger, { ticks: 20 });
    assert.equal(run.activeBots, 1);
    assert.equal(run.ticks, 20);
    assert.deepEqual(run.bots.map((b) => b.id), ['s1']);
    assert.deepEqual(run.bots[0], await summarizeBot(ledger, 's1'));
    assert.ok(run.events.length > 0 && run.events.every((e) => e.applied));

    const [entry] = (await listOrders(ledger, { botId: 's1' }, { limit: 100 })).items.slice(-1);
    const detail = await showOrder(ledger, entry.clientOrderId);
    assert.equal(detail.order.id, entry.id);
    assert.ok(detail.events.some((e) => e.type === 'OrderPlaced' || e.orderId === entry.id));
    assert.ok(detail.fills.every((fill) => !('raw' in fill)));
    await rejectsWith(listOrders(ledger, {}, { cursor: 'not-a-cursor' }), 'CURSOR_INVALID', 2);
    await rejectsWith(showOrder(ledger, 'bl-nope-1'), 'ORDER_NOT_FOUND', 2);

    // The engine refuses: the app says why, with the order as stored.
    if (entry.status !== 'failed') {
      const status = new RegExp(`order ${entry.clientOrderId} is \\w+.*; only a failed order can be retried`);
      await rejectsWith(retryOrder(ledger, entry.id), 'ORDER_NOT_FAILED', 4, status);
      await rejectsWith(dropOrder(ledger, entry.id), 'ORDER_NOT_FAILED', 4, /only a failed order can be dropped/);
    }

    const updated = await updateBot(ledger, 's1', { ...CONFIG, entryPrice: '59800' });
    assert.equal(updated.bot.config.entryPrice, '59800');
    assert.equal(updated.before.status, 'active');
    await rejectsWith(updateBot(ledger, 'ghost', CONFIG), 'BOT_NOT_FOUND', 2);

    const stopped = await stopBot(ledger, 's1');
    assert.equal(stopped.bot.status, 'stopped');
    assert.equal(stopped.cancelledOutside, undefined);
    assert.deepEqual((await listOrders(ledger, { botId: 's1', status: 'pending' }, {})).items, []);
    assert.equal((await showBot(ledger, 's1')).bot.status, 'stopped');
    const events = await listEvents(ledger, { botId: 's1', limit: 100 });
    assert.ok(events.some((e) => e.type === 'BotStopped'), events.map((e) => e.type).join(', '));
  } finally {
    await ledger.close();
  }
  // Closed means closed: the venue can be opened again.
  const again = await openLedger({ url, venue: true });
  await again.close();
});
