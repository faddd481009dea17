/**
 * Core migration 0003 (positions and statistics) on a ledger that already holds orders, fills and
 * trades: nothing is lost, POSITION_CLOSED is accepted and other values still refused, plugin_stats
 * is filled from the stored trades, the plan's lint finds no data loss, and down reverts it.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { sql } from 'kysely';
import { MigrationEngine } from '../../src/migrate/engine.ts';
import { type BotledgerDatabase, openDatabase } from '../../src/storage/database.ts';
import { moneyOut } from '../../src/storage/repositories/codec.ts';
import * as migration0003 from '../../src/storage/migrations/0003_positions_and_stats.ts';
import { coreMigrationContext } from '../support/ledger-database.ts';
import { forEachDialect } from '../support/dialects.ts';

const NOW = '2026-01-01T00:00:00.000Z';

function order(id: string, overrides: Record<string, unknown> = {}) {
  return {
    id,
    client_order_id: `bl-b1-${id}`,
    symbol: 'BTC/USDT',
    side: 'buy',
    type: 'limit',
    intent: 'entry',
    price: '60000.5',
    amount: '0.01',
    filled_amount: '0.004',
    status: 'cancelled',
    reason: 'Order cancelled to be replaced',
    cancellation_reason: 'UPDATE',
    retry_count: 2,
    created_at: NOW,
    updated_at: NOW,
    ...overrides,
  };
}

function trade(id: string, pluginId: string, pnl: string, closedAt: string) {
  return {
    id,
    plugin_id: pluginId,
    symbol: 'BTC/USDT',
    side: 'long',
    amount: '0.01',
    entry_price: '60000',
    exit_price: '60050',
    pnl,
    fees: '0.1',
    opened_at: NOW,
    closed_at: closedAt,
    created_at: closedAt,
  };
}

/** Every row of a table as JSON text, ordered, so a before/after comparison sees every value. */
async function dump(database: BotledgerDatabase, table: string): Promise<string> {
  const rows = await sql.raw<Record<string, unknown>>(`select * from ${table} order by id`).execute(database.db);
  return JSON.stringify(rows.rows);
}

async function indexNames(database: BotledgerDatabase, table: string): Promise<string[]> {
  const query =
    database.dialect === 'postgres'
      ? sql<{ name: string }>`select indexname as name from pg_indexes where tablename = ${table}`
      : sql<{ name: string }>`select name from sqlite_master where type = 'index' and tbl_name = ${table} and sql is not null`;
  return (await query.execute(database.db)).rows.map((row) => row.name).sort();
}

forEachDialect('core migration 0003 (positions and statistics)', (target) => {
  test('upgrades a ledger holding orders, fills and trades: nothing lost, POSITION_CLOSED accepted, plugin_stats filled, down reverts', async () => {
    const created = await target.create();
    const database = await openDatabase(created.url);
    try {
      const engine = new MigrationEngine({ database, backupDir: join(created.dir, 'backups') });
      await engine.up({ to: '0002' });
      const db = database.db;
      await db
        .insertInto('orders')
        .values([order('o1'), order('o2', { status: 'closed', cancellation_reason: null, filled_amount: '0.01' }), order('o3')])
        .execute();
      const fill = (orderId: string, tradeId: string, amount: string) => ({
        order_id: orderId,
        exchange_trade_id: tradeId,
        price: '60000.5',
        amount,
        fee: '0.0000004',
        fee_currency: 'BTC',
        occurred_at: NOW,
        raw: '{"venue":"paper"}',
        created_at: NOW,
      });
      await db
        .insertInto('fills')
        .values([fill('o1', 't1', '0.004'), fill('o2', 't2', '0.006'), fill('o2', 't3', '0.004')])
        .execute();
      // scalper: +10, -30, +5 -> cumulative 10, -20, -15: peak 10, drawdown 30.
      await db
        .insertInto('trades')
        .values([
          trade('tr1', 'scalper', '10', '2026-01-01T01:00:00.000Z'),
          trade('tr3', 'scalper', '5', '2026-01-01T03:00:00.000Z'),
          trade('tr2', 'scalper', '-30', '2026-01-01T02:00:00.000Z'),
          trade('tr4', 'grid', '0', '2026-01-01T01:00:00.000Z'),
          // 38 significant digits: exact only with more than decimal.js's default 20.
          trade('tr5', 'grid', '12345678901234567890.123456789012345678', '2026-01-01T02:00:00.000Z'),
          trade('tr6', 'grid', '-0.000000000000000001', '2026-01-01T03:00:00.000Z'),
        ])
        .execute();
      const before = { orders: await dump(database, 'orders'), fills: await dump(database, 'fills') };

      // The rehearsal lints the SQL the .ts migration runs: the rebuild loses nothing.
      const plan = await engine.plan({ to: '0003' });
      assert.deepEqual(
        plan.migrations.map((m) => m.version).slice(0, 1),
        ['0003'],
      );
      const losing = plan.migrations[0].lint.filter((f) => ['drop-with-data', 'narrowed-column', 'lint-error'].includes(f.rule));
      assert.deepEqual(losing, [], 'no data-loss finding');

      const report = await engine.up({ to: '0003' });
      assert.deepEqual(
        report.applied.map((m) => m.version),
        ['0003'],
      );
      assert.equal(await dump(database, 'orders'), before.orders, 'orders unchanged, every value');
      assert.equal(await dump(database, 'fills'), before.fills, 'fills unchanged, every value');
      for (const name of [
        'orders_bot_id_status_idx',
        'orders_plugin_id_idx',
        'orders_status_idx',
        'orders_exchange_order_id_idx',
        'orders_created_at_id_idx',
      ])
        assert.ok((await indexNames(database, 'orders')).includes(name), `orders index ${name} made again`);
      assert.ok((await indexNames(database, 'positions')).includes('positions_sl_order_id_idx'));
      assert.ok((await indexNames(database, 'trades')).includes('trades_plugin_closed_id_idx'));

      await db
        .insertInto('orders')
        .values(order('o4', { intent: 'stop_loss', side: 'sell', cancellation_reason: 'POSITION_CLOSED' }))
        .execute();
      await assert.rejects(
        db
          .insertInto('orders')
          .values(order('o5', { cancellation_reason: 'MANUAL' }))
          .execute(),
        /check/i,
      );
      await assert.rejects(
        db
          .insertInto('orders')
          .values(order('o6', { status: 'rejected' }))
          .execute(),
        /check/i,
      );
      await assert.rejects(
        db
          .insertInto('orders')
          .values(order('o7', { client_order_id: 'bl-b1-o1' }))
          .execute(),
        /unique|duplicate/i,
      );
      // Fills still point at orders: an unknown order is refused, a duplicate trade id too.
      await assert.rejects(
        db
          .insertInto('fills')
          .values(fill('nope', 't9', '1'))
          .execute(),
        /foreign key/i,
      );
      await assert.rejects(
        db
          .insertInto('fills')
          .values(fill('o1', 't1', '1'))
          .execute(),
        /unique|duplicate/i,
      );

      const stats = await db.selectFrom('plugin_stats').selectAll().orderBy('plugin_id').execute();
      const money = (value: unknown) => (value === null ? null : moneyOut(value));
      assert.deepEqual(
        stats.map((s) => [
          s.plugin_id,
          Number(s.total),
          Number(s.wins),
          Number(s.losses),
          Number(s.breakeven),
          money(s.total_pnl),
          money(s.best_pnl),
          money(s.worst_pnl),
          money(s.gross_profit),
          money(s.gross_loss),
          money(s.pnl_peak),
          money(s.max_drawdown),
          s.last_trade_id,
        ]),
        [
          [
            'grid',
            3,
            1,
            1,
            1,
            '12345678901234567890.123456789012345677',
            '12345678901234567890.123456789012345678',
            '-0.000000000000000001',
            '12345678901234567890.123456789012345678',
            '-0.000000000000000001',
            '12345678901234567890.123456789012345678',
            '0.000000000000000001',
            'tr6',
          ],
          ['scalper', 3, 2, 1, 0, '-15', '10', '-30', '15', '-30', '10', '30', 'tr3'],
        ],
      );

      // down refuses while an order holds POSITION_CLOSED, and changes nothing.
      await assert.rejects(engine.down({ allowDataLoss: true }), /POSITION_CLOSED/);
      assert.equal((await engine.status()).current, '0003');
      await db.deleteFrom('orders').where('id', '=', 'o4').execute();
      await engine.down({ allowDataLoss: true });
      assert.equal((await engine.status()).current, '0002');
      assert.equal(await dump(database, 'orders'), before.orders, 'down keeps every order');
      assert.equal(await dump(database, 'fills'), before.fills, 'down keeps every fill');
      await assert.rejects(
        db
          .insertInto('orders')
          .values(order('o8', { cancellation_reason: 'POSITION_CLOSED' }))
          .execute(),
        /check/i,
      );
      assert.deepEqual(
        (await engine.up({ to: '0003' })).applied.map((m) => m.version),
        ['0003'],
        'and up again',
      );
    } finally {
      await database.close();
    }
  });

  test('its up also runs with foreign keys on (outside the engine, which switches them off): fills keep pointing at orders', async () => {
    const created = await target.create();
    const database = await openDatabase(created.url);
    try {
      await new MigrationEngine({ database, backup: false }).up({ to: '0002' });
      await database.db.insertInto('orders').values(order('o1')).execute();
      const fill = { order_id: 'o1', exchange_trade_id: 't1', price: '1', amount: '1', fee: '0', occurred_at: NOW, created_at: NOW };
      await database.db.insertInto('fills').values(fill).execute();
      if (database.sqlite) assert.equal(database.sqlite.pragma('foreign_keys', { simple: true }), 1, 'foreign keys are on');
      const before = await dump(database, 'fills');
      await database.db.transaction().execute((trx) => migration0003.up(trx, coreMigrationContext(database)));
      assert.equal(await dump(database, 'fills'), before);
      await assert.rejects(
        database.db
          .insertInto('fills')
          .values({ ...fill, order_id: 'nope', exchange_trade_id: 't2' })
          .execute(),
        /foreign key/i,
      );
      await database.db.deleteFrom('fills').execute();
      await database.db.transaction().execute((trx) => migration0003.down(trx, coreMigrationContext(database)));
      await database.db.insertInto('fills').values(fill).execute();
      await assert.rejects(
        database.db
          .insertInto('fills')
          .values({ ...fill, order_id: 'nope', exchange_trade_id: 't3' })
          .execute(),
        /foreign key/i,
      );
    } finally {
      await database.close();
    }
  });
});
