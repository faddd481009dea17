import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { MigrationFailedError, MigrationInputError, MigrationRefusedError } from '../../src/migrate/errors.ts';
import { readAppliedMigrations } from '../../src/migrate/tracking/tracking.ts';
import { openDatabase } from '../../src/storage/database.ts';
import { forEachDialect } from '../support/dialects.ts';
import { openEngine, sqlFile, writeMigrations } from './engine-support.ts';

const INIT = sqlFile("create table orders (id integer primary key, status text);\ninsert into orders values (1, 'open'), (2, 'closed');");

forEachDialect('migrate engine, more cases', (target) => {
  test('a verify function that returns rows fails the .ts migration and shows them', async () => {
    const { url, dir } = await target.create();
    writeMigrations(dir, {
      '1_init.sql': INIT,
      '2_fn.ts': `export async function up(db) { await db.updateTable('orders').set({ status: 'x' }).where('id', '=', 1).execute(); }
export async function verify(db) { return db.selectFrom('orders').select(['id', 'status']).where('status', '=', 'x').execute(); }
`,
    });
    const { database, engine } = await openEngine(url, dir, { backup: false });
    try {
      await assert.rejects(
        engine.up(),
        (e: unknown) => e instanceof MigrationFailedError && /verify function returned 1 row\(s\): \{"id":1,"status":"x"\}/.test(e.message),
      );
      const rows = await sql<{ status: string }>`select status from orders where id = 1`.execute(database.db);
      assert.equal(rows.rows[0].status, 'open', 'rolled back');
    } finally {
      await database.close();
    }
  });

  test('a .ts migration that opens its own transaction inside the migration is refused and rolled back', async () => {
    const { url, dir } = await target.create();
    writeMigrations(dir, {
      '1_init.sql': INIT,
      '2_nested.ts': `export async function up(db) {
  await db.deleteFrom('orders').execute();
  await db.transaction().execute(async (trx) => {});
}
export const config = { allowRowChange: ['orders'] };
`,
    });
    const { database, engine } = await openEngine(url, dir, { backup: false });
    try {
      await assert.rejects(
        engine.up(),
        (e: unknown) =>
          e instanceof MigrationInputError && /2_nested\.ts: a migration already runs in its own transaction.*rolled back/.test(e.message),
      );
      const rows = await sql<{ n: number | string }>`select count(*) as n from orders`.execute(database.db);
      assert.equal(Number(rows.rows[0].n), 2);
    } finally {
      await database.close();
    }
  });

  test('a failing no-transaction migration says it could not be rolled back and is not recorded', async () => {
    const { url, dir } = await target.create();
    writeMigrations(dir, {
      '1_init.sql': INIT,
      '2_nt.sql': sqlFile('create table side (id integer);\nselect * from missing_table;', { directives: ['no-transaction'] }),
    });
    const { database, engine } = await openEngine(url, dir, { backup: false });
    try {
      await assert.rejects(engine.up(), (e: unknown) => {
        assert.ok(e instanceof MigrationFailedError);
        assert.match(e.message, /2_nt\.sql \(up\) failed at line 4: .*runs without a transaction .* stay applied/);
        assert.equal(e.details.rolledBack, false);
        return true;
      });
      assert.deepEqual(
        (await readAppliedMigrations(database.db)).map((a) => a.version),
        ['1'],
      );
    } finally {
      await database.close();
    }
  });

  test('lint lists findings; --strict makes them fatal (exit 4)', async () => {
    const { url, dir } = await target.create();
    writeMigrations(dir, { '1_init.sql': INIT });
    const { database, engine } = await openEngine(url, dir, { backup: false });
    try {
      await engine.up();
      writeMigrations(dir, { '2_drop.sql': sqlFile('alter table orders drop column status;') });
      const report = await engine.lint();
      assert.equal(report.migrations, 2);
      assert.ok(report.findings.some((f) => f.file === '2_drop.sql' && f.line === 2));
      await assert.rejects(
        engine.lint({ strict: true }),
        (e: unknown) => e instanceof MigrationRefusedError && e.exitCode === 4 && /2_drop\.sql:2/.test(e.message),
      );
    } finally {
      await database.close();
    }
  });

  if (target.dialect === 'postgres') {
    test('row counts see only the migration: a bot inserting during the migration does not fail it (REPEATABLE READ)', async () => {
      const { url, dir } = await target.create();
      const bot = await openDatabase(url);
      // The migration calls this mid-way: another connection commits a row, as a running bot would.
      (globalThis as Record<string, unknown>).__botledgerTestBotInsert = async () => {
        await sql`insert into orders values (99, 'from the bot')`.execute(bot.db);
      };
      writeMigrations(dir, {
        '1_init.sql': INIT,
        '2_busy.ts': `export async function up(db) {
  await globalThis.__botledgerTestBotInsert();
  await db.schema.alterTable('orders').addColumn('reason', 'text').execute();
  await db.updateTable('orders').set({ reason: 'legacy' }).execute();
}
`,
      });
      const { database, engine } = await openEngine(url, dir, { backup: false });
      try {
        await engine.up({ to: '1' });
        await engine.up();
        const rows = await sql<{ id: number; reason: string | null }>`select id, reason from orders order by id`.execute(database.db);
        assert.deepEqual(
          rows.rows.map((r) => [r.id, r.reason]),
          [
            [1, 'legacy'],
            [2, 'legacy'],
            [99, null],
          ],
        );
      } finally {
        delete (globalThis as Record<string, unknown>).__botledgerTestBotInsert;
        await database.close();
        await bot.close();
      }
    });
  }
});
