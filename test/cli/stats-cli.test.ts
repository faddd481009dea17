/**
 * `botledger trades` and `botledger stats` as a user runs them, on a ledger whose trades were
 * written with their statistics (as the unit of work's flush writes them).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Trade } from '../../src/domain/position/trade.ts';
import { openDatabase } from '../../src/storage/database.ts';
import { applyTradesToPluginStats } from '../../src/storage/repositories/plugin-stats.ts';
import { insertTradesIfAbsent } from '../../src/storage/repositories/trades.ts';
import { writeTransaction } from '../../src/storage/sql/executor.ts';
import { tempDir } from '../support/dialects.ts';
import { runCli } from './cli-support.ts';

const DAY = 86_400_000;

function trade(id: string, pluginId: string, pnl: string, daysAgo: number): Trade {
  const closedAt = new Date(Date.now() - daysAgo * DAY).toISOString();
  return {
    id,
    positionId: null,
    userId: null,
    botId: null,
    pluginId,
    symbol: 'BTC/USDT',
    side: 'long',
    amount: '0.01',
    entryPrice: '60000',
    exitPrice: '60050',
    pnl,
    fees: '0.1',
    exitReason: 'Take-profit filled at 60050',
    openedAt: new Date(Date.now() - 30 * DAY).toISOString(),
    closedAt,
    createdAt: closedAt,
  };
}

test('trades and stats: per plugin and all, over N days, --json, and bad flags named', async () => {
  const dir = tempDir('botledger-stats-cli-');
  const db = `sqlite:${join(dir, 'ledger.db')}`;
  const cli = (...args: string[]) => runCli([...args, '--db', db], dir);
  assert.equal((await runCli(['migrate', 'up', '--yes', '--db', db], dir)).code, 0);
  // scalper: +10.5 (8 days ago), -3 (6), +1.25 (2): cumulative 10.5, 7.5, 8.75 -> drawdown 3.
  const trades = [
    trade('t1', 'scalper', '10.5', 8),
    trade('t2', 'scalper', '-3', 6),
    trade('t3', 'grid', '0', 4),
    trade('t4', 'scalper', '1.25', 2),
  ];
  const database = await openDatabase(db);
  try {
    // Trades of the past, as an import writes them, then their statistics.
    await insertTradesIfAbsent(database, trades);
    await writeTransaction(database, (q) => applyTradesToPluginStats(q, database.capabilities, trades));
  } finally {
    await database.close();
  }

  const one = await cli('stats', '--plugin', 'scalper', '--json');
  assert.equal(one.code, 0, one.stderr);
  assert.deepEqual(JSON.parse(one.stdout).statistics, {
    pluginId: 'scalper',
    total: 3,
    wins: 2,
    losses: 1,
    breakeven: 0,
    totalPnl: '8.75',
    avgPnl: '2.916666666666666667',
    bestPnl: '10.5',
    worstPnl: '-3',
    winRate: '0.666666666666666667',
    grossProfit: '11.75',
    grossLoss: '-3',
    profitFactor: '3.916666666666666667',
    maxDrawdown: '3',
  });
  const all = await cli('stats', '--json');
  assert.deepEqual(
    JSON.parse(all.stdout).statistics.map((s: { pluginId: string; total: number }) => [s.pluginId, s.total]),
    [
      ['grid', 1],
      ['scalper', 3],
    ],
  );
  const printed = await cli('stats');
  assert.match(printed.stdout, /win rate[\s\S]*scalper\s+3\s+2\s+1\s+0\s+66\.67%\s+8\.75/);

  const recent = await cli('trades', '--plugin', 'scalper', '--days', '7', '--json');
  assert.deepEqual(
    JSON.parse(recent.stdout).trades.map((t: Trade) => [t.id, t.pnl]),
    [
      ['t4', '1.25'],
      ['t2', '-3'],
    ],
  );
  const every = await cli('trades', '--days', '5', '--json');
  assert.deepEqual(
    JSON.parse(every.stdout).trades.map((t: Trade) => t.id),
    ['t4', 't3'],
  );
  const table = await cli('trades', '--plugin', 'grid');
  assert.match(table.stdout, /exit reason[\s\S]*grid\s+BTC\/USDT\s+long/);

  for (const [args, flag] of [
    [['trades', '--days', 'seven'], /--days must be a whole number/],
    [['trades', '--days', '0', '--json'], /--days must be a whole number/],
    [['trades', '--limit', '5000'], /--limit must be a whole number from 1 to 1000/],
    [['stats', '--plugins', 'x'], /unknown option '--plugins'/],
  ] as const) {
    const bad = await cli(...args);
    assert.equal(bad.code, 2, `${args.join(' ')}: ${bad.stderr}`);
    assert.match(bad.stdout + bad.stderr, flag);
  }
});
