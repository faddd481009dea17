import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type Kysely, sql } from 'kysely';
import { LINT_RULES, type LintFinding, lintMigration } from '../../../src/migrate/lint/lint.ts';
import { DEFAULT_MIGRATION_CONFIG, type Migration, type SqlStatement } from '../../../src/migrate/migration.ts';
import { type BotledgerDatabase, openDatabase } from '../../../src/storage/database.ts';
import { forEachDialect } from '../../support/dialects.ts';

/** A SQL migration as the engine parses it: statements split at `;`, each with the line its text starts on. */
function sqlMigration(text: string, fileName = '0005_change.sql'): Migration {
  const statements: SqlStatement[] = [];
  let line = 1;
  for (const part of text.split(';')) {
    const lead = part.length - part.trimStart().length;
    const startLine = line + (part.slice(0, lead).match(/\n/g)?.length ?? 0);
    if (part.trim()) statements.push({ sql: part.trim(), line: startLine });
    line += part.match(/\n/g)?.length ?? 0;
  }
  return {
    version: fileName.split('_')[0],
    name: 'change',
    fileName,
    path: `/nowhere/${fileName}`,
    source: 'core',
    checksum: '0'.repeat(64),
    format: 'sql',
    config: DEFAULT_MIGRATION_CONFIG,
    up: { kind: 'sql', statements },
    verify: [],
  };
}

/**
 * positions (20 rows): exit_reason varchar(100) with 3 values of exactly 100 characters; note text
 * with 12 values longer than 50 characters, 5 shorter and 3 NULL; extra with 5 non-null values.
 * empty_positions: the same columns, no rows.
 */
async function positions(db: Kysely<any>, table = 'positions'): Promise<void> {
  for (const name of [table, `empty_${table.split('.').pop()}`]) {
    await sql
      .raw(`create table ${name} (id integer primary key, exit_reason varchar(100), note text, extra text, order_ref varchar(8))`)
      .execute(db);
  }
  for (let i = 1; i <= 20; i++) {
    const exitReason = i <= 3 ? 'e'.repeat(100) : `stop-loss hit ${i}`;
    const note = i <= 12 ? 'n'.repeat(50 + i) : i <= 17 ? 'short' : null;
    const extra = i <= 5 ? `x${i}` : null;
    // order_ref is fixed-length data: every value has exactly 8 characters, the limit, and none was cut
    const orderRef = `ord${String(i).padStart(5, '0')}`;
    await sql`insert into ${sql.raw(table)} (id, exit_reason, note, extra, order_ref) values (${i}, ${exitReason}, ${note}, ${extra}, ${orderRef})`.execute(
      db,
    );
  }
}

function only(findings: LintFinding[], rule: string): LintFinding[] {
  return findings.filter((f) => f.rule === rule);
}

forEachDialect('lintMigration', (target) => {
  async function open(): Promise<BotledgerDatabase> {
    const { url } = await target.create();
    return openDatabase(url);
  }

  test('LINT_RULES lists every rule with why it exists', () => {
    assert.deepEqual(
      LINT_RULES.map((r) => r.name),
      [
        'narrowed-column',
        'values-at-limit',
        'drop-with-data',
        'not-null-without-default',
        'non-concurrent-index',
        'rename-breaks-code',
        'volatile-default',
      ],
    );
    for (const rule of LINT_RULES) assert.ok(rule.why.length > 40, rule.name);
  });

  test('narrowed-column counts the values that would not fit, on the line of the change', async () => {
    const database = await open();
    try {
      await positions(database.db);
      if (database.capabilities.alterColumnType) {
        const findings = await lintMigration(
          database,
          sqlMigration('-- shorter notes\nALTER TABLE positions\n  ALTER COLUMN note TYPE varchar(50);'),
        );
        const [finding] = only(findings, 'narrowed-column');
        assert.equal(finding.file, '0005_change.sql');
        assert.equal(finding.line, 3);
        assert.match(
          finding.message,
          /^12 values of positions\.note are longer than 50 characters and would not fit in varchar\(50\) \(the longest has 62\)/,
        );
        assert.equal(finding.why, LINT_RULES[0].why);
        // the finding is true: PostgreSQL refuses the change
        await assert.rejects(sql`alter table positions alter column note type varchar(50)`.execute(database.db), /too long/);
      }
      // SQLite's way (and valid on PostgreSQL too): rebuild the table with the narrower column
      const rebuild =
        sqlMigration(`CREATE TABLE positions_new (id integer primary key, exit_reason varchar(10), note text, extra text, order_ref varchar(8));
INSERT INTO positions_new SELECT id, exit_reason, note, extra, order_ref FROM positions;
DROP TABLE positions;
ALTER TABLE positions_new RENAME TO positions;`);
      const findings = await lintMigration(database, rebuild);
      const narrowed = only(findings, 'narrowed-column');
      assert.equal(narrowed.length, 1);
      assert.equal(narrowed[0].line, 1);
      assert.match(narrowed[0].message, /^20 values of positions\.exit_reason are longer than 10 characters/);
      assert.deepEqual(only(findings, 'drop-with-data'), [], 'a rebuild copies the rows before the drop');
      assert.deepEqual(only(findings, 'rename-breaks-code'), [], 'a rebuild gives the table its old name back');
    } finally {
      await database.close();
    }
  });

  test('narrowed-column stays quiet when a column is widened, or narrowed with room to spare on an empty table', async () => {
    const database = await open();
    try {
      await positions(database.db);
      const findings = await lintMigration(
        database,
        sqlMigration(`ALTER TABLE positions ALTER COLUMN exit_reason TYPE varchar(200);
ALTER TABLE positions ALTER COLUMN exit_reason TYPE text;`),
      );
      assert.deepEqual(only(findings, 'narrowed-column'), []);
      const empty = await lintMigration(database, sqlMigration('ALTER TABLE empty_positions ALTER COLUMN note TYPE varchar(50)'));
      // an empty table loses nothing now; the narrowing is still reported, without a count of lost values
      assert.match(only(empty, 'narrowed-column')[0].message, /no stored value is longer than 50 characters yet/);
    } finally {
      await database.close();
    }
  });

  test('values-at-limit counts values exactly at the VARCHAR limit of a table the migration alters (seed 002)', async () => {
    const database = await open();
    try {
      await positions(database.db);
      const findings = await lintMigration(database, sqlMigration('\nALTER TABLE positions ADD COLUMN retry_count integer DEFAULT 0;'));
      const atLimit = only(findings, 'values-at-limit');
      assert.equal(atLimit.length, 1, 'order_ref holds fixed-length values (all exactly 8), which were not cut');
      const [finding] = atLimit;
      assert.equal(finding.line, 2);
      assert.match(
        finding.message,
        /^3 values of positions\.exit_reason are exactly 100 characters long, the limit of (varchar|character varying)\(100\): probably cut to fit/,
      );
      const widening = await lintMigration(database, sqlMigration('ALTER TABLE positions ALTER COLUMN exit_reason TYPE text'));
      assert.match(only(widening, 'values-at-limit')[0].message, /^3 values .*cannot bring back what was already cut/);
      // safe: a table it does not alter, or one whose values are all below the limit
      await sql`update positions set exit_reason = 'short' where id <= 3`.execute(database.db);
      assert.deepEqual(
        only(await lintMigration(database, sqlMigration('ALTER TABLE positions ADD COLUMN retry_count integer')), 'values-at-limit'),
        [],
      );
    } finally {
      await database.close();
    }
  });

  test('drop-with-data counts non-null values of a dropped column and rows of a dropped table', async () => {
    const database = await open();
    try {
      await positions(database.db);
      const findings = await lintMigration(
        database,
        sqlMigration(`ALTER TABLE positions
  DROP COLUMN extra;
DROP TABLE IF EXISTS positions, empty_positions;`),
      );
      const drops = only(findings, 'drop-with-data');
      assert.deepEqual(
        drops.map((f) => [f.line, f.message]),
        [
          [2, 'dropping column positions.extra discards 5 non-null values'],
          [3, 'dropping table positions discards 20 rows'],
        ],
      );
      await sql`update positions set extra = null`.execute(database.db);
      assert.deepEqual(only(await lintMigration(database, sqlMigration('ALTER TABLE positions DROP COLUMN extra')), 'drop-with-data'), []);
      // a rebuild that leaves a column out loses that column's values
      const rebuild = await lintMigration(
        database,
        sqlMigration(`CREATE TABLE positions_new (id integer primary key, exit_reason varchar(100), order_ref varchar(8));
INSERT INTO positions_new SELECT id, exit_reason, order_ref FROM positions;
DROP TABLE positions;
ALTER TABLE positions_new RENAME TO positions;`),
      );
      assert.deepEqual(
        only(rebuild, 'drop-with-data').map((f) => f.message),
        ['rebuilding positions as positions_new without column note discards 17 non-null values'],
      );
    } finally {
      await database.close();
    }
  });

  test('not-null-without-default: ADD COLUMN NOT NULL on a table with rows, SET NOT NULL over NULLs', async () => {
    const database = await open();
    try {
      await positions(database.db);
      const findings = await lintMigration(
        database,
        sqlMigration(`ALTER TABLE positions ADD COLUMN plugin_id text NOT NULL;
ALTER TABLE positions ALTER COLUMN note SET NOT NULL;`),
      );
      const hits = only(findings, 'not-null-without-default');
      assert.equal(hits.length, 2);
      assert.match(hits[0].message, /^adding positions\.plugin_id as NOT NULL without a default fails: positions has 20 rows/);
      assert.match(hits[1].message, /^3 rows of positions have NULL in note, so SET NOT NULL fails/);
      // the finding is true on both dialects
      await assert.rejects(sql`alter table positions add column plugin_id text not null`.execute(database.db));
      const safe = await lintMigration(
        database,
        sqlMigration(`ALTER TABLE positions ADD COLUMN plugin_id text NOT NULL DEFAULT 'legacy';
ALTER TABLE empty_positions ADD COLUMN plugin_id text NOT NULL;
ALTER TABLE positions ALTER COLUMN exit_reason SET NOT NULL;`),
      );
      assert.deepEqual(only(safe, 'not-null-without-default'), []);
    } finally {
      await database.close();
    }
  });

  test('rename-breaks-code: a live column or table renamed; not a rename of what the migration itself adds', async () => {
    const database = await open();
    try {
      await positions(database.db);
      const findings = await lintMigration(
        database,
        sqlMigration(`ALTER TABLE positions RENAME COLUMN exit_reason TO reason;
ALTER TABLE empty_positions RENAME TO archived_positions;`),
      );
      assert.deepEqual(
        only(findings, 'rename-breaks-code').map((f) => [f.line, f.message.split(';')[0]]),
        [
          [1, 'renaming positions.exit_reason to reason breaks running code that still reads or writes exit_reason'],
          [2, 'renaming table empty_positions to archived_positions breaks running code that still uses empty_positions'],
        ],
      );
      assert.match(
        only(findings, 'rename-breaks-code')[0].message,
        /add reason, copy exit_reason into it, switch the code, then drop exit_reason/,
      );
      const safe = await lintMigration(
        database,
        sqlMigration(`ALTER TABLE positions ADD COLUMN tmp_reason text;
ALTER TABLE positions RENAME COLUMN tmp_reason TO final_reason;
CREATE TABLE staging (id integer);
ALTER TABLE staging RENAME TO staged;`),
      );
      assert.deepEqual(only(safe, 'rename-breaks-code'), []);
    } finally {
      await database.close();
    }
  });

  test('volatile-default: a non-constant default on a table with rows', async () => {
    const database = await open();
    try {
      await positions(database.db);
      if (database.capabilities.alterColumnType) {
        const findings = await lintMigration(
          database,
          sqlMigration(`ALTER TABLE positions ADD COLUMN uid uuid DEFAULT gen_random_uuid();
ALTER TABLE positions ADD COLUMN created_at timestamptz DEFAULT now();`),
        );
        const hits = only(findings, 'volatile-default');
        assert.deepEqual(
          hits.map((f) => [f.line, f.message.split(':')[0]]),
          [
            [1, 'DEFAULT gen_random_uuid() is volatile'],
            [2, 'DEFAULT now() is evaluated once'],
          ],
        );
        assert.match(hits[0].message, /rewrites all 20 rows of positions/);
        assert.match(hits[1].message, /all 20 existing rows of positions get the time of the migration/);
      } else {
        const findings = await lintMigration(
          database,
          sqlMigration('ALTER TABLE positions ADD COLUMN created_at text DEFAULT CURRENT_TIMESTAMP'),
        );
        assert.match(
          only(findings, 'volatile-default')[0].message,
          /^adding positions\.created_at with DEFAULT CURRENT_TIMESTAMP is refused on a table with rows .* positions has 20 rows/,
        );
        // the finding is true: SQLite refuses it
        await assert.rejects(
          sql`alter table positions add column created_at text default current_timestamp`.execute(database.db),
          /non-constant default/,
        );
      }
      const safe = await lintMigration(
        database,
        sqlMigration(`ALTER TABLE positions ADD COLUMN retry_count integer DEFAULT 0;
ALTER TABLE positions ADD COLUMN state text DEFAULT 'synced';
ALTER TABLE empty_positions ADD COLUMN created_at text DEFAULT CURRENT_TIMESTAMP;`),
      );
      assert.deepEqual(only(safe, 'volatile-default'), []);
    } finally {
      await database.close();
    }
  });

  test('non-concurrent-index fires only where concurrent indexes exist, on a table above the threshold', async () => {
    const database = await open();
    try {
      await positions(database.db);
      const index = sqlMigration('CREATE INDEX idx_positions_note ON positions (note)');
      const findings = only(await lintMigration(database, index, undefined, { largeTableRows: 10 }), 'non-concurrent-index');
      if (!database.capabilities.concurrentIndexes) {
        assert.deepEqual(findings, [], 'SQLite has no CREATE INDEX CONCURRENTLY to suggest');
        return;
      }
      assert.match(
        findings[0].message,
        /^creating index idx_positions_note on positions \(more than 10 rows\) without CONCURRENTLY blocks writes/,
      );
      assert.deepEqual(
        only(await lintMigration(database, index, undefined, { largeTableRows: 20 }), 'non-concurrent-index'),
        [],
        '20 rows is not more than 20',
      );
      const concurrently = sqlMigration('CREATE INDEX CONCURRENTLY idx_positions_note ON positions (note)');
      assert.deepEqual(only(await lintMigration(database, concurrently, undefined, { largeTableRows: 10 }), 'non-concurrent-index'), []);
    } finally {
      await database.close();
    }
  });

  test('text in strings and comments is not read as SQL; statements override the file (a .ts migration)', async () => {
    const database = await open();
    try {
      await positions(database.db);
      const quoted = sqlMigration(`-- DROP TABLE positions
UPDATE positions SET note = 'ALTER TABLE positions DROP COLUMN extra' WHERE id = 1`);
      assert.deepEqual(await lintMigration(database, quoted), []);
      const captured = [{ sql: 'alter table "positions" drop column "extra"', line: 4 }];
      const findings = await lintMigration(database, quoted, captured);
      assert.deepEqual(
        findings.map((f) => [f.rule, f.line]),
        [
          ['values-at-limit', 4],
          ['drop-with-data', 4],
        ],
      );
    } finally {
      await database.close();
    }
  });
});

forEachDialect('lintMigration on PostgreSQL specifics', (target) => {
  test('schema-qualified, quoted names (seed 002: monitoring.positions.exit_reason VARCHAR(100))', {
    skip: target.dialect !== 'postgres' && 'PostgreSQL only',
  }, async () => {
    const database = await openDatabase((await target.create()).url);
    try {
      await sql`create schema monitoring`.execute(database.db);
      await positions(database.db, 'monitoring.positions');
      const migration = sqlMigration(
        'ALTER TABLE "monitoring"."positions" ALTER COLUMN "exit_reason" TYPE TEXT, ADD COLUMN error_details JSONB',
      );
      const [finding] = only(await lintMigration(database, migration), 'values-at-limit');
      assert.match(finding.message, /^3 values of monitoring\.positions\.exit_reason are exactly 100 characters long/);
      // the same table name in another schema on search_path is not confused with it
      assert.deepEqual(await lintMigration(database, sqlMigration('ALTER TABLE positions DROP COLUMN extra')), []);
    } finally {
      await database.close();
    }
  });

  test('non-concurrent-index at the default threshold of 100000 rows, counted or estimated', {
    skip: target.dialect !== 'postgres' && 'PostgreSQL only',
  }, async () => {
    const database = await openDatabase((await target.create()).url);
    try {
      await sql`create table fills (id bigint primary key, note text)`.execute(database.db);
      await sql`insert into fills select g, 'f' from generate_series(1, 100001) as g`.execute(database.db);
      const index = sqlMigration('CREATE INDEX idx_fills_note ON fills (note)');
      assert.match(only(await lintMigration(database, index), 'non-concurrent-index')[0].message, /\(more than 100000 rows\)/);
      await sql`analyze fills`.execute(database.db);
      assert.match(
        only(await lintMigration(database, index), 'non-concurrent-index')[0].message,
        /\(about 10000\d rows, more than 100000\)/,
      );
      await sql`delete from fills where id > 100000`.execute(database.db);
      await sql`analyze fills`.execute(database.db);
      assert.deepEqual(only(await lintMigration(database, index), 'non-concurrent-index'), []);
    } finally {
      await database.close();
    }
  });
});
