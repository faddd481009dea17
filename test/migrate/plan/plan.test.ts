import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { test } from 'node:test';
import { forEachDialect } from '../../support/dialects.ts';
import { openEngine, snapshot, sqlFile, writeMigrations } from '../engine-support.ts';

const INIT = sqlFile(
  "create table orders (id integer primary key, status text, exit_reason varchar(100));\ninsert into orders (id, status, exit_reason) values (1, 'open', 'tp'), (2, 'open', null), (3, 'closed', 'sl');",
);

forEachDialect('migrate plan', (target) => {
  test('shows SQL, lines, rows touched, lint findings and rehearsal time, and leaves the database unchanged', async () => {
    const { url, dir } = await target.create();
    writeMigrations(dir, { '1_init.sql': INIT });
    const { database, engine } = await openEngine(url, dir, { backup: false });
    try {
      await engine.up();
      writeMigrations(dir, {
        '2_reason.sql': sqlFile(
          "alter table orders add column reason text;\nupdate orders set reason = 'legacy' where status = 'open';\nalter table orders drop column exit_reason;",
          {
            verify: "select id from orders where status = 'open' and reason is null;",
          },
        ),
        '3_ts.ts': `export async function up(db) { await db.deleteFrom('orders').where('status', '=', 'closed').execute(); }
export const config = { allowRowChange: ['orders'] };
`,
      });
      const before = await snapshot(database);
      const files = readdirSync(dir).sort();
      const plan = await engine.plan();
      assert.deepEqual(await snapshot(database), before, 'schema, rows and tracking table are unchanged');
      assert.deepEqual(readdirSync(dir).sort(), files, 'no leftover copy');
      assert.equal(plan.rehearsal.ok, true);
      assert.equal(plan.rehearsal.method, target.dialect === 'sqlite' ? 'copy' : 'transaction');
      assert.ok(plan.rehearsal.ms > 0);
      const [reason, ts] = plan.migrations;
      assert.equal(reason.rehearsed, true);
      assert.ok((reason.rehearsalMs ?? -1) >= 0);
      assert.deepEqual(
        reason.statements.map((s) => [s.line, s.rowsAffected, s.tableRows]),
        [
          [2, undefined, 3],
          [3, 2, undefined],
          [4, undefined, 3],
        ],
      );
      assert.ok(reason.lint.every((f) => f.file === '2_reason.sql' && f.rule && f.why));
      assert.ok(
        reason.lint.some((f) => f.line === 4),
        `dropping a column lints (found: ${JSON.stringify(reason.lint)})`,
      );
      assert.ok(
        ts.statements.some((s) => /delete from "orders"/.test(s.sql)),
        'SQL run by a .ts migration is captured',
      );
    } finally {
      await database.close();
    }
  });

  test('a rehearsal failure is reported per migration, and later ones are not rehearsed; nothing changes', async () => {
    const { url, dir } = await target.create();
    writeMigrations(dir, {
      '1_init.sql': INIT,
      '2_bad.sql': sqlFile("delete from orders where status = 'closed';"),
      '3_next.sql': sqlFile('create table x (id integer);'),
    });
    const { database, engine } = await openEngine(url, dir, { backup: false });
    try {
      const before = await snapshot(database);
      const plan = await engine.plan();
      assert.deepEqual(await snapshot(database), before);
      assert.equal(plan.rehearsal.ok, false);
      assert.equal(plan.migrations[0].rehearsed, true);
      assert.match(plan.migrations[1].error?.message ?? '', /orders had 3 rows before the migration and 2 after/);
      assert.match(plan.migrations[2].note ?? '', /not rehearsed: an earlier migration failed/);
      assert.deepEqual((await engine.plan({ to: '1' })).migrations.length, 1);
    } finally {
      await database.close();
    }
  });

  if (target.dialect === 'postgres') {
    test('a no-transaction migration is shown but not rehearsed on PostgreSQL', async () => {
      const { url, dir } = await target.create();
      writeMigrations(dir, {
        '1_init.sql': INIT,
        '2_idx.sql': sqlFile('create index concurrently orders_status on orders (status);', { directives: ['no-transaction'] }),
      });
      const { database, engine } = await openEngine(url, dir, { backup: false });
      try {
        const plan = await engine.plan();
        assert.equal(plan.migrations[1].rehearsed, false);
        assert.match(plan.migrations[1].note ?? '', /without a transaction/);
        assert.equal(plan.migrations[1].statements[0].line, 3);
        await engine.up();
        assert.equal((await engine.status()).current, '2', 'and up applies it outside a transaction');
      } finally {
        await database.close();
      }
    });
  }
});
