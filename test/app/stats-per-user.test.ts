/**
 * Statistics per (user, plugin) and the daily pnl (issue 9), on both dialects: the kept aggregates
 * of each user equal a brute-force computation from that user's trades; without an owner a
 * plugin's statistics cover every user's trades (as `botledger stats` showed them); trades without
 * a user fold under their own row; the daily pnl is exact. Migration 0005 splits the per-plugin
 * rows of 0003 by user, keeps a single-user plugin's row, and down merges them back.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { sql } from 'kysely';
import { getAllPluginStatistics, getDailyPnl, getPluginStatistics, getTradesByPlugin } from '../../src/app/stats.ts';
import { computePluginStats } from '../../src/domain/position/stats.ts';
import type { Trade } from '../../src/domain/position/trade.ts';
import { MigrationEngine } from '../../src/migrate/engine.ts';
import { openDatabase } from '../../src/storage/database.ts';
import { insertUser } from '../support/test-users.ts';
import { applyTradesToPluginStats, NO_USER, recomputeAllPluginStats } from '../../src/storage/repositories/plugin-stats.ts';
import { insertTrades } from '../../src/storage/repositories/positions-batch.ts';
import { writeTransaction } from '../../src/storage/sql/executor.ts';
import { forEachDialect } from '../support/dialects.ts';
import { type LedgerDatabase, openLedgerDatabase } from '../support/ledger-database.ts';

const NOW = '2026-01-01T00:00:00.000Z';

function trade(id: string, userId: string | null, pluginId: string, pnl: string, closedAt: string): Trade {
  return {
    id,
    positionId: null,
    userId,
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
    openedAt: NOW,
    closedAt,
    createdAt: closedAt,
  };
}

/** Alice and Bob both trade scalper (their curves interleave), only Bob trades grid, and two trades have no user. */
const TRADES: Trade[] = [
  trade('t01', 'alice', 'scalper', '10.000000000000000001', '2026-01-01T23:59:59.999Z'),
  trade('t02', 'bob', 'scalper', '-30', '2026-01-02T00:00:00.000Z'),
  trade('t03', 'alice', 'scalper', '-4.5', '2026-01-02T10:00:00.000Z'),
  trade('t04', 'bob', 'scalper', '25', '2026-01-02T11:00:00.000Z'),
  trade('t05', 'alice', 'scalper', '0.1', '2026-01-03T00:00:00.000Z'),
  trade('t06', 'alice', 'scalper', '0.2', '2026-01-03T12:00:00.000Z'),
  trade('t07', 'bob', 'grid', '12345678901234567890.123456789012345678', '2026-01-02T05:00:00.000Z'),
  trade('t08', 'bob', 'grid', '-0.000000000000000001', '2026-01-03T05:00:00.000Z'),
  trade('t09', null, 'scalper', '7', '2026-01-02T06:00:00.000Z'),
  trade('t10', null, 'legacy', '-1', '2026-01-01T06:00:00.000Z'),
];

const of = (user: string | null) => TRADES.filter((t) => t.userId === user);

async function seed(database: LedgerDatabase, trades: readonly Trade[]): Promise<void> {
  for (const name of ['alice', 'bob']) await insertUser(database.db, { id: name, name, createdAt: NOW });
  // One transaction per trade, as a live ledger flushes them (out of close order across users).
  for (const t of trades)
    await writeTransaction(database, async (q) => {
      await insertTrades(q, [t]);
      await applyTradesToPluginStats(q, database.capabilities, [t]);
    });
}

forEachDialect('statistics per user and plugin', (target) => {
  test("each user's statistics are their trades' alone; without an owner, every user's together; trades of no user have their own row", async () => {
    const database = await openLedgerDatabase(target);
    const ledger = { database };
    try {
      await seed(database, TRADES);
      for (const user of ['alice', 'bob']) {
        const expected = computePluginStats(of(user));
        assert.deepEqual(await getAllPluginStatistics(ledger, { owner: user }), expected, `${user}'s statistics`);
        for (const stats of expected) assert.deepEqual(await getPluginStatistics(ledger, stats.pluginId, { owner: user }), stats);
      }
      // Alice has no grid trades: zeros, not Bob's.
      const none = await getPluginStatistics(ledger, 'grid', { owner: 'alice' });
      assert.deepEqual([none.total, none.totalPnl, none.maxDrawdown], [0, '0', '0']);
      assert.deepEqual(await getAllPluginStatistics(ledger, { owner: 'carol' }), []);
      // Without an owner: every user's trades of a plugin (the drawdown of the merged curve, not a sum).
      const all = computePluginStats(TRADES);
      assert.deepEqual(await getAllPluginStatistics(ledger), all);
      for (const stats of all) assert.deepEqual(await getPluginStatistics(ledger, stats.pluginId), stats);
      const rows = await database.db
        .selectFrom('plugin_stats')
        .select(['user_id', 'plugin_id', 'total'])
        .orderBy('user_id')
        .orderBy('plugin_id')
        .execute();
      assert.deepEqual(
        rows.map((r) => [r.user_id, r.plugin_id, Number(r.total)]),
        [
          [NO_USER, 'legacy', 1],
          [NO_USER, 'scalper', 1],
          ['alice', 'scalper', 4],
          ['bob', 'grid', 2],
          ['bob', 'scalper', 2],
        ],
      );
      // A full recompute (after an import) gives the same rows.
      await recomputeAllPluginStats(database);
      assert.deepEqual(await getAllPluginStatistics(ledger, { owner: 'alice' }), computePluginStats(of('alice')));
      assert.deepEqual(await getAllPluginStatistics(ledger), all);
      // Trades by plugin, of one user.
      const page = await getTradesByPlugin(ledger, { pluginId: 'scalper', owner: 'bob', now: new Date('2026-01-04T00:00:00Z') });
      assert.deepEqual(
        page.items.map((t) => t.id),
        ['t04', 't02'],
      );
      assert.deepEqual((await getTradesByPlugin(ledger, { owner: 'alice' })).items.map((t) => t.id).sort(), ['t01', 't03', 't05', 't06']);
    } finally {
      await database.close();
    }
  });

  test('daily pnl: exact sums per UTC day of the close, with counts, per owner, plugin and range', async () => {
    const database = await openLedgerDatabase(target);
    const ledger = { database };
    try {
      await seed(database, TRADES);
      assert.deepEqual(await getDailyPnl(ledger, { owner: 'alice' }), [
        { day: '2026-01-01', pnl: '10.000000000000000001', trades: 1 },
        { day: '2026-01-02', pnl: '-4.5', trades: 1 },
        { day: '2026-01-03', pnl: '0.3', trades: 2 },
      ]);
      assert.deepEqual(await getDailyPnl(ledger, { owner: 'bob', pluginId: 'grid' }), [
        { day: '2026-01-02', pnl: '12345678901234567890.123456789012345678', trades: 1 },
        { day: '2026-01-03', pnl: '-0.000000000000000001', trades: 1 },
      ]);
      assert.deepEqual(await getDailyPnl(ledger, { owner: 'bob', from: '2026-01-02T00:00:01Z', to: '2026-01-03' }), [
        { day: '2026-01-02', pnl: '12345678901234567915.123456789012345678', trades: 2 },
      ]);
      // Without an owner: every trade, those of no user too.
      assert.deepEqual(await getDailyPnl(ledger, { pluginId: 'scalper' }), [
        { day: '2026-01-01', pnl: '10.000000000000000001', trades: 1 },
        { day: '2026-01-02', pnl: '-2.5', trades: 4 },
        { day: '2026-01-03', pnl: '0.3', trades: 2 },
      ]);
      assert.deepEqual(await getDailyPnl(ledger, { owner: 'carol' }), []);
      await assert.rejects(getDailyPnl(ledger, { from: 'yesterday' }), (error: Error & { code?: string; details?: { field?: string } }) => {
        assert.equal(error.code, 'INVALID_FIELD');
        assert.equal(error.details?.field, 'from');
        return true;
      });
    } finally {
      await database.close();
    }
  });

  test('migration 0005 splits the per-plugin rows of 0003 by user, keeps a one-user plugin row as it was, and down merges them back', async () => {
    const created = await target.create();
    const database = await openDatabase(created.url);
    try {
      const engine = new MigrationEngine({ database, backupDir: join(created.dir, 'backups') });
      await engine.up({ to: '0003' });
      for (const name of ['alice', 'bob']) await insertUser(database.db, { id: name, name, createdAt: NOW });
      await database.db
        .insertInto('trades')
        .values(
          TRADES.map((t) => ({
            id: t.id,
            user_id: t.userId,
            plugin_id: t.pluginId,
            symbol: t.symbol,
            side: t.side,
            amount: t.amount,
            entry_price: t.entryPrice,
            exit_price: t.exitPrice,
            pnl: t.pnl,
            fees: t.fees,
            opened_at: t.openedAt,
            closed_at: t.closedAt,
            created_at: t.createdAt,
          })),
        )
        .execute();
      // 0003's rows, per plugin, made from the trades as 0003 does (down to 0002 and up again fills them).
      await engine.down({ to: '0002', allowDataLoss: true });
      await engine.up({ to: '0003' });
      const gridBefore = await sql<Record<string, unknown>>`select * from plugin_stats where plugin_id = 'grid'`.execute(database.db);
      const plan = await engine.plan();
      const losing = plan.migrations[0]?.lint.filter((f) => ['narrowed-column', 'lint-error'].includes(f.rule));
      assert.deepEqual(losing, []);
      await engine.up();
      const ledger = { database };
      // 0004 gave the trades without a user to the first admin (Alice: users made before 0004 are admins).
      assert.deepEqual(await getAllPluginStatistics(ledger, { owner: 'alice' }), computePluginStats([...of('alice'), ...of(null)]));
      assert.deepEqual(await getAllPluginStatistics(ledger, { owner: 'bob' }), computePluginStats(of('bob')));
      assert.deepEqual(await getAllPluginStatistics(ledger, { owner: NO_USER }), []);
      assert.deepEqual(await getAllPluginStatistics(ledger), computePluginStats(TRADES));
      const gridAfter = await sql<Record<string, unknown>>`select * from plugin_stats where plugin_id = 'grid'`.execute(database.db);
      assert.deepEqual(
        gridAfter.rows,
        [{ user_id: 'bob', ...gridBefore.rows[0] }],
        "grid's row (only Bob's trades) kept as it was, now Bob's",
      );
      // A new trade folds into its user's row (the rebuilt table has its key).
      await writeTransaction(database, async (q) => {
        const late = trade('t11', 'alice', 'grid', '3', '2026-01-04T00:00:00.000Z');
        await insertTrades(q, [late]);
        await applyTradesToPluginStats(q, database.capabilities, [late]);
      });
      assert.equal((await getPluginStatistics(ledger, 'grid', { owner: 'alice' })).total, 1);
      await engine.down({ to: '0003', allowDataLoss: true });
      const merged = await sql<{ plugin_id: string; total: unknown }>`select plugin_id, total from plugin_stats order by plugin_id`.execute(
        database.db,
      );
      assert.deepEqual(
        merged.rows.map((r) => [r.plugin_id, Number(r.total)]),
        [
          ['grid', 3],
          ['legacy', 1],
          ['scalper', 7],
        ],
      );
    } finally {
      await database.close();
    }
  });
});
