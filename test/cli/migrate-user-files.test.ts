/**
 * A user's own migrations through the CLI: `.ts`/`.mts`/`.js`/`.mjs` files in a folder under the
 * system's temp folder (no package.json above it, so nothing of botledger's checkout helps), and
 * `migrate new`, which must never write into botledger's own migrations.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { CORE_MIGRATIONS_DIR } from '../../src/migrate/sources/sources.ts';
import { writeMigrations } from '../migrate/engine-support.ts';
import { writeUserModules } from '../migrate/user-modules.ts';
import { forEachDialect, tempDir } from '../support/dialects.ts';
import { runCli } from './cli-support.ts';

forEachDialect('botledger migrate with a user folder of module migrations (CLI)', (target) => {
  test('up --yes applies .ts, .mts, .js and .mjs migrations importing kysely; package.json and tsconfig.json are not migrations', async () => {
    const { url, dir } = await target.create();
    const migrations = writeUserModules(dir);
    const up = await runCli(['migrate', 'up', '--db', url, '--dir', migrations, '--yes', '--json'], dir);
    assert.equal(up.code, 0, up.stdout + up.stderr);
    assert.deepEqual(
      JSON.parse(up.stdout).applied.map((a: { fileName: string }) => a.fileName),
      ['0001_typed.ts', '0002_module.mts', '0003_plain.js', '0004_plain.mjs'],
    );
  });
});

test('a syntax error in a .ts migration exits 2 as MIGRATION_SYNTAX with the file and line', async () => {
  const dir = tempDir();
  const migrations = writeMigrations(dir, {
    '0001_bad.ts': "import { sql } from 'kysely';\n\nexport async function up(db: any) {\n  await sql`select 1`.execute(db) +;\n}\n",
  });
  // An existing (empty) database: reading commands refuse a missing file before they look at migrations.
  writeFileSync(join(dir, 'l.db'), '');
  const flags = ['--db', `sqlite:${join(dir, 'l.db')}`, '--dir', migrations];
  const human = await runCli(['migrate', 'status', ...flags], dir);
  assert.equal(human.code, 2, human.stderr);
  assert.match(human.stderr, /MIGRATION_SYNTAX.*0001_bad\.ts:4:\d+: syntax error/);
  const json = await runCli(['migrate', 'plan', ...flags, '--json'], dir);
  assert.equal(json.code, 2);
  const error = JSON.parse(json.stdout).error;
  assert.equal(error.code, 'MIGRATION_SYNTAX');
  assert.equal(error.details.line, 4);
  assert.equal(error.details.file, '0001_bad.ts');
});

test("migrate new needs --dir and refuses botledger's own migrations folder; nothing is written there", async (t) => {
  const dir = tempDir();
  const before = readdirSync(CORE_MIGRATIONS_DIR).sort();
  // Run on a botledger with the defect, this test would leave files in its sources: remove them.
  t.after(() => {
    for (const name of readdirSync(CORE_MIGRATIONS_DIR))
      if (!before.includes(name)) rmSync(join(CORE_MIGRATIONS_DIR, name), { recursive: true });
  });
  const missing = await runCli(['migrate', 'new', 'foo'], dir);
  assert.equal(missing.code, 2, missing.stderr);
  assert.match(missing.stderr, /migrate new needs --dir/);
  for (const target of [CORE_MIGRATIONS_DIR, join(CORE_MIGRATIONS_DIR, 'sub')]) {
    const core = await runCli(['migrate', 'new', 'foo', '--dir', target, '--json'], dir);
    assert.equal(core.code, 2, core.stdout);
    assert.equal(JSON.parse(core.stdout).error.code, 'MIGRATIONS_DIR_CORE');
  }
  assert.deepEqual(readdirSync(CORE_MIGRATIONS_DIR).sort(), before, 'the core migrations folder is untouched');
  assert.equal(existsSync(join(CORE_MIGRATIONS_DIR, 'sub')), false);
  const mine = await runCli(['migrate', 'new', 'foo', '--dir', join(dir, 'mine')], dir);
  assert.equal(mine.code, 0, mine.stderr);
  assert.deepEqual(readdirSync(join(dir, 'mine')), [readdirSync(join(dir, 'mine'))[0]]);
  assert.match(readdirSync(join(dir, 'mine'))[0], /^\d{14}_foo\.sql$/);
});
