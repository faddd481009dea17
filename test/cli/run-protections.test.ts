/**
 * Defect 1 of issue 6, through the command line: a scalper whose entry sits above the market and
 * whose stop-loss is already hit used to buy and stop out forever inside one step of `run`.
 * Now the scalper waits for the price to recover above its stop-loss, and the engine's
 * protections bound any bot that loops anyway.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempDir } from '../support/dialects.ts';
import { runCli, startCli } from './cli-support.ts';

const CHURN = '{"amount":"0.01","entryPrice":"61000","takeProfitPrice":"62000","stopLossPrice":"60500"}';

test("the issue's smallest reproduction finishes in bounded time, with orders within the protection limits", { timeout: 60_000 }, async () => {
  const dir = tempDir('botledger-churn-');
  const db = `sqlite:${join(dir, 'l.db')}`;
  const cli = (...args: string[]) => runCli([...args, '--db', db], dir);
  assert.equal((await cli('run', '--ticks', '1', '--migrate')).code, 0);
  const created = await cli('bots', 'create', '--plugin', 'scalper', '--symbol', 'BTC/USDT', '--id', 'churn', '--config', CHURN);
  assert.equal(created.code, 0, created.stderr);
  const started = Date.now();
  // Before the fix this run never finished its one step: kill it after 30 s so the test fails, not hangs.
  const running = startCli(['run', '--ticks', '1', '--json', '--db', db], dir);
  const killer = setTimeout(() => running.child.kill('SIGKILL'), 30_000);
  const run = await running.done;
  clearTimeout(killer);
  const seconds = (Date.now() - started) / 1000;
  assert.equal(run.code, 0, run.stderr);
  assert.ok(seconds < 20, `run --ticks 1 took ${seconds} s`);
  const orders = JSON.parse((await cli('orders', 'list', '--bot', 'churn', '--limit', '1000', '--json')).stdout).orders;
  assert.ok(orders.length <= 60, `${orders.length} orders, above the default limit of 60 per minute`);
  // The stop-loss sold the position once; no new entry while the price (60000) is at or below 60500.
  const stops = orders.filter((o: any) => o.intent === 'stop_loss');
  assert.equal(stops.length, 1, JSON.stringify(orders.map((o: any) => [o.intent, o.status])));
  const entries = orders.filter((o: any) => o.intent === 'entry');
  assert.equal(entries.length, 1, 'no re-entry while the stop-loss is still hit');
  const again = await cli('run', '--ticks', '3', '--json');
  assert.equal(again.code, 0, again.stderr);
  const after = JSON.parse((await cli('orders', 'list', '--bot', 'churn', '--limit', '1000', '--json')).stdout).orders;
  assert.ok(after.length <= 60, `${after.length} orders after a second run`);
});
