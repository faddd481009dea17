/**
 * Issue 6 through the command line. Defect 7: the `run` summary shows the realized pnl net of
 * fees, in the quote currency, with the fees as their own column, for every bot that traded
 * (stopped ones included). Defect 8: SIGINT / SIGTERM stop `run` at the next safe point within
 * about a second, print the summary, and exit 130 / 143.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { add, compare, mul } from '../../src/domain/money.ts';
import { tempDir } from '../support/dialects.ts';
import { runCli, startCli } from './cli-support.ts';

function ledger() {
  const dir = tempDir('botledger-run-summary-');
  const db = `sqlite:${join(dir, 'ledger.db')}`;
  const cli = (...args: string[]) => runCli([...args, '--db', db], dir);
  const create = async (id: string, config: string) => {
    const result = await cli('bots', 'create', '--plugin', 'scalper', '--symbol', 'BTC/USDT', '--id', id, '--config', config);
    assert.equal(result.code, 0, result.stderr);
  };
  return { dir, db, cli, create };
}

describe('the run summary: realized pnl net of fees, in the quote currency, fees shown', () => {
  test('a winning bot, and a bot stopped during the run by its losing-streak protection, both summarized', { timeout: 120_000 }, async () => {
    const l = ledger();
    assert.equal((await l.cli('bots', 'list', '--migrate')).code, 0);
    await l.create('win', '{"amount":"0.01","entryPrice":"59950","takeProfitPrice":"60050"}');
    await l.create('lose', '{"amount":"0.01","entryPrice":"59950","takeProfitPrice":"60500","stopLossPrice":"59940","protections":{"maxConsecutiveLosses":1}}');
    const result = await l.cli('run', '--ticks', '300', '--seed', '7', '--json');
    assert.equal(result.code, 0, result.stderr);
    const run = JSON.parse(result.stdout);
    const win = run.bots.find((b: any) => b.id === 'win');
    const lose = run.bots.find((b: any) => b.id === 'lose');
    assert.ok(win.roundTrips >= 1, JSON.stringify(win));
    assert.equal(win.quoteCurrency, 'USDT');
    assert.equal(win.realizedPnl, mul(String(win.roundTrips), '-0.2'), 'each round trip: +1 before fees, 1.2 of fees');
    assert.equal(lose.status, 'stopped', JSON.stringify(lose));
    assert.match(lose.stopReason, /^Stopped by protection: 1 losing round trips in a row, -\d+(\.\d+)? USDT in all \(limit 1\)$/);
    assert.equal(lose.losses, 1);
    assert.equal(compare(lose.realizedPnl, '0'), -1);
    assert.ok(compare(lose.fees, '1') > 0, 'both fills paid about 0.6 USDT');

    // The text summary: currency on the pnl, fees in their own column, the stop reason under the table.
    const text = await l.cli('run', '--ticks', '1');
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /realized pnl \(net\)\s+fees/);
    const winAfter = JSON.parse((await l.cli('run', '--ticks', '1', '--json')).stdout).bots.find((b: any) => b.id === 'win');
    assert.match(text.stdout, new RegExp(`win\\s+BTC/USDT\\s+active(\\s+\\d+){7}\\s+${winAfter.realizedPnl.replace('.', '\\.')} USDT\\s+${winAfter.fees.replace('.', '\\.')} USDT`));
    assert.doesNotMatch(text.stdout, /\blose\b.*stopped/, 'a bot stopped before this run and not trading in it is not listed');
    assert.equal(add(winAfter.realizedPnl, winAfter.fees), String(winAfter.roundTrips), 'pnl + fees = gross');
  });
});

describe('stopping a run with a signal', () => {
  const l = ledger();
  test('setup: bots that trade on most steps', { timeout: 120_000 }, async () => {
    assert.equal((await l.cli('bots', 'list', '--migrate')).code, 0);
    for (const [i, spread] of ['10', '20', '30', '40'].entries()) {
      // Tight spreads lose their fees on every round trip: protections lifted so that they keep trading.
      const protections = '"protections":{"maxOrdersPerMinute":1000000,"maxConsecutiveLosses":1000000}';
      await l.create(`busy${i}`, `{"amount":"0.01","entryPrice":"${60000 - Number(spread)}","takeProfitPrice":"${60000 + Number(spread)}",${protections}}`);
    }
  });

  for (const [signal, code] of [
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const) {
    test(`${signal} during a run: stops within about a second at a safe point, prints the summary, exits ${code}`, { timeout: 120_000 }, async () => {
      const running = startCli(['run', '--db', l.db, '--ticks', '1000000'], l.dir);
      try {
        await running.waitFor(/running \d bot\(s\)/);
        await new Promise((resolve) => setTimeout(resolve, 1500));
        const sent = Date.now();
        running.child.kill(signal);
        const result = await running.done;
        const seconds = (Date.now() - sent) / 1000;
        assert.equal(result.code, code, result.stderr);
        assert.ok(seconds < 3, `exited ${seconds} s after ${signal}`);
        assert.match(result.stderr, new RegExp(`${signal}: stopping at the next safe point`));
        assert.match(result.stdout, new RegExp(`^interrupted \\(${signal}\\) after \\d+ of 1000000 steps`));
        for (const id of ['busy0', 'busy1', 'busy2', 'busy3']) assert.match(result.stdout, new RegExp(`\n${id}\\s+BTC/USDT\\s+active`));
      } finally {
        if (running.child.exitCode === null) running.child.kill('SIGKILL');
      }
      // Safe point: every live order has the venue's answer recorded.
      const pending = JSON.parse((await l.cli('orders', 'list', '--status', 'pending', '--json')).stdout).orders;
      assert.ok(pending.length >= 1);
      assert.ok(pending.every((o: any) => o.exchangeOrderId), JSON.stringify(pending));
    });
  }
});

test('a run whose bots are all stopped (here by their protections) ends by itself, exit 0', { timeout: 120_000 }, async () => {
  const l = ledger();
  assert.equal((await l.cli('bots', 'list', '--migrate')).code, 0);
  // Entry 59990, take-profit 60010: +0.2 before fees, 1.2 of fees: every round trip loses 1 USDT.
  await l.create('loser', '{"amount":"0.01","entryPrice":"59990","takeProfitPrice":"60010"}');
  const result = await l.cli('run', '--ticks', '1000000');
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /every bot is stopped after step \d+: nothing left to run/);
  assert.match(result.stdout, /loser stopped: Stopped by protection: 5 losing round trips in a row, -5 USDT in all \(limit 5\)/);
});
