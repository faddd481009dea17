/**
 * Acceptance (issue 8): kill -9 of a process between a fill and its stop-loss placement, then a
 * restart: the stop-loss is placed exactly once. A real child process (fixtures/stop-loss-crash-
 * child.ts) runs the scalper on the paper exchange's state file and is killed with SIGKILL at
 * each of the three points; the restart reconciles with the venue (as `botledger run` does) and
 * steps the runtime.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { ManualClock } from '../../src/engine/clock.ts';
import { StartReconciler } from '../../src/engine/recovery/adoption.ts';
import { BotRuntime } from '../../src/engine/runtime/runtime.ts';
import { PaperExchange } from '../../src/exchange/paper/index.ts';
import { PluginRegistry } from '../../src/plugins/plugin-api.ts';
import { SCALPER_PLUGIN } from '../../src/plugins/scalper.ts';
import { type BotledgerDatabase, openDatabase } from '../../src/storage/database.ts';
import { LedgerReader } from '../../src/storage/ledger-reader.ts';
import { forEachDialect } from '../support/dialects.ts';
import { openLedgerDatabase } from '../support/ledger-database.ts';

const CHILD = join(import.meta.dirname, 'fixtures', 'stop-loss-crash-child.ts');
const MARKETS = { 'BTC/USDT': { startPrice: '60000', tickSize: '0.01', volatility: '0.001', spread: '0' } };

/** Runs the child until it reaches its crash point, then kills it with SIGKILL. */
function runUntilCrashPoint(url: string, file: string, mode: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, url, file, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('CRASH-POINT')) child.kill('SIGKILL');
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (_code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL' && output.includes('CRASH-POINT')) resolve();
      else reject(new Error(`the child did not reach its crash point (signal ${signal}); output:\n${output}`));
    });
  });
}

/** What the killed process left: the crash happened where the mode says. */
async function assertCrashedAt(database: BotledgerDatabase, file: string, mode: string): Promise<void> {
  const ledger = new LedgerReader(database);
  const position = await ledger.openPosition('s1', 'BTC/USDT');
  assert.ok(position, 'the fill and its position were committed before the crash');
  const stops = (await ledger.ordersOfBot('s1')).filter((order) => order.intent === 'stop_loss');
  const paper = new PaperExchange({ file, markets: MARKETS });
  try {
    const atVenue = (await paper.fetchOpenOrders('BTC/USDT')).filter((report) => report.clientOrderId === stops[0]?.clientOrderId);
    if (mode === 'before-intent') {
      assert.equal(position.slOrderId, null);
      assert.equal(stops.length, 0, 'no stop recorded');
    } else {
      assert.equal(stops.length, 1);
      assert.equal(position.slOrderId, stops[0]?.id, 'the intent and sl_order_id were committed together');
      assert.deepEqual([stops[0]?.status, stops[0]?.exchangeOrderId], ['pending', null], 'the venue answer was never recorded');
      assert.equal(atVenue.length, mode === 'after-call' ? 1 : 0, mode === 'after-call' ? 'the venue has it' : 'the venue was never called');
    }
  } finally {
    await paper.close();
  }
}

forEachDialect('kill -9 between a fill and its stop-loss placement', (target) => {
  for (const mode of ['before-intent', 'before-call', 'after-call'] as const) {
    test(`killed ${mode}: after the restart the stop-loss is placed exactly once`, async () => {
      const ledger = await openLedgerDatabase(target);
      const url = ledger.test.url;
      const file = join(ledger.test.dir, 'paper-exchange.db');
      await ledger.close();
      await runUntilCrashPoint(url, file, mode);

      const database = await openDatabase(url);
      const events = await openDatabase(url);
      await assertCrashedAt(database, file, mode);
      const clock = new ManualClock(Date.now());
      const paper = new PaperExchange({ file, seed: 5, markets: MARKETS, eventsBeforeResponse: true, now: () => clock.now() });
      const runtime = new BotRuntime({ database, eventsDatabase: events, exchange: paper, plugins: new PluginRegistry([SCALPER_PLUGIN]), clock });
      try {
        await new StartReconciler(runtime.execution).run();
        runtime.start();
        for (let step = 0; step < 4; step++) {
          await runtime.step();
          clock.advance(1_000);
        }
        const position = await runtime.execution.ledger.openPosition('s1', 'BTC/USDT');
        assert.ok(position, 'the position survived the crash');
        assert.equal(position.amount, '0.01');
        const stops = (await runtime.execution.ledger.ordersOfBot('s1')).filter((order) => order.intent === 'stop_loss');
        assert.equal(stops.length, 1, `one stop-loss order in the ledger: ${stops.map((order) => `${order.clientOrderId} ${order.status}`).join(', ')}`);
        const [stop] = stops;
        assert.equal(position.slOrderId, stop?.id);
        assert.equal(stop?.status, 'pending');
        const atVenue = (await paper.fetchOrders({ symbol: 'BTC/USDT' })).filter((report) => report.clientOrderId === stop?.clientOrderId);
        assert.equal(atVenue.length, 1, 'placed once at the venue');
        assert.equal(atVenue[0]?.state, 'open');
        assert.equal(atVenue[0]?.exchangeOrderId, stop?.exchangeOrderId);
        const open = await paper.fetchOpenOrders('BTC/USDT');
        assert.equal(open.filter((report) => report.side === 'sell' && report.type === 'market').length, 1, 'no second stop rests at the venue');
      } finally {
        await runtime.stop();
        await paper.close();
        await events.close();
        await database.close();
      }
    });
  }
});
