import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { sql } from 'kysely';
import { MigrationFailedError, MigrationRefusedError } from '../../src/migrate/errors.ts';
import { readAppliedMigrations } from '../../src/migrate/tracking/tracking.ts';
import { forEachDialect } from '../support/dialects.ts';
import { openEngine, snapshot, sqlFile, writeMigrations } from './engine-support.ts';

const FILES = {
  '1_orders.sql': sqlFile("create table orders (id integer primary key, status text);\ninsert into orders values (1, 'open');", {
    down: 'drop table orders;',
  }),
  '2_reason.sql': sqlFile("alter table orders add column reason text;\nupdate orders set reason = 'r';", {
    down: 'alter table orders drop column reason;',
  }),
  '3_index.sql': sqlFile('create index orders_status on orders (status);', { down: 'drop index orders_status;' }),
};

forEachDialect('migrate down', (target) => {
  test('down reverts the latest migration after a backup, and --to reverts everything newer, newest first', async () => {
    const { url, dir } = await target.create();
    writeMigrations(dir, FILES);
    const { database, engine, events } = await openEngine(url, dir);
    try {
      await engine.up({ to: '1' });
      const atOne = await snapshot(database);
      await engine.up();
      const report = await engine.down();
      assert.deepEqual(
        report.reverted.map((m) => m.fileName),
        ['3_index.sql'],
      );
      assert.ok(report.backup && existsSync(report.backup.path));
      assert.equal(report.backup.atVersion, '3');
      assert.equal(report.current, '2');
      const again = await engine.down({ to: '1' });
      assert.deepEqual(
        again.reverted.map((m) => m.fileName),
        ['2_reason.sql'],
      );
      assert.deepEqual(await snapshot(database), atOne, 'down leaves the database as it was at version 1');
      assert.ok(events.includes('migration-start 2_reason.sql'));
      // 1_orders's down drops a table holding a row: allowed explicitly (see down-data-loss.test.ts).
      await engine.down({ to: '0', allowDataLoss: true });
      assert.deepEqual(await readAppliedMigrations(database.db), []);
    } finally {
      await database.close();
    }
  });

  test('down refuses, before touching anything, to pass an irreversible migration or one without down', async () => {
    const { url, dir } = await target.create();
    writeMigrations(dir, {
      ...FILES,
      '2_reason.sql': sqlFile('alter table orders add column reason text;', { directives: ['irreversible'] }),
      '3_index.sql': sqlFile('create index orders_status on orders (status);'),
    });
    const { database, engine, events } = await openEngine(url, dir);
    try {
      await engine.up();
      const before = await snapshot(database);
      const refused = (code: string, pattern: RegExp) => (error: unknown) =>
        error instanceof MigrationRefusedError && error.exitCode === 4 && error.code === code && pattern.test(error.message);
      await assert.rejects(
        engine.down(),
        refused('NO_DOWN', /cannot revert 3_index\.sql: it has no down section; nothing was changed.*botledger migrate restore/),
      );
      await assert.rejects(engine.down({ to: '1' }), refused('NO_DOWN', /3_index\.sql/));
      writeMigrations(dir, { '3_index.sql': FILES['3_index.sql'] });
      // the edited file is drift; restore the original text and reapply to test the irreversible one
      await sql`delete from schema_migrations where version = '3'`.execute(database.db);
      await sql`drop index orders_status`.execute(database.db);
      await engine.up();
      const atThree = await snapshot(database);
      await assert.rejects(engine.down({ to: '1' }), refused('IRREVERSIBLE', /cannot revert 2_reason\.sql: it is marked irreversible/));
      assert.deepEqual(await snapshot(database), atThree, 'the refusal came before 3 was reverted');
      assert.notDeepEqual(before, undefined);
      assert.equal(events.filter((e) => e === 'backup-done').length, 2, 'no backup for a refused down');
    } finally {
      await database.close();
    }
  });

  test('a failing down rolls back and keeps the tracking row', async () => {
    const { url, dir } = await target.create();
    writeMigrations(dir, {
      ...FILES,
      '3_index.sql': sqlFile('create index orders_status on orders (status);', { down: 'drop index orders_status;\ndrop table nope;' }),
    });
    const { database, engine } = await openEngine(url, dir, { backup: false });
    try {
      await engine.up();
      const before = await snapshot(database);
      await assert.rejects(
        engine.down(),
        (e: unknown) => e instanceof MigrationFailedError && /3_index\.sql \(down\) failed at line \d+/.test(e.message),
      );
      assert.deepEqual(await snapshot(database), before);
    } finally {
      await database.close();
    }
  });
});
