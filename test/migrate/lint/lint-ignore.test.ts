import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { sql } from 'kysely';
import { lintMigration } from '../../../src/migrate/lint/lint.ts';
import { loadMigrations } from '../../../src/migrate/sources/sources.ts';
import { openDatabase } from '../../../src/storage/database.ts';
import { sqliteTarget } from '../../support/dialects.ts';

test('-- lint:ignore above or inside a statement silences the named rules for that statement only', async () => {
  const { url, dir } = await sqliteTarget.create();
  const database = await openDatabase(url);
  try {
    await sql`create table orders (id integer primary key, failure_reason text, rejection_reason text, note text)`.execute(database.db);
    await sql`insert into orders values (1, 'timeout', 'margin', 'n'), (2, null, 'price', 'm')`.execute(database.db);
    const migrations = join(dir, 'migrations');
    mkdirSync(migrations);
    writeFileSync(
      join(migrations, '0002_drop_legacy_reasons.sql'),
      `-- migrate:up
-- merged into orders.reason by 0001
-- lint:ignore drop-with-data
ALTER TABLE orders DROP COLUMN failure_reason;
ALTER TABLE orders DROP COLUMN rejection_reason; -- lint:ignore rename-breaks-code
ALTER TABLE orders
  DROP COLUMN note -- lint:ignore drop-with-data
;
`,
    );
    const [migration] = await loadMigrations(migrations, 'test');
    const findings = await lintMigration(database, migration);
    // line 4 is silenced from above, line 8 from inside; line 5's comment names another rule and
    // belongs to the next statement anyway, so the drop of rejection_reason is still reported
    assert.deepEqual(
      findings.map((f) => [f.rule, f.line, f.message]),
      [['drop-with-data', 5, 'dropping column orders.rejection_reason discards 2 non-null values']],
    );
  } finally {
    await database.close();
  }
});
