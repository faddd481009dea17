/**
 * `down` counts what it would destroy before it runs (rehearsed in a transaction that is rolled
 * back), refuses to destroy rows unless allowed, and botledger's own first migration cannot be
 * reverted at all.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MigrateError } from '../../../src/migrate/errors.ts';
import { MigrationEngine } from '../../../src/migrate/engine.ts';
import { CORE_MIGRATIONS_DIR, CORE_SOURCE, loadMigrations } from '../../../src/migrate/sources/sources.ts';
import { openDatabase } from '../../../src/storage/database.ts';
import { forEachDialect } from '../../support/dialects.ts';
import { openEngine, snapshot, sqlFile, writeMigrations } from '../engine-support.ts';

const FILES = {
  '1_trades.sql': sqlFile(
    "create table trades (id integer primary key, note text);\ninsert into trades values (1, 'a'), (2, null), (3, 'c');",
    {
      down: 'drop table trades;',
    },
  ),
  '2_note.sql': sqlFile("alter table trades add column tag text;\nupdate trades set tag = 'x' where id < 3;", {
    down: 'alter table trades drop column tag;',
  }),
  '3_purge.ts': `import { sql } from 'kysely';
export async function up(db) { await sql\`create table audit (id integer primary key)\`.execute(db); await sql\`insert into audit values (1), (2)\`.execute(db); }
export async function down(db) { await sql\`delete from trades where id = 3\`.execute(db); await sql\`drop table audit\`.execute(db); }
export const config = { allowRowChange: ['audit'] };
`,
};

const refused = (code: string, pattern: RegExp) => (error: unknown) => {
  assert.ok(error instanceof MigrateError, String(error));
  assert.equal(error.code, code, error.message);
  assert.equal(error.exitCode, 4);
  assert.match(error.message, pattern);
  return true;
};

forEachDialect('down: data loss', (target) => {
  test('a .ts down that deletes rows and drops a table is counted and refused; nothing changes, no backup is taken', async () => {
    const { url, dir } = await target.create();
    writeMigrations(dir, FILES);
    const { database, engine, events } = await openEngine(url, dir);
    try {
      await engine.up();
      const before = await snapshot(database);
      const plan = await engine.planDown();
      assert.deepEqual(
        plan.reverting.map((m) => m.fileName),
        ['3_purge.ts'],
      );
      const table = (name: string) => (database.capabilities.namedSchemas ? `public.${name}` : name);
      assert.deepEqual(
        plan.dataLoss.map((l) => [l.table, l.kind, l.count]),
        [
          [table('audit'), 'table-dropped', 2],
          [table('trades'), 'rows-deleted', 1],
        ],
      );
      assert.equal(plan.rowsLost, 3);
      events.length = 0;
      await assert.rejects(
        engine.down(),
        refused('DATA_LOSS', /3_purge\.ts would destroy 3 row\(s\)[\s\S]*audit dropped with 2 row[\s\S]*--allow-data-loss/),
      );
      assert.ok(!events.includes('backup-start'), 'refused before the backup');
      assert.deepEqual(await snapshot(database), before, 'the rehearsal was rolled back');
      const report = await engine.down({ allowDataLoss: true });
      assert.deepEqual(
        report.reverted.map((r) => r.fileName),
        ['3_purge.ts'],
      );
      assert.equal(report.dataLoss.length, 2);
      assert.ok(report.backup, 'a backup was taken first');
    } finally {
      await database.close();
    }
  });

  test('a SQL down dropping a column reports its values but loses no rows; dropping a table with rows is refused', async () => {
    const { url, dir } = await target.create();
    writeMigrations(dir, { '1_trades.sql': FILES['1_trades.sql'], '2_note.sql': FILES['2_note.sql'] });
    const { database, engine } = await openEngine(url, dir);
    try {
      await engine.up();
      const plan = await engine.planDown();
      assert.deepEqual(
        plan.dataLoss.map((l) => [l.kind, l.column, l.count]),
        [['column-dropped', 'tag', 2]],
      );
      assert.equal(plan.rowsLost, 0);
      const report = await engine.down();
      assert.equal(report.reverted.length, 1, 'no rows lost: not refused');
      await assert.rejects(engine.down(), refused('DATA_LOSS', /trades dropped with 3 row/));
      const all = await engine.planDown({ to: '0' });
      assert.equal(all.rowsLost, 3);
    } finally {
      await database.close();
    }
  });

  test('down with nothing applied reverts nothing and says so', async () => {
    const { url, dir } = await target.create();
    writeMigrations(dir, FILES);
    const { database, engine, events } = await openEngine(url, dir);
    try {
      const report = await engine.down();
      assert.deepEqual(report.reverted, []);
      assert.deepEqual(report.dataLoss, []);
      assert.ok(events.includes('nothing-to-do'));
    } finally {
      await database.close();
    }
  });

  test("botledger's own first migration is irreversible: down refuses, the ledger keeps its tables", async () => {
    const { url, dir } = await target.create();
    const database = await openDatabase(url);
    try {
      const engine = new MigrationEngine({ database, backupDir: `${dir}/backups` });
      await engine.up();
      // 0004 and 0003 are reversible; below them, down meets 0002_ledger_identity first, irreversible
      // too (it would lose the ledger's identity); so 0001's own flag is checked where the engine
      // reads it. Refused before anything runs: 0004 stays applied.
      await assert.rejects(
        engine.down({ to: '0001' }),
        refused('IRREVERSIBLE', /0002_ledger_identity\.ts: it is marked irreversible[\s\S]*restore/),
      );
      await assert.rejects(engine.down({ to: '0001', allowDataLoss: true }), refused('IRREVERSIBLE', /0002_ledger_identity/));
      await assert.rejects(engine.down({ to: '0', allowDataLoss: true }), refused('IRREVERSIBLE', /0002_ledger_identity/));
      const core = await loadMigrations(CORE_MIGRATIONS_DIR, CORE_SOURCE);
      assert.equal(core.find((m) => m.version === '0001')?.config.irreversible, true, '0001_core_schema is irreversible');
      assert.equal((await engine.status()).current, '0005');
    } finally {
      await database.close();
    }
  });
});
