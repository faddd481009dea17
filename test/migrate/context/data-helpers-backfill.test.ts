import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { type Kysely, sql } from 'kysely';
import { BACKFILL_PROGRESS_TABLE, type BackfillBatch, backfill, showsProgressBar } from '../../../src/migrate/context/data-helpers.ts';
import { type BotledgerDatabase, openDatabase } from '../../../src/storage/database.ts';
import { forEachDialect, tempDir } from '../../support/dialects.ts';
import { rejectsNaming, rows } from './data-helpers-support.ts';

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

test('the backfill progress bar is drawn only on a terminal and never when progress is false', () => {
  assert.equal(showsProgressBar(undefined, { isTTY: true }), true);
  assert.equal(showsProgressBar(true, { isTTY: true }), true);
  assert.equal(showsProgressBar(false, { isTTY: true }), false);
  assert.equal(showsProgressBar(true, { isTTY: false }), false);
  assert.equal(showsProgressBar(true, {}), false);
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
