/**
 * A user's own `.ts`/`.mts`/`.js`/`.mjs` migrations load from any folder (here one under the
 * system's temp folder, with no package.json above it), with `kysely` importable from
 * botledger's install, and a syntax error is reported as one, with file and line.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { MigrationInputError } from '../../../src/migrate/errors.ts';
import { loadMigrations } from '../../../src/migrate/sources/sources.ts';
import { forEachDialect, tempDir } from '../../support/dialects.ts';
import { openEngine, writeMigrations } from '../engine-support.ts';
import { writeUserModules } from '../user-modules.ts';

test('.ts, .mts, .js and .mjs migrations load from a folder with no package.json above, importing kysely', async () => {
  const dir = tempDir();
  const migrations = await loadMigrations(writeUserModules(dir), 'mine');
  assert.deepEqual(
    migrations.map((m) => [m.fileName, m.format, m.up.kind]),
    [
      ['0001_typed.ts', 'module', 'function'],
      ['0002_module.mts', 'module', 'function'],
      ['0003_plain.js', 'module', 'function'],
      ['0004_plain.mjs', 'module', 'function'],
    ],
  );
  assert.ok(migrations[0].down, 'down exported');
  assert.equal(migrations[3].verify.length, 1);
});

test('a syntax error is MIGRATION_SYNTAX naming the file, line and column (exit 2), for .ts and .js alike', async () => {
  const cases: Record<string, [string, number]> = {
    '0001_bad.ts': ["import { sql } from 'kysely';\nexport async function up(db: any) {\n  const x: number = ;\n}\n", 3],
    '0001_bad.js': ['export async function up(db) {\n  await db.schema\n  let = 4;\n}\n', 3],
    '0001_bad.mjs': ['export async function up(db) {}\n}\n', 2],
  };
  for (const [name, [text, line]] of Object.entries(cases)) {
    const dir = tempDir();
    await assert.rejects(loadMigrations(writeMigrations(dir, { [name]: text }), 's'), (error: unknown) => {
      assert.ok(error instanceof MigrationInputError, String(error));
      assert.equal(error.code, 'MIGRATION_SYNTAX', error.message);
      assert.equal(error.exitCode, 2);
      assert.match(error.message, new RegExp(`^${name.replace('.', '\\.')}:${line}:\\d+: syntax error`));
      assert.equal(error.details.line, line);
      return true;
    });
  }
});

test('an edited module is imported afresh in the same process (the checksum is part of its URL)', async () => {
  const dir = tempDir();
  const write = (table: string) =>
    writeMigrations(dir, { '1_a.js': `export const verify = ['select 1 from ${table}'];\nexport async function up() {}\n` });
  const first = await loadMigrations(write('one'), 's');
  const second = await loadMigrations(write('two'), 's');
  assert.deepEqual(
    [first[0].verify[0], second[0].verify[0]].map((v) => (v.kind === 'sql' ? v.sql : v.kind)),
    ['select 1 from one', 'select 1 from two'],
  );
});

forEachDialect('user module migrations from any folder', (target) => {
  test('up applies all four flavours', async () => {
    const { url, dir } = await target.create();
    writeUserModules(dir);
    const { database, engine } = await openEngine(url, dir);
    try {
      const report = await engine.up();
      assert.equal(report.applied.length, 4);
      for (const table of ['t_typed', 't_mts', 't_js', 't_mjs'])
        await sql`select count(*) as n from ${sql.table(table)}`.execute(database.db);
    } finally {
      await database.close();
    }
  });
});
