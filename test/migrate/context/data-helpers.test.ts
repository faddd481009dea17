import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { quoteIdentifier, REMAP_NULL, remapValues, remapVerifySql } from '../../../src/migrate/context/data-helpers.ts';
import { type BotledgerDatabase, openDatabase } from '../../../src/storage/database.ts';
import { forEachDialect } from '../../support/dialects.ts';
import { rejectsNaming, rows } from './data-helpers-support.ts';

test('quoteIdentifier quotes plain and schema-qualified names and names a bad one', () => {
  assert.equal(quoteIdentifier('monitoring.positions', 'table'), '"monitoring"."positions"');
  assert.equal(quoteIdentifier('exit_reason'), '"exit_reason"');
  assert.throws(() => quoteIdentifier('a.b', 'column'), rejectsNaming('"a.b"'));
  assert.throws(() => quoteIdentifier('a.b.c', 'table'), rejectsNaming('"a.b.c"'));
  assert.throws(() => quoteIdentifier('orders"; drop table x; --', 'table'), rejectsNaming('orders\\"; drop table x; --'));
  assert.throws(() => quoteIdentifier('1abc'), rejectsNaming('"1abc"'));
});

test('remapVerifySql leaves out old values that are also new values, and ANDs where', () => {
  const query = remapVerifySql('orders', 'status', { a: 'b', b: 'c', [REMAP_NULL]: 'legacy' }, { where: "side = 'sell'" });
  assert.equal(
    query,
    `select "status" as old_value, count(*) as remaining_rows from "orders" where ("status" in ('a') or "status" is null) and (side = 'sell') group by "status"`,
  );
  assert.equal(remapVerifySql('orders', 'status', { same: 'same' }), undefined);
  assert.match(remapVerifySql('t', 'c', { "it's": 'x' }) ?? '', /in \('it''s'\)/);
});

forEachDialect('remapValues', (target) => {
  async function open(): Promise<BotledgerDatabase> {
    const { url } = await target.create();
    return openDatabase(url);
  }

  test('seed 004: nine statuses down to five, one update, verify query clean, then catches an old value inserted later', async () => {
    const database = await open();
    try {
      const { db, capabilities } = database;
      await sql`create table orders (id integer primary key, status text, side text)`.execute(db);
      const statuses = [
        'amo',
        'pending_execution',
        'retry_pending',
        'rejected',
        'ongoing',
        'closed',
        'cancelled',
        'amo',
        'rejected',
        'pending',
      ];
      for (const [i, status] of statuses.entries()) await sql`insert into orders values (${i + 1}, ${status}, 'buy')`.execute(db);
      const mapping = { amo: 'pending', pending_execution: 'pending', retry_pending: 'failed', rejected: 'failed' };
      const { changed, verifySql } = await remapValues(db, capabilities, 'orders', 'status', mapping);
      assert.equal(changed, 6);
      const byStatus = await rows<{ status: string; n: unknown }>(
        db,
        'select status, count(*) as n from orders group by status order by status',
      );
      assert.deepEqual(
        byStatus.map((r) => `${r.status}:${Number(r.n)}`),
        ['cancelled:1', 'closed:1', 'failed:3', 'ongoing:1', 'pending:4'],
      );
      assert.ok(verifySql);
      assert.deepEqual(await rows(db, verifySql), []);
      // a bot still running old code writes an old status after the remap: the check must catch it
      await sql`insert into orders values (11, 'amo', 'buy')`.execute(db);
      const left = await rows<{ old_value: string; remaining_rows: unknown }>(db, verifySql);
      assert.deepEqual(
        left.map((r) => [r.old_value, Number(r.remaining_rows)]),
        [['amo', 1]],
      );
    } finally {
      await database.close();
    }
  });

  test('where limits the rewrite and its check (seed 004: SELL -> PENDING only for sell orders)', async () => {
    const database = await open();
    try {
      const { db, capabilities } = database;
      await sql`create table orders (id integer primary key, status text, side text)`.execute(db);
      await sql`insert into orders values (1, 'sell', 'sell'), (2, 'sell', 'buy'), (3, 'sell', 'sell')`.execute(db);
      const { changed, verifySql } = await remapValues(
        db,
        capabilities,
        'orders',
        'status',
        { sell: 'pending' },
        { where: "side = 'sell'" },
      );
      assert.equal(changed, 2);
      assert.deepEqual(
        (await rows<{ status: string }>(db, 'select status from orders order by id')).map((r) => r.status),
        ['pending', 'sell', 'pending'],
      );
      assert.deepEqual(await rows(db, verifySql!), [], 'the buy order keeping "sell" is outside where, so not a leftover');
    } finally {
      await database.close();
    }
  });

  test('seed 003: logic_type copied to plugin_id, then mapped, NULL and empty string to legacy', async () => {
    const database = await open();
    try {
      const { db, capabilities } = database;
      await sql`create table trades (id integer primary key, logic_type text, plugin_id text)`.execute(db);
      const logicTypes = [
        'combinedlogic-1',
        'combinedlogic-2',
        'combinedlogic-3',
        'LOGIC1',
        'LOGIC2',
        'LOGIC3',
        null,
        '',
        'custom-x',
        null,
      ];
      for (const [i, logic] of logicTypes.entries()) await sql`insert into trades (id, logic_type) values (${i + 1}, ${logic})`.execute(db);
      await sql`update trades set plugin_id = logic_type`.execute(db);
      const { changed, verifySql } = await remapValues(db, capabilities, 'trades', 'plugin_id', {
        'combinedlogic-1': 'v3-logic-01-5min',
        'combinedlogic-2': 'v3-logic-02-15min',
        'combinedlogic-3': 'v3-logic-03-1h',
        LOGIC1: 'v3-logic-01-5min',
        LOGIC2: 'v3-logic-02-15min',
        LOGIC3: 'v3-logic-03-1h',
        [REMAP_NULL]: 'legacy',
        '': 'legacy',
      });
      assert.equal(changed, 9);
      assert.deepEqual(
        (await rows<{ plugin_id: string }>(db, 'select plugin_id from trades order by id')).map((r) => r.plugin_id),
        [
          'v3-logic-01-5min',
          'v3-logic-02-15min',
          'v3-logic-03-1h',
          'v3-logic-01-5min',
          'v3-logic-02-15min',
          'v3-logic-03-1h',
          'legacy',
          'legacy',
          'custom-x',
          'legacy',
        ],
      );
      assert.deepEqual(await rows(db, verifySql!), []);
      await sql`insert into trades (id, logic_type, plugin_id) values (11, null, null), (12, '', '')`.execute(db);
      const left = await rows<{ old_value: string | null; remaining_rows: unknown }>(db, verifySql!);
      const leftovers = left
        .map((r) => `${r.old_value === null ? 'NULL' : JSON.stringify(r.old_value)}:${Number(r.remaining_rows)}`)
        .sort();
      assert.deepEqual(leftovers, ['"":1', 'NULL:1']);
    } finally {
      await database.close();
    }
  });

  test('from: plugin_id set from lower(trim(logic_type)) in one pass, only where still legacy; the check catches a wrong value', async () => {
    const database = await open();
    try {
      const { db, capabilities } = database;
      await sql`create table trades (id integer primary key, logic_type text, plugin_id text default 'legacy')`.execute(db);
      const logicTypes = ['combinedlogic-1', ' LOGIC2 ', 'Logic3', null, '', 'custom-x', 'logic1'];
      for (const [i, logic] of logicTypes.entries()) await sql`insert into trades (id, logic_type) values (${i + 1}, ${logic})`.execute(db);
      // A trade that already carries its plugin keeps it (the document's `plugin_id = 'legacy'` guard).
      await sql`update trades set plugin_id = 'hand-set' where id = 7`.execute(db);
      const mapping = {
        'combinedlogic-1': 'v3-logic-01-5min',
        logic1: 'v3-logic-01-5min',
        logic2: 'v3-logic-02-15min',
        logic3: 'v3-logic-03-1h',
      };
      const options = { from: 'lower(trim(logic_type))', where: "plugin_id is null or plugin_id = 'legacy'" };
      const { changed, verifySql } = await remapValues(db, capabilities, 'trades', 'plugin_id', mapping, options);
      assert.equal(changed, 3);
      assert.deepEqual(
        (await rows<{ plugin_id: string }>(db, 'select plugin_id from trades order by id')).map((r) => r.plugin_id),
        ['v3-logic-01-5min', 'v3-logic-02-15min', 'v3-logic-03-1h', 'legacy', 'legacy', 'legacy', 'hand-set'],
      );
      assert.equal(
        (await rows<{ logic_type: string }>(db, 'select logic_type from trades where id = 2'))[0].logic_type,
        ' LOGIC2 ',
        'the source is never changed',
      );
      assert.deepEqual(await rows(db, verifySql!), []);
      // A row of a mapped logic_type left at legacy (e.g. inserted during the migration) is reported by its source value.
      await sql`insert into trades (id, logic_type) values (8, 'LOGIC3')`.execute(db);
      const left = await rows<{ old_value: string; remaining_rows: unknown }>(db, verifySql!);
      assert.deepEqual(
        left.map((r) => `${r.old_value}:${Number(r.remaining_rows)}`),
        ['logic3:1'],
      );
    } finally {
      await database.close();
    }
  });

  test('chained entries map each row once, by its original value', async () => {
    const database = await open();
    try {
      const { db, capabilities } = database;
      await sql`create table t (id integer primary key, v text)`.execute(db);
      await sql`insert into t values (1, 'a'), (2, 'b'), (3, 'c')`.execute(db);
      const { changed, verifySql } = await remapValues(db, capabilities, 't', 'v', { a: 'b', b: 'c', c: 'c' });
      assert.equal(changed, 2);
      assert.deepEqual(
        (await rows<{ v: string }>(db, 'select v from t order by id')).map((r) => r.v),
        ['b', 'c', 'c'],
      );
      assert.deepEqual(await rows(db, verifySql!), [], '"b" is a new value, so rows holding it are not leftovers');
    } finally {
      await database.close();
    }
  });

  test('a bad identifier or mapping is refused with its name, and nothing is changed', async () => {
    const database = await open();
    try {
      const { db, capabilities } = database;
      await sql`create table t (id integer primary key, v text)`.execute(db);
      await sql`insert into t values (1, 'a')`.execute(db);
      await assert.rejects(remapValues(db, capabilities, 't; delete from t', 'v', { a: 'b' }), rejectsNaming('t; delete from t'));
      await assert.rejects(remapValues(db, capabilities, 't', 'v = v --', { a: 'b' }), rejectsNaming('v = v --'));
      await assert.rejects(remapValues(db, capabilities, 't', 'v', { a: null as unknown as string }), rejectsNaming('"a"'));
      assert.deepEqual(await rows(db, 'select v from t'), [{ v: 'a' }]);
    } finally {
      await database.close();
    }
  });

  test('a schema-qualified table', { skip: target.dialect !== 'postgres' && 'SQLite has no named schemas' }, async () => {
    const database = await open();
    try {
      const { db, capabilities } = database;
      await sql`create schema monitoring`.execute(db);
      await sql`create type monitoring.sync_state as enum ('ok', 'stale', 'synced', 'failed')`.execute(db);
      await sql`create table monitoring.positions (id integer primary key, sync_status monitoring.sync_state)`.execute(db);
      await sql`insert into monitoring.positions values (1, 'ok'), (2, 'stale'), (3, null)`.execute(db);
      // new values take the column's type, an enum here
      const { changed, verifySql } = await remapValues(db, capabilities, 'monitoring.positions', 'sync_status', {
        ok: 'synced',
        [REMAP_NULL]: 'failed',
      });
      assert.equal(changed, 2);
      assert.deepEqual(
        (await rows<{ sync_status: string }>(db, 'select sync_status from monitoring.positions order by id')).map((r) => r.sync_status),
        ['synced', 'stale', 'failed'],
      );
      assert.deepEqual(await rows(db, verifySql!), []);
    } finally {
      await database.close();
    }
  });
});
