/**
 * Core migration 0004 (users, roles and tokens) on a ledger that already holds bots, orders,
 * fills, positions, trades and the shared paper account: nothing is lost, `admin` is made and
 * owns every row that had no owner (the paper account stays shared), roles and token kinds are
 * checked, users and tokens made before 0004 keep what they could do, and down reverts it.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { type Kysely, sql } from 'kysely';
import { MigrationEngine } from '../../src/migrate/engine.ts';
import { type BotledgerDatabase, openDatabase } from '../../src/storage/database.ts';
import { forEachDialect } from '../support/dialects.ts';

const NOW = '2026-01-01T00:00:00.000Z';
const OWNED = ['bots', 'orders', 'positions', 'trades'];
const KEPT = ['fills', 'exchange_accounts', 'event_log'];

/** A ledger as 0003 leaves it: a shared paper account, bots and their rows; `owner` on bot b2's rows only. */
async function seed(db: Kysely<any>, owner: string | null): Promise<void> {
  await db
    .insertInto('exchange_accounts')
    .values({ id: 'paper', user_id: null, name: 'Paper exchange', exchange: 'paper', sandbox: 1, created_at: NOW, updated_at: NOW })
    .execute();
  const bot = (id: string, userId: string | null) => ({
    id,
    user_id: userId,
    plugin_id: 'scalper',
    exchange_account_id: 'paper',
    symbol: 'BTC/USDT',
    config: '{"amount":"0.01"}',
    status: 'active',
    order_ttl_ms: 60000,
    created_at: NOW,
    updated_at: NOW,
  });
  await db
    .insertInto('bots')
    .values([bot('b1', null), bot('b2', owner)])
    .execute();
  const order = (id: string, botId: string, userId: string | null) => ({
    id,
    user_id: userId,
    bot_id: botId,
    plugin_id: 'scalper',
    client_order_id: `bl-${botId}-${id}`,
    symbol: 'BTC/USDT',
    side: 'buy',
    type: 'limit',
    intent: 'entry',
    price: '60000.5',
    amount: '0.01',
    filled_amount: '0.01',
    status: 'closed',
    reason: 'Order filled',
    created_at: NOW,
    updated_at: NOW,
  });
  await db
    .insertInto('orders')
    .values([order('o1', 'b1', null), order('o2', 'b2', owner)])
    .execute();
  await db
    .insertInto('fills')
    .values({ order_id: 'o1', exchange_trade_id: 't1', price: '60000.5', amount: '0.01', fee: '0.01', occurred_at: NOW, created_at: NOW })
    .execute();
  const position = (id: string, botId: string, userId: string | null) => ({
    id,
    user_id: userId,
    bot_id: botId,
    plugin_id: 'scalper',
    exchange_account_id: 'paper',
    symbol: 'BTC/USDT',
    side: 'long',
    amount: '0',
    entry_cost: '0',
    closed_amount: '0.01',
    entry_price: '60000.5',
    exit_price: '60100',
    realized_pnl: '0.995',
    fees: '0.01',
    status: 'closed',
    opened_at: NOW,
    closed_at: NOW,
    updated_at: NOW,
  });
  await db
    .insertInto('positions')
    .values([position('p1', 'b1', null), position('p2', 'b2', owner)])
    .execute();
  const trade = (id: string, botId: string, userId: string | null) => ({
    id,
    position_id: id.replace('tr', 'p'),
    user_id: userId,
    bot_id: botId,
    plugin_id: 'scalper',
    symbol: 'BTC/USDT',
    side: 'long',
    amount: '0.01',
    entry_price: '60000.5',
    exit_price: '60100',
    pnl: '0.995',
    fees: '0.01',
    opened_at: NOW,
    closed_at: NOW,
    created_at: NOW,
  });
  await db
    .insertInto('trades')
    .values([trade('tr1', 'b1', null), trade('tr2', 'b2', owner)])
    .execute();
  await db
    .insertInto('event_log')
    .values({ occurred_at: NOW, created_at: NOW, source: 'engine', type: 'BotCreated', bot_id: 'b1', message: 'made', applied: 1 })
    .execute();
}

/** Every row of a table as JSON text, ordered, without the columns named (so a before/after comparison sees every other value). */
async function dump(database: BotledgerDatabase, table: string, without: readonly string[] = []): Promise<string> {
  const rows = await sql.raw<Record<string, unknown>>(`select * from ${table} order by id`).execute(database.db);
  return JSON.stringify(rows.rows.map((row) => Object.fromEntries(Object.entries(row).filter(([column]) => !without.includes(column)))));
}

async function dumpAll(database: BotledgerDatabase): Promise<Record<string, string>> {
  const all: Record<string, string> = {};
  for (const table of OWNED) all[table] = await dump(database, table, ['user_id']);
  for (const table of KEPT) all[table] = await dump(database, table);
  return all;
}

async function owners(database: BotledgerDatabase, table: string): Promise<Record<string, string | null>> {
  const rows = await sql.raw<{ id: string; user_id: string | null }>(`select id, user_id from ${table} order by id`).execute(database.db);
  return Object.fromEntries(rows.rows.map((row) => [row.id, row.user_id]));
}

forEachDialect('core migration 0004 (users, roles and tokens)', (target) => {
  test('a ledger without users: admin is made and owns every row without an owner; the paper account stays shared; nothing else changes', async () => {
    const created = await target.create();
    const database = await openDatabase(created.url);
    try {
      const engine = new MigrationEngine({ database, backupDir: join(created.dir, 'backups') });
      await engine.up({ to: '0003' });
      await seed(database.db, null);
      const before = await dumpAll(database);

      const plan = await engine.plan();
      assert.deepEqual(
        plan.migrations.map((m) => m.version),
        ['0004', '0005'],
      );
      const losing = plan.migrations[0].lint.filter((f) => ['drop-with-data', 'narrowed-column', 'lint-error'].includes(f.rule));
      assert.deepEqual(losing, [], 'no data-loss finding');
      assert.deepEqual(
        (await engine.up({ to: '0004' })).applied.map((m) => m.version),
        ['0004'],
      );

      const users = await database.db.selectFrom('users').selectAll().execute();
      assert.equal(users.length, 1);
      const admin = users[0];
      assert.equal(admin.name, 'admin');
      assert.equal(admin.role, 'admin');
      assert.equal(admin.password_hash, null, 'no password: the first login is a one-time token');
      assert.equal(admin.disabled_at, null);
      for (const table of OWNED) {
        const owned = await owners(database, table);
        assert.ok(
          Object.values(owned).every((owner) => owner === admin.id),
          `every ${table} row belongs to admin`,
        );
      }
      assert.deepEqual(await owners(database, 'exchange_accounts'), { paper: null }, 'the paper account stays shared');
      assert.deepEqual(await dumpAll(database), before, 'every other value of every row unchanged');

      // The new CHECKs hold, and the old UNIQUEs still do.
      const user = (id: string, name: string, role: string) => ({ id, name, role, created_at: NOW, updated_at: NOW });
      await assert.rejects(
        database.db
          .insertInto('users')
          .values(user('u9', 'mallory', 'root') as never)
          .execute(),
        /check/i,
      );
      await assert.rejects(
        database.db
          .insertInto('users')
          .values(user('u8', 'admin', 'viewer'))
          .execute(),
        /unique|duplicate/i,
      );
      await database.db
        .insertInto('users')
        .values(user('u7', 'vera', 'viewer'))
        .execute();
      const token = (id: string, hash: string, kind: string) => ({
        id,
        user_id: 'u7',
        name: 'x',
        token_hash: hash,
        kind,
        scopes: 'read',
        created_at: NOW,
      });
      await assert.rejects(
        database.db
          .insertInto('api_tokens')
          .values(token('t9', 'h9', 'forever') as never)
          .execute(),
        /check/i,
      );
      await database.db
        .insertInto('api_tokens')
        .values(token('t1', 'h1', 'one_time'))
        .execute();
      await assert.rejects(
        database.db
          .insertInto('api_tokens')
          .values(token('t2', 'h1', 'personal'))
          .execute(),
        /unique|duplicate/i,
      );

      // down refuses while a role, a password or a token's scopes would be lost (up again would make
      // them admins with unlimited tokens), and changes nothing.
      await assert.rejects(engine.down(), /1 user\(s\)[\s\S]*1 token\(s\)[\s\S]*Restore a backup/);
      assert.equal((await engine.status()).current, '0004');
      await database.db.deleteFrom('api_tokens').execute();
      await database.db.deleteFrom('users').where('id', '=', 'u7').execute();
      await engine.down();
      assert.equal((await engine.status()).current, '0003');
      assert.deepEqual(await dumpAll(database), before, 'down keeps every row');
      const columns = Object.keys((await sql.raw<Record<string, unknown>>('select * from users').execute(database.db)).rows[0]).sort();
      assert.deepEqual(columns, ['created_at', 'id', 'name']);
      assert.deepEqual(
        (await engine.up({ to: '0004' })).applied.map((m) => m.version),
        ['0004'],
        'and up again',
      );
      assert.equal(
        (await database.db.selectFrom('users').select('id').execute()).length,
        1,
        'the admin already there is kept, not made twice',
      );
    } finally {
      await database.close();
    }
  });

  test('users and tokens made before 0004 keep what they could do: users become admins, tokens personal with every scope; rows of another owner stay theirs', async () => {
    const created = await target.create();
    const database = await openDatabase(created.url);
    try {
      const engine = new MigrationEngine({ database, backup: false });
      await engine.up({ to: '0003' });
      const db = database.db as Kysely<any>;
      await db
        .insertInto('users')
        .values([
          { id: 'u2', name: 'bob', created_at: '2026-01-02T00:00:00.000Z' },
          { id: 'u1', name: 'alice', created_at: NOW },
        ])
        .execute();
      await db.insertInto('api_tokens').values({ id: 't1', user_id: 'u2', name: 'laptop', token_hash: 'abc', created_at: NOW }).execute();
      await seed(db, 'u2');
      await engine.up();
      const users = await db.selectFrom('users').select(['id', 'name', 'role']).orderBy('id').execute();
      assert.deepEqual(users, [
        { id: 'u1', name: 'alice', role: 'admin' },
        { id: 'u2', name: 'bob', role: 'admin' },
      ]);
      const tokens = await db.selectFrom('api_tokens').select(['id', 'kind', 'scopes', 'expires_at']).execute();
      assert.deepEqual(tokens, [{ id: 't1', kind: 'personal', scopes: 'read,trade,admin', expires_at: null }]);
      // The oldest admin (alice) gets the rows without an owner; bob's stay bob's.
      for (const table of OWNED) assert.deepEqual(Object.values(await owners(database, table)), ['u1', 'u2'], table);
    } finally {
      await database.close();
    }
  });
});
