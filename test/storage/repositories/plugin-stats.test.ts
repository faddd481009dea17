/**
 * plugin_stats kept in the trades' transactions equals a brute-force recomputation written here
 * (sort by close time then id, sum with decimal.js, track the running peak): 3 plugins, 10,000
 * random trades with 18-decimal pnls, equal close times, and a tail that arrives out of close order.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Decimal as DecimalJs } from 'decimal.js';
import { addTradeToAggregate, EMPTY_AGGREGATE, statsFromAggregate } from '../../../src/domain/position/stats.ts';
import type { Trade } from '../../../src/domain/position/trade.ts';
import { writeTransaction } from '../../../src/storage/sql/executor.ts';
import {
  allPluginStatistics,
  applyTradesToPluginStats,
  NO_USER,
  pluginStatistics,
  recomputeAllPluginStats,
  tradesByPlugin,
} from '../../../src/storage/repositories/plugin-stats.ts';
import type { LedgerDatabase } from '../../support/ledger-database.ts';
import { openLedgerDatabase } from '../../support/ledger-database.ts';
import { forEachDialect } from '../../support/dialects.ts';

const D = DecimalJs.clone({ precision: 100 });
const PLUGINS = ['grid', 'legacy', 'scalper'];
const START = Date.parse('2026-01-01T00:00:00.000Z');

/** A small seeded generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function randomTrades(count: number, seed: number): Trade[] {
  const next = random(seed);
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(next() * 10)).join('');
  return Array.from({ length: count }, (_, i) => {
    const roll = next();
    const pnl = roll < 0.05 ? '0' : `${roll < 0.5 ? '-' : ''}${Math.floor(next() * 1000)}.${digits(18)}`;
    // 4,000 distinct minutes for 10,000 trades: many share a close time, so the id decides.
    const closedAt = new Date(START + Math.floor(next() * 4_000) * 60_000).toISOString();
    return {
      id: `t${String(Math.floor(next() * 1e9)).padStart(9, '0')}-${i}`,
      positionId: null,
      userId: null,
      botId: null,
      pluginId: PLUGINS[Math.floor(next() * PLUGINS.length)],
      symbol: 'BTC/USDT',
      side: 'long',
      amount: '0.01',
      entryPrice: '60000',
      exitPrice: '60050',
      pnl: pnl.replace(/\.?0+$/, '').replace(/^-0$/, '0') || '0',
      fees: '0.1',
      exitReason: 'Take-profit filled at 60050',
      openedAt: new Date(START - 60_000).toISOString(),
      closedAt,
      createdAt: closedAt,
    };
  });
}

/** The statistics computed the slow way, independently of src/domain/position/stats.ts. */
function bruteForce(trades: readonly Trade[], pluginId: string) {
  const mine = trades
    .filter((t) => t.pluginId === pluginId)
    .sort((a, b) => (a.closedAt === b.closedAt ? (a.id < b.id ? -1 : 1) : a.closedAt < b.closedAt ? -1 : 1));
  const pnls = mine.map((t) => new D(t.pnl));
  const wins = pnls.filter((p) => p.gt(0));
  const losses = pnls.filter((p) => p.lt(0));
  const sum = (values: DecimalJs[]) => values.reduce((a, b) => a.plus(b), new D(0));
  let cumulative = new D(0);
  let peak = new D(0);
  let drawdown = new D(0);
  for (const p of pnls) {
    cumulative = cumulative.plus(p);
    peak = D.max(peak, cumulative);
    drawdown = D.max(drawdown, peak.minus(cumulative));
  }
  const round = (value: DecimalJs) => value.toDecimalPlaces(18, DecimalJs.ROUND_HALF_EVEN).toFixed();
  const lossSum = sum(losses);
  return {
    pluginId,
    total: mine.length,
    wins: wins.length,
    losses: losses.length,
    breakeven: mine.length - wins.length - losses.length,
    totalPnl: sum(pnls).toFixed(),
    avgPnl: round(sum(pnls).div(mine.length)),
    bestPnl: D.max(...pnls).toFixed(),
    worstPnl: D.min(...pnls).toFixed(),
    winRate: round(new D(wins.length).div(mine.length)),
    grossProfit: sum(wins).toFixed(),
    grossLoss: lossSum.toFixed(),
    profitFactor: lossSum.isZero() ? null : round(sum(wins).div(lossSum.abs())),
    maxDrawdown: drawdown.toFixed(),
  };
}

async function insertTradeRows(ledger: LedgerDatabase, trades: readonly Trade[]): Promise<void> {
  for (let i = 0; i < trades.length; i += 500) {
    await ledger.db
      .insertInto('trades')
      .values(
        trades.slice(i, i + 500).map((t) => ({
          id: t.id,
          plugin_id: t.pluginId,
          symbol: t.symbol,
          side: t.side,
          amount: t.amount,
          entry_price: t.entryPrice,
          exit_price: t.exitPrice,
          pnl: t.pnl,
          fees: t.fees,
          exit_reason: t.exitReason,
          opened_at: t.openedAt,
          closed_at: t.closedAt,
          created_at: t.createdAt,
        })),
      )
      .execute();
  }
}

/** As the unit of work's flush does: the trades rows, then their statistics, in one transaction per batch. */
async function flushInBatches(ledger: LedgerDatabase, trades: readonly Trade[], size: number): Promise<void> {
  for (let i = 0; i < trades.length; i += size) {
    const batch = trades.slice(i, i + size);
    await insertTradeRows(ledger, batch);
    await writeTransaction(ledger, (q) => applyTradesToPluginStats(q, ledger.capabilities, batch));
  }
}

test('the incremental aggregate equals the brute force at every step (domain, 2,000 trades)', () => {
  const trades = randomTrades(2_000, 7).sort((a, b) =>
    a.closedAt === b.closedAt ? (a.id < b.id ? -1 : 1) : a.closedAt < b.closedAt ? -1 : 1,
  );
  const aggregates = new Map<string, typeof EMPTY_AGGREGATE>();
  for (const [i, trade] of trades.entries()) {
    aggregates.set(trade.pluginId, addTradeToAggregate(aggregates.get(trade.pluginId) ?? EMPTY_AGGREGATE, trade));
    if (i % 250 === 249) {
      const seen = trades.slice(0, i + 1);
      for (const [pluginId, aggregate] of aggregates)
        assert.deepEqual({ pluginId, ...statsFromAggregate(aggregate) }, bruteForce(seen, pluginId));
    }
  }
});

forEachDialect('plugin_stats', (target) => {
  test('3 plugins, 10,000 random trades: kept statistics equal a brute-force recomputation (drawdown included), also after out-of-order arrivals and a full recompute', async () => {
    const ledger = await openLedgerDatabase(target);
    try {
      const trades = randomTrades(10_000, 42);
      const ordered = [...trades.slice(0, 9_000)].sort((a, b) =>
        a.closedAt === b.closedAt ? (a.id < b.id ? -1 : 1) : a.closedAt < b.closedAt ? -1 : 1,
      );
      // 9,000 in close order, as a live ledger writes them (a few trades per transaction)...
      await flushInBatches(ledger, ordered, 300);
      const expectedSoFar = PLUGINS.map((p) => bruteForce(ordered, p));
      assert.deepEqual(await allPluginStatistics(ledger), expectedSoFar);
      // ...then 1,000 in random order (old trades imported, fills found late): recomputed, still exact.
      await flushInBatches(ledger, trades.slice(9_000), 100);
      const expected = PLUGINS.map((p) => bruteForce(trades, p));
      assert.ok(
        expected.every((s) => s.total > 3_000 && s.losses > 0 && new DecimalJs(s.maxDrawdown).gt(0)),
        'a meaningful sample',
      );
      for (const stats of expected) assert.deepEqual(await pluginStatistics(ledger, stats.pluginId, NO_USER), stats);
      assert.deepEqual(await allPluginStatistics(ledger), expected);
      assert.deepEqual(await recomputeAllPluginStats(ledger), expected, 'a full recompute gives the same');
      assert.deepEqual(await allPluginStatistics(ledger), expected);
      const none = await pluginStatistics(ledger, 'nobody', NO_USER);
      assert.deepEqual([none.total, none.totalPnl, none.avgPnl, none.profitFactor, none.maxDrawdown], [0, '0', null, null, '0']);
    } finally {
      await ledger.close();
    }
  });

  test('trades committed a few minutes out of close order (lanes) are folded from the checkpoint, exactly', async () => {
    const ledger = await openLedgerDatabase(target);
    try {
      const trades = randomTrades(3_000, 11).map((t, i) => {
        const closedAt = new Date(START + i * 60_000).toISOString();
        return { ...t, closedAt, createdAt: closedAt };
      });
      // Batches of 5 (5 minutes of closes); every third pair of batches commits in swapped order.
      const batches: Trade[][] = [];
      for (let i = 0; i < trades.length; i += 5) batches.push(trades.slice(i, i + 5));
      for (let i = 0; i + 1 < batches.length; i += 6) [batches[i], batches[i + 1]] = [batches[i + 1] as Trade[], batches[i] as Trade[]];
      for (const batch of batches) await flushInBatches(ledger, batch, 5);
      const expected = PLUGINS.map((p) => bruteForce(trades, p));
      assert.deepEqual(await allPluginStatistics(ledger), expected);
      const checkpoints = await ledger.db
        .selectFrom('plugin_stats')
        .select(['plugin_id', 'checkpoint_closed_at'])
        .orderBy('plugin_id')
        .execute();
      assert.ok(
        checkpoints.every((row) => row.checkpoint_closed_at !== null),
        'the late trades were folded from a checkpoint, not by recomputing the plugin',
      );
    } finally {
      await ledger.close();
    }
  });

  test('trades by plugin over N days: newest first, only that plugin, paged without gaps or repeats', async () => {
    const ledger = await openLedgerDatabase(target);
    try {
      const trades = randomTrades(600, 3);
      await insertTradeRows(ledger, trades);
      // START + 4,000 minutes is the last possible close; "now" one day after START + 2 days.
      const now = new Date(START + 3 * 86_400_000);
      const from = new Date(now.getTime() - 2 * 86_400_000).toISOString();
      const expected = trades
        .filter((t) => t.pluginId === 'scalper' && t.closedAt >= from)
        .sort((a, b) => (a.closedAt === b.closedAt ? (a.id < b.id ? 1 : -1) : a.closedAt < b.closedAt ? 1 : -1))
        .map((t) => t.id);
      assert.ok(expected.length > 50 && expected.length < trades.filter((t) => t.pluginId === 'scalper').length);
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await tradesByPlugin(ledger.db, 'scalper', 2, now, { limit: 17, cursor });
        seen.push(...page.items.map((t) => t.id));
        cursor = page.nextCursor;
      } while (cursor);
      assert.deepEqual(seen, expected);
      assert.equal(
        (await tradesByPlugin(ledger.db, 'scalper', undefined, now, { limit: 1000 })).items.length,
        trades.filter((t) => t.pluginId === 'scalper').length,
      );
    } finally {
      await ledger.close();
    }
  });
});
