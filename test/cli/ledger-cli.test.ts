/**
 * `botledger run`, `bots`, `orders` and `events` as a user runs them: `node bin/botledger.js`
 * against a real database file, with the paper exchange's file next to it.
 */
import assert from 'node:assert/strict';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { mul } from '../../src/domain/money.ts';
import { PaperExchange } from '../../src/exchange/paper/index.ts';
import { createTestPostgresDatabase } from '../support/postgres.ts';
import { tempDir } from '../support/dialects.ts';
import { ledgerVenueFile } from './cli-ledger.ts';
import { type CliResult, runCli, startCli } from './cli-support.ts';

const CONFIG = '{"amount":"0.01","entryPrice":"59950","takeProfitPrice":"60050"}';

interface Ledger {
  readonly dir: string;
  readonly db: string;
  cli(...args: string[]): Promise<CliResult>;
  json<T = any>(...args: string[]): Promise<T>;
}

function ledger(url?: string): Ledger {
  const dir = tempDir('botledger-ledger-cli-');
  // An empty database (reading commands refuse a file that does not exist; see database-open-cli.test.ts).
  if (!url) writeFileSync(join(dir, 'ledger.db'), '');
  const db = url ?? `sqlite:${join(dir, 'ledger.db')}`;
  const cli = (...args: string[]) => runCli([...args, '--db', db], dir);
  return {
    dir,
    db,
    cli,
    async json(...args) {
      const result = await cli(...args, '--json');
      assert.equal(result.code, 0, `botledger ${args.join(' ')} failed (${result.code}):\n${result.stdout}\n${result.stderr}`);
      return JSON.parse(result.stdout);
    },
  };
}

const create = (l: Ledger, id: string, config = CONFIG, ...extra: string[]) =>
  l.cli('bots', 'create', '--plugin', 'scalper', '--symbol', 'BTC/USDT', '--id', id, '--config', config, ...extra);

test('a database with pending core migrations is refused (exit 4) until --migrate applies them, with a backup', async () => {
  const l = ledger();
  const refused = await l.cli('bots', 'list');
  assert.equal(refused.code, 4, refused.stderr);
  assert.match(refused.stderr, /the database is at core version none but this botledger needs \d+: run `botledger migrate up --db sqlite:\S+ledger\.db`/);
  const asJson = await l.cli('orders', 'list', '--json');
  assert.equal(asJson.code, 4);
  assert.equal(JSON.parse(asJson.stdout).error.code, 'MIGRATIONS_PENDING');

  assert.deepEqual(await l.json('bots', 'list', '--migrate'), { bots: [] });
  assert.equal(readdirSync(join(l.dir, 'backups')).filter((f) => f.endsWith('.sqlite')).length, 1, 'up made its backup first');
  assert.equal((await l.cli('events')).code, 0, 'migrated: no flag needed any more');
});

describe('the ledger from the command line [sqlite]', () => {
  const l = ledger();

  test('bad flags, JSON and config exit 2 naming the problem, and store nothing', async () => {
    assert.equal((await l.cli('bots', 'list', '--migrate')).code, 0);
    const cases: [string[], RegExp][] = [
      [['bots', 'create', '--plugin', 'scalper', '--symbol', 'BTC/USDT', '--config', '{"amount":'], /--config is not valid JSON/],
      [['bots', 'create', '--plugin', 'scalper', '--symbol', 'BTC/USDT', '--config', '[1]'], /--config must be a JSON object/],
      [['bots', 'create', '--plugin', 'scalper', '--symbol', 'BTC/USDT', '--config', '{"amount":"0.01","entryPrice":"abc","takeProfitPrice":"1"}'], /entryPrice: entryPrice must be a decimal string/],
      [['bots', 'create', '--plugin', 'scalper', '--symbol', 'BTC/USDT', '--config', '{"amount":"0.01","entryPrice":"100","takeProfitPrice":"99"}'], /takeProfitPrice must be above entryPrice/],
      [['bots', 'create', '--plugin', 'nope', '--symbol', 'BTC/USDT', '--config', CONFIG], /--plugin: no strategy plugin "nope"/],
      [['bots', 'create', '--plugin', 'scalper', '--symbol', 'btc-usdt', '--config', CONFIG], /--symbol must look like BASE\/QUOTE/],
      [['bots', 'create', '--plugin', 'scalper', '--config', CONFIG], /--symbol/],
      [['bots', 'create', '--plugin', 'scalper', '--symbol', 'BTC/USDT', '--id', 'bad id!', '--config', CONFIG], /bot id must be 1 to \d+ letters/],
      [['bots', 'create', '--plugin', 'scalper', '--symbol', 'BTC/USDT', '--ttl', '-5', '--config', CONFIG], /--ttl/],
      [['orders', 'list', '--status', 'open'], /--status must be one of pending, ongoing, closed, failed, cancelled/],
      [['orders', 'list', '--limit', '0'], /--limit must be a whole number of at least 1/],
      [['orders', 'list', '--cursor', 'garbage'], /--cursor/],
      [['run', '--ticks', 'many'], /--ticks must be a whole number/],
      [['orders', 'show', 'ghost'], /order ghost does not exist/],
      [['bots', 'list', '--status', 'paused'], /--status must be one of active, stopped, deleted/],
    ];
    // None of these gets as far as opening the paper exchange (whose file one process holds at a time), so they run side by side.
    const results = await Promise.all(cases.map(([args]) => l.cli(...args)));
    cases.forEach(([args, message], i) => {
      assert.equal(results[i].code, 2, `${args.join(' ')}: ${results[i].stderr}`);
      assert.match(results[i].stderr, message, args.join(' '));
    });
    const ghost = await l.cli('bots', 'stop', 'ghost');
    assert.equal(ghost.code, 2);
    assert.match(ghost.stderr, /bot ghost does not exist/);
    assert.deepEqual(await l.json('bots', 'list'), { bots: [] });
    assert.deepEqual((await l.json('orders', 'list')).orders, []);
    assert.deepEqual((await l.json('events')).events, [], 'no event was logged either');
  });

  test('run with no active bot says how to create one', async () => {
    const result = await l.cli('run', '--ticks', '5');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /no active bots: nothing to run\.\ncreate one with: botledger bots create --plugin scalper/);
  });

  test('create a scalper bot, run 300 steps: orders fill, close and repeat, and the bot stays active', async () => {
    const created = await create(l, 's1', CONFIG, '--json');
    assert.equal(created.code, 0, created.stderr);
    const doc = JSON.parse(created.stdout);
    assert.equal(doc.bot.status, 'active');
    assert.deepEqual(doc.orders.map((o: any) => [o.intent, o.side, o.price, o.status]), [['entry', 'buy', '59950', 'pending']]);
    assert.equal((await create(l, 's1')).code, 2, 'a second bot with the same id is refused');

    const run = await l.json('run', '--ticks', '300', '--seed', '7');
    assert.equal(run.ticks, 300);
    assert.deepEqual(run.errors, []);
    const [bot] = run.bots;
    assert.equal(bot.id, 's1');
    assert.equal(bot.status, 'active');
    assert.ok(bot.orders.closed >= 2, `closed orders: ${JSON.stringify(bot.orders)}`);
    assert.ok(bot.fills >= 2 && bot.roundTrips >= 1, JSON.stringify(bot));
    // Each round trip buys 0.01 at 59950 and sells at 60050: +1 before fees, 0.5995 + 0.6005 of fees (0.1%), so -0.2 net.
    assert.equal(bot.quoteCurrency, 'USDT');
    assert.equal(bot.fees, mul(String(bot.roundTrips), '1.2'));
    assert.equal(bot.realizedPnl, mul(String(bot.roundTrips), '-0.2'), 'net of fees');

    const closed = (await l.json('orders', 'list', '--status', 'closed')).orders;
    assert.equal(closed.length, bot.orders.closed);
    assert.ok(closed.every((o: any) => o.status === 'closed' && o.filledAmount === '0.01'));
    const live = (await l.json('orders', 'list', '--status', 'pending', '--bot', 's1')).orders;
    assert.equal(live.length, 1, 'the scalper keeps one live order');
    assert.deepEqual((await l.json('orders', 'list', '--bot', 'nobody')).orders, []);

    const first = await l.json('orders', 'list', '--limit', '2');
    assert.equal(first.orders.length, 2);
    assert.ok(first.nextCursor);
    const second = await l.json('orders', 'list', '--limit', '2', '--cursor', first.nextCursor);
    assert.equal(second.orders.length, 2);
    assert.ok(second.orders.every((o: any) => !first.orders.some((f: any) => f.id === o.id)), 'the next page has other orders');

    const table = await l.cli('orders', 'list', '--status', 'closed');
    assert.match(table.stdout, /^id\s+client order id\s+bot\s+intent/);
    assert.match(table.stdout, /bl-s1-\w+\s+s1\s+exit\s+sell\s+limit\s+60050\s+0\.01\s+0\.01\s+60050\s+closed/);
  });

  test('retry and drop refuse an order that is not failed (exit 4) and change nothing', async () => {
    const [order] = (await l.json('orders', 'list', '--status', 'closed', '--limit', '1')).orders;
    for (const action of ['retry', 'drop']) {
      const result = await l.cli('orders', action, order.clientOrderId);
      assert.equal(result.code, 4, result.stderr);
      assert.match(result.stderr, new RegExp(`order ${order.clientOrderId} is closed; only a failed order can be ${action === 'retry' ? 'retried' : 'dropped'}`));
    }
    const after = (await l.json('orders', 'show', order.id)).order;
    assert.deepEqual(after, order);
  });

  test('bots update cancels the live order with UPDATE, places the replacement, and the bot stays active', async () => {
    const [before] = (await l.json('orders', 'list', '--status', 'pending', '--bot', 's1')).orders;
    const updated = await l.json('bots', 'update', 's1', '--config', '{"amount":"0.01","entryPrice":"50000","takeProfitPrice":"70000"}');
    assert.equal(updated.bot.status, 'active');
    assert.equal(updated.bot.config.entryPrice, '50000');
    const old = (await l.json('orders', 'show', before.id)).order;
    assert.equal(old.status, 'cancelled');
    assert.equal(old.cancellationReason, 'UPDATE');
    const [replacement] = (await l.json('orders', 'list', '--status', 'pending', '--bot', 's1')).orders;
    assert.notEqual(replacement.id, before.id);
    assert.equal(replacement.price, before.intent === 'entry' ? '50000' : '70000');
  });

  test('bots stop cancels the live order with STOP, visible in orders show and events', async () => {
    const [live] = (await l.json('orders', 'list', '--status', 'pending', '--bot', 's1')).orders;
    const stopped = await l.json('bots', 'stop', 's1');
    assert.equal(stopped.bot.status, 'stopped');
    assert.equal(stopped.bot.stopReason, 'Stopped from the command line');

    const shown = await l.json('orders', 'show', live.clientOrderId);
    assert.equal(shown.order.status, 'cancelled');
    assert.equal(shown.order.cancellationReason, 'STOP');
    assert.match(shown.order.reason, /Order cancelled for bot stop/);
    assert.ok(shown.events.some((e: any) => e.type === 'OrderCancelRequested' && e.source === 'cli' && /\(STOP\)/.test(e.message)));

    const text = await l.cli('orders', 'show', live.id);
    assert.match(text.stdout, /status cancelled \(STOP\)/);
    assert.match(text.stdout, /reason: Order cancelled for bot stop/);
    assert.match(text.stdout, /retry_count 0, first_failed_at -, next_retry_at -, expires_at \d{4}-/);

    const events = (await l.json('events', '--bot', 's1', '--limit', '20')).events;
    assert.ok(events.some((e: any) => e.type === 'BotStopped' && e.message === 'Bot s1 stopped: Stopped from the command line'));
    const ofOrder = (await l.json('events', '--order', live.id)).events;
    assert.ok(ofOrder.length > 0 && ofOrder.every((e: any) => e.orderId === live.id));

    assert.match((await l.cli('run', '--ticks', '3')).stdout, /no active bots/, 'a stopped bot is not run');
    const started = await l.json('bots', 'start', 's1');
    assert.equal(started.bot.status, 'active');
    assert.equal((await l.json('orders', 'list', '--status', 'pending', '--bot', 's1')).orders.length, 1, 'start placed its order again');
  });

  test('Ctrl-C stops run after the current step and prints the summary', async () => {
    const running = startCli(['run', '--db', l.db, '--ticks', '100000', '--tick-ms', '20'], l.dir);
    await running.waitFor(/running 1 bot\(s\)/);
    const busy = await l.cli('bots', 'stop', 's1');
    assert.equal(busy.code, 3, busy.stderr);
    assert.match(busy.stderr, /the paper exchange \(.*paper-exchange\.db\) is open in another botledger process, probably `botledger run`/);
    assert.equal((await l.cli('orders', 'list')).code, 0, 'reading works while run holds the venue');
    const notFailed = (await l.json('orders', 'list')).orders.find((o: any) => o.status !== 'failed');
    const refused = await l.cli('orders', 'retry', notFailed.clientOrderId);
    assert.equal(refused.code, 4, `a retry the stored order refuses needs no venue, even while run holds it: ${refused.stderr}`);
    assert.match(refused.stderr, /only a failed order can be retried/);
    running.child.kill('SIGINT');
    const result = await running.done;
    assert.equal(result.code, 130, `an interrupted run never exits 0: ${result.stderr}`);
    assert.match(result.stdout, /^interrupted \(SIGINT\) after \d+ of 100000 steps/);
    assert.match(result.stdout, /s1\s+BTC\/USDT\s+active/);
  });
});

test('a failed order: retry places it again (retry_count + 1), drop cancels it with DROPPED', async () => {
  const l = ledger();
  // A venue whose wallet holds 100 USDT: it rejects the 599.50 USDT buy, so the entry fails with the
  // venue's words. (A price off the tick grid no longer gets this far: bots create refuses it.)
  // The venue belongs to the ledger (its file is found from the ledger id), so the ledger is made first.
  assert.equal((await l.cli('migrate', 'up', '--yes')).code, 0);
  await new PaperExchange({ file: await ledgerVenueFile(l.db, l.dir), balances: { USDT: '100' } }).close();
  const created = await create(l, 'tick', '{"amount":"0.01","entryPrice":"59950","takeProfitPrice":"60050"}', '--migrate', '--json');
  assert.equal(created.code, 1, 'the first order failed: create says so and exits 1');
  const document = JSON.parse(created.stdout);
  assert.equal(document.bot.status, 'active', 'the bot stays as created');
  assert.equal(document.error.code, 'ORDER_FAILED');
  assert.match(document.error.message, /^bot tick was created, but its order bl-tick-1 failed: Paper exchange rejected the order: .*Insufficient available balance/);
  const [failed] = document.orders;
  assert.equal(failed.status, 'failed');
  assert.match(failed.reason, /^Paper exchange rejected the order: .*Insufficient available balance/);

  const retried = (await l.json('orders', 'retry', failed.clientOrderId)).order;
  assert.equal(retried.status, 'failed', 'rejected again');
  assert.equal(retried.retryCount, 1);
  const dropped = (await l.json('orders', 'drop', failed.id)).order;
  assert.equal(dropped.status, 'cancelled');
  assert.equal(dropped.cancellationReason, 'DROPPED');
  const again = await l.cli('orders', 'drop', failed.id);
  assert.equal(again.code, 4);
  assert.match(again.stderr, /is cancelled \(DROPPED\); only a failed order can be dropped/);

  const deleted = await l.json('bots', 'delete', 'tick');
  assert.equal(deleted.bot.status, 'deleted');
  assert.deepEqual((await l.json('orders', 'list', '--bot', 'tick', '--status', 'pending')).orders, []);
  const events = (await l.json('events', '--bot', 'tick', '--limit', '100')).events.map((e: any) => e.type);
  for (const type of ['BotCreated', 'OrderRetried', 'OrderDropped', 'BotDeleted']) assert.ok(events.includes(type), `${type} in ${events}`);
});

describe('the ledger from the command line [postgres]', async () => {
  const database = await createTestPostgresDatabase();
  if (!database) {
    if (process.env.CI === 'true') throw new Error('PostgreSQL is unavailable under CI');
    console.log('# SKIPPED: PostgreSQL unavailable, the ledger CLI ran on SQLite only');
    return;
  }
  const { after } = await import('node:test');
  after(() => database.drop());

  test('create, run and list on PostgreSQL', async () => {
    const l = ledger(database.url);
    assert.equal((await create(l, 'pg1', CONFIG, '--migrate')).code, 0);
    const run = await l.json('run', '--ticks', '300');
    assert.deepEqual(run.errors, []);
    assert.equal(run.bots[0].status, 'active');
    assert.ok(run.bots[0].orders.closed >= 2, JSON.stringify(run.bots[0]));
    const closed = (await l.json('orders', 'list', '--status', 'closed', '--plugin', 'scalper')).orders;
    assert.equal(closed.length, run.bots[0].orders.closed);
  });
});
