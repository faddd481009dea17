/**
 * `up` lints its pending SQL migrations before anything changes: findings are reported, and one
 * that loses data refuses the run unless allowed or acknowledged with `-- lint:ignore <rule>`.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MigrateError } from '../../../src/migrate/errors.ts';
import { forEachDialect } from '../../support/dialects.ts';
import { openEngine, snapshot, sqlFile, writeMigrations } from '../engine-support.ts';

const INIT = sqlFile(
  "create table trades (id integer primary key, logic_type text, note varchar(20));\ninsert into trades values (1, 'logic1', 'a'), (2, 'Logic1', null), (3, null, 'bb');",
);
const DROP = sqlFile('alter table trades drop column logic_type;', { directives: ['allow-row-change trades'] });
const NARROW = (dialect: string) =>
  sqlFile(dialect === 'postgres' ? 'alter table trades alter column note type varchar(1);' : 'create index trades_note on trades (note);');

forEachDialect('up: lint', (target) => {
  test('a drop-with-data finding is reported and refuses up (LINT_DATA_LOSS, exit 4) before the backup; nothing changes', async () => {
    const { url, dir } = await target.create();
    writeMigrations(dir, { '1_init.sql': INIT });
    const { database, engine, events } = await openEngine(url, dir);
    try {
      await engine.up();
      writeMigrations(dir, { '2_drop.sql': DROP });
      const before = await snapshot(database);
      events.length = 0;
      await assert.rejects(engine.up(), (error: unknown) => {
        assert.ok(error instanceof MigrateError);
        assert.equal(error.code, 'LINT_DATA_LOSS');
        assert.equal(error.exitCode, 4);
        assert.match(error.message, /2_drop\.sql:3 drop-with-data: dropping column trades\.logic_type discards 2 non-null values/);
        assert.match(error.message, /lint:ignore drop-with-data[\s\S]*--allow-data-loss/);
        return true;
      });
      assert.ok(events.includes('lint-finding'), 'the finding was reported');
      assert.ok(!events.includes('backup-start'), 'refused before the backup');
      assert.deepEqual(await snapshot(database), before);
      const report = await engine.up({ allowDataLoss: true });
      assert.deepEqual(
        report.applied.map((r) => r.fileName),
        ['2_drop.sql'],
      );
      assert.deepEqual(
        report.lint.map((f) => [f.rule, f.file, f.line]),
        [['drop-with-data', '2_drop.sql', 3]],
      );
    } finally {
      await database.close();
    }
  });

  test('-- lint:ignore drop-with-data in the file acknowledges the loss: up applies without the flag', async () => {
    const { url, dir } = await target.create();
    writeMigrations(dir, { '1_init.sql': INIT });
    const { database, engine } = await openEngine(url, dir);
    try {
      await engine.up();
      writeMigrations(dir, {
        '2_drop.sql': sqlFile(
          '-- logic_type was copied into plugin_id first\n-- lint:ignore drop-with-data\nalter table trades drop column logic_type;',
        ),
      });
      const report = await engine.up();
      assert.equal(report.applied.length, 1);
      assert.deepEqual(report.lint, []);
    } finally {
      await database.close();
    }
  });

  test('narrowed-column with values that do not fit refuses (PostgreSQL); findings that lose nothing do not', async () => {
    const { url, dir, dialect } = await target.create();
    writeMigrations(dir, { '1_init.sql': INIT, '2_narrow.sql': NARROW(dialect) });
    const { database, engine } = await openEngine(url, dir);
    try {
      await engine.up({ to: '1' });
      if (dialect === 'postgres') {
        await assert.rejects(engine.up(), (error: unknown) => {
          assert.equal((error as MigrateError).code, 'LINT_DATA_LOSS');
          assert.match((error as Error).message, /narrowed-column/);
          return true;
        });
      } else {
        const report = await engine.up();
        assert.equal(report.applied.length, 1, 'a plain index loses nothing');
      }
    } finally {
      await database.close();
    }
  });
});
