import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { type Kysely, sql } from 'kysely';
import {
  BACKFILL_PROGRESS_TABLE,
  type BackfillBatch,
  backfill,
  quoteIdentifier,
  REMAP_NULL,
  remapValues,
  remapVerifySql,
  showsProgressBar,
} from '../../../src/migrate/context/data-helpers.ts';
import { MigrationInputError } from '../../../src/migrate/errors.ts';
import { type BotledgerDatabase, openDatabase } from '../../../src/storage/database.ts';
import { forEachDialect, tempDir } from '../../support/dialects.ts';

async function rows<T = Record<string, unknown>>(db: Kysely<any>, query: string): Promise<T[]> {
  return (await sql.raw<T>(query).execute(db)).rows;
}

async function progressRows(db: Kysely<any>): Promise<{ progress_key: string; last_key: string }[]> {
  return rows(db, `select progress_key, last_key from ${BACKFILL_PROGRESS_TABLE} order by progress_key`);
}

/** Ten rows with a counter column, so a row updated twice shows up as 2. */
async function counterTable(db: Kysely<any>, keyType: 'integer' | 'text'): Promise<void> {
  await sql.raw(`create table items (k ${keyType} primary key, counter integer not null default 0, label text)`).execute(db);
  for (let i = 1; i <= 10; i++) {
    const key = keyType === 'integer' ? i : `k${String(i).padStart(2, '0')}`;
    await sql`insert into items (k, label) values (${key}, ${i % 2 === 0 ? 'even' : 'odd'})`.execute(db);
  }
}

async function counters(db: Kysely<any>): Promise<number[]> {
  return (await rows<{ counter: number }>(db, 'select counter from items order by k')).map((r) => Number(r.counter));
}

function rejectsNaming(what: string) {
  return (error: unknown) => {
    assert.ok(error instanceof MigrationInputError, `expected MigrationInputError, got ${String(error)}`);
    assert.ok(error.message.includes(what), `"${error.message}" should name ${what}`);
    return true;
  };
}

test('quoteIdentifier quotes plain and schema-qualified names and names a bad one', () => {
  assert.equal(quoteIdentifier('monitoring.positions', 'table'), '"monitoring"."positions"');
  assert.equal(quoteIdentifier('exit_reason'), '"exit_reason"');
  assert.throws(() => quoteIdentifier('a.b', 'column'), rejectsNaming('"a.b"'));
  assert.throws(() => quoteIdentifier('a.b.c', 'table'), rejectsNaming('"a.b.c"'));
  assert.throws(() => quoteIdentifier('orders"; drop table x; --', 'table'), rejectsNaming('orders\\"; drop table x; --'));
  assert.throws(() => quoteIdentifier('1abc'), rejectsNaming('"1abc"'));
});

test('the backfill progress bar is drawn only on a terminal and never when progress is false', () => {
  assert.equal(showsProgressBar(undefined, { isTTY: true }), true);
  assert.equal(showsProgressBar(true, { isTTY: true }), true);
  assert.equal(showsProgressBar(false, { isTTY: true }), false);
  assert.equal(showsProgressBar(true, { isTTY: false }), false);
  assert.equal(showsProgressBar(true, {}), false);
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

forEachDialect('backfill', (target) => {
  async function open(): Promise<BotledgerDatabase> {
    const { url } = await target.create();
    return openDatabase(url);
  }

  for (const keyType of ['integer', 'text'] as const) {
    test(`batches of 3 over 10 rows update every row once (${keyType} key) and remove the progress row`, async () => {
      const database = await open();
      try {
        const { db, capabilities } = database;
        await counterTable(db, keyType);
        const batches: BackfillBatch[] = [];
        const updated = await backfill(
          db,
          capabilities,
          'items',
          { counter: 'counter + 1' },
          { key: 'k', batchSize: 3, onBatch: (b) => void batches.push(b) },
        );
        assert.equal(updated, 10);
        assert.deepEqual(await counters(db), [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
        assert.deepEqual(
          batches.map((b) => b.rows),
          [3, 3, 3, 1],
        );
        const lastKeys = batches.map((b) => String(b.lastKey));
        assert.deepEqual(lastKeys, keyType === 'integer' ? ['3', '6', '9', '10'] : ['k03', 'k06', 'k09', 'k10']);
        assert.deepEqual(await progressRows(db), []);
      } finally {
        await database.close();
      }
    });

    test(`resumes after a crash from the saved key and never redoes a batch (${keyType} key)`, async () => {
      const database = await open();
      try {
        const { db, capabilities } = database;
        await counterTable(db, keyType);
        const options = { key: 'k', batchSize: 3, progressKey: 'test:items' };
        // first run: the process "dies" after two committed batches
        assert.equal(await backfill(db, capabilities, 'items', { counter: 'counter + 1' }, { ...options, maxBatches: 2 }), 6);
        assert.deepEqual(await counters(db), [1, 1, 1, 1, 1, 1, 0, 0, 0, 0]);
        assert.deepEqual(await progressRows(db), [{ progress_key: 'test:items', last_key: keyType === 'integer' ? '6' : '"k06"' }]);
        // second run: dies by throwing from the hook after its first batch (already committed)
        await assert.rejects(
          backfill(
            db,
            capabilities,
            'items',
            { counter: 'counter + 1' },
            {
              ...options,
              onBatch: () => {
                throw new Error('killed');
              },
            },
          ),
          /killed/,
        );
        assert.deepEqual(await counters(db), [1, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
        // third run finishes the last row only
        assert.equal(await backfill(db, capabilities, 'items', { counter: 'counter + 1' }, options), 1);
        assert.deepEqual(await counters(db), [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
        assert.deepEqual(await progressRows(db), []);
      } finally {
        await database.close();
      }
    });
  }

  test('where limits the rows; a batch is counted by key, so rows outside where are skipped, not stalled', async () => {
    const database = await open();
    try {
      const { db, capabilities } = database;
      await counterTable(db, 'integer');
      const updated = await backfill(
        db,
        capabilities,
        'items',
        { counter: 'counter + 10', label: "'done'" },
        { key: 'k', batchSize: 2, where: "label = 'even'" },
      );
      assert.equal(updated, 5);
      assert.deepEqual(await counters(db), [0, 10, 0, 10, 0, 10, 0, 10, 0, 10]);
    } finally {
      await database.close();
    }
  });

  test('a key that is not unique still visits every row exactly once', async () => {
    const database = await open();
    try {
      const { db, capabilities } = database;
      await counterTable(db, 'integer');
      const sizes: number[] = [];
      const updated = await backfill(
        db,
        capabilities,
        'items',
        { counter: 'counter + 1' },
        { key: 'label', batchSize: 3, onBatch: (b) => void sizes.push(b.rows) },
      );
      assert.equal(updated, 10);
      assert.deepEqual(sizes, [5, 5], 'all five rows sharing the last key of a batch go into it');
      assert.deepEqual(await counters(db), [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]);
    } finally {
      await database.close();
    }
  });

  test('inside a transaction a crash rolls everything back, progress included', async () => {
    const database = await open();
    try {
      const { db, capabilities } = database;
      await counterTable(db, 'integer');
      await sql.raw(`create table ${BACKFILL_PROGRESS_TABLE} (progress_key text primary key, last_key text, updated_at text)`).execute(db);
      await assert.rejects(
        db.transaction().execute(async (trx) => {
          await backfill(trx, capabilities, 'items', { counter: 'counter + 1' }, { key: 'k', batchSize: 3, maxBatches: 2 });
          throw new Error('migration failed later');
        }),
        /migration failed later/,
      );
      assert.deepEqual(await counters(db), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
      assert.deepEqual(await progressRows(db), []);
    } finally {
      await database.close();
    }
  });

  test('bad options are refused with their name before anything runs', async () => {
    const database = await open();
    try {
      const { db, capabilities } = database;
      await counterTable(db, 'integer');
      await assert.rejects(backfill(db, capabilities, 'items', { counter: '1' }, { batchSize: 0 }), rejectsNaming('batchSize'));
      await assert.rejects(backfill(db, capabilities, 'items', {}, {}), rejectsNaming('set names no column'));
      await assert.rejects(backfill(db, capabilities, 'items', { 'counter = 5, label': '1' }), rejectsNaming('counter = 5, label'));
      await assert.rejects(backfill(db, capabilities, 'items', { counter: '1' }, { key: 'k desc' }), rejectsNaming('"k desc"'));
      await assert.rejects(backfill(db, capabilities, 'items', { counter: ' ' }), rejectsNaming('counter'));
      assert.deepEqual(await counters(db), [0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    } finally {
      await database.close();
    }
  });
});

test('on a terminal the backfill draws a progress bar on stderr; through a pipe it prints nothing', async (t) => {
  const hasScript = spawnSync('script', ['--version'], { encoding: 'utf8' }).status === 0;
  const dir = tempDir();
  const program = join(dir, 'backfill-bar.mts');
  const helpers = fileURLToPath(new URL('../../../src/migrate/context/data-helpers.ts', import.meta.url));
  const storage = fileURLToPath(new URL('../../../src/storage/database.ts', import.meta.url));
  writeFileSync(
    program,
    `import { backfill } from ${JSON.stringify(helpers)};
import { openDatabase } from ${JSON.stringify(storage)};
const database = await openDatabase(${JSON.stringify(`sqlite:${join(dir, 'bar.db')}`)});
database.sqlite!.exec('drop table if exists items; create table items (id integer primary key, n integer default 0); insert into items (id) values (1),(2),(3),(4),(5)');
await backfill(database.db, database.capabilities, 'items', { n: 'n + 1' }, { batchSize: 2 });
await database.close();
`,
  );
  const cwd = fileURLToPath(new URL('../../..', import.meta.url));
  const piped = spawnSync(process.execPath, ['--import', 'tsx', program], { cwd, encoding: 'utf8' });
  assert.equal(piped.status, 0, piped.stderr);
  assert.doesNotMatch(piped.stderr, /backfill items/);
  if (!hasScript) return t.skip('no `script` command to give the child a terminal');
  const tty = spawnSync('script', ['-qec', `${process.execPath} --import tsx ${program}`, '/dev/null'], { cwd, encoding: 'utf8' });
  assert.equal(tty.status, 0, tty.stdout);
  assert.match(tty.stdout, /backfill items \[.*\] 5\/5 rows/);
});
