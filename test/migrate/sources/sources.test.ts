import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { MigrationInputError } from '../../../src/migrate/errors.ts';
import { createMigrationFile, nextVersion } from '../../../src/migrate/sources/new-migration.ts';
import { CORE_MIGRATIONS_DIR, CORE_SOURCE, defaultSourceFor, loadMigrations } from '../../../src/migrate/sources/sources.ts';
import { tempDir } from '../../support/dialects.ts';

const SQL = '-- migrate:up\nselect 1;\n';

function dirWith(files: Record<string, string>): string {
  const dir = tempDir();
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

const inputError = (pattern: RegExp) => (error: unknown) =>
  error instanceof MigrationInputError && error.exitCode === 2 && pattern.test(error.message);

describe('loadMigrations', () => {
  test('orders versions numerically (1, 2, 10) and checksums the file bytes', async () => {
    const dir = dirWith({
      '10_c.sql': SQL,
      '2_b.sql': SQL,
      '1_a.sql': `${SQL}-- x\n`,
      'README.md': '# notes',
      '.hidden': 'x',
      'types.d.ts': 'export {}',
    });
    const migrations = await loadMigrations(dir, 'plug');
    assert.deepEqual(
      migrations.map((m) => m.fileName),
      ['1_a.sql', '2_b.sql', '10_c.sql'],
    );
    assert.equal(
      migrations[0].checksum,
      createHash('sha256')
        .update(readFileSync(join(dir, '1_a.sql')))
        .digest('hex'),
    );
    assert.notEqual(migrations[0].checksum, migrations[1].checksum);
    assert.equal(migrations[2].source, 'plug');
    assert.equal(migrations[2].version, '10');
  });

  test('a file that is not a migration name is an error naming it (a typo must not skip a migration)', async () => {
    for (const name of ['0003-add-reason.sql', '0003_add_reason.sqll', 'notes.txt', '0003_add reason.sql']) {
      await assert.rejects(
        loadMigrations(dirWith({ '1_a.sql': SQL, [name]: SQL }), 's'),
        inputError(new RegExp(name.replace(/[.]/g, '\\.'))),
      );
    }
  });

  test('a duplicate numeric version names both files', async () => {
    await assert.rejects(
      loadMigrations(dirWith({ '0004_a.sql': SQL, '4_b.sql': SQL }), 's'),
      inputError(/0004_a\.sql and 4_b\.sql .* same version/),
    );
  });

  test('a bad SQL file names the file and line', async () => {
    await assert.rejects(
      loadMigrations(dirWith({ '1_a.sql': '-- migrate:up\n-- migrate:transactional\n' }), 's'),
      inputError(/1_a\.sql line 2: unknown directive/),
    );
  });

  test('a missing directory is an input error naming it', async () => {
    await assert.rejects(loadMigrations('/nonexistent/migrations', 's'), inputError(/\/nonexistent\/migrations does not exist/));
  });

  test('.ts modules: up, down, verify and config are read and validated', async () => {
    const dir = dirWith({
      '1_mod.ts': `export const config = { transaction: false, allowRowChange: ['Orders'] };
export const verify = ['select 1 where false;'];
export async function up(db: unknown) {}
export async function down() {}
`,
      '2_fn.js': 'export async function up() {}\nexport async function verify() { return []; }\n',
    });
    const [mod, fn] = await loadMigrations(dir, 's');
    assert.equal(mod.format, 'module');
    assert.deepEqual(mod.config, { transaction: false, irreversible: false, allowRowChange: ['orders'] });
    assert.deepEqual(mod.verify, [{ kind: 'sql', sql: 'select 1 where false' }]);
    assert.equal(mod.down?.kind, 'function');
    assert.equal(fn.verify[0].kind, 'function');
    assert.equal(fn.down, undefined);
  });

  const badModules: [string, string, RegExp][] = [
    ['no up', 'export const down = async () => {};', /3_m\.ts: must export an async function up/],
    [
      'verify not a list',
      'export async function up() {}\nexport const verify = 42;',
      /verify must be an array of SQL queries or a function/,
    ],
    [
      'unknown config key',
      'export async function up() {}\nexport const config = { transactional: false };',
      /config\.transactional is not an option/,
    ],
    [
      'config flag not boolean',
      "export async function up() {}\nexport const config = { irreversible: 'yes' };",
      /config\.irreversible must be true or false/,
    ],
    ['syntax error', 'export async function up( {', /3_m\.ts:1:\d+: syntax error/],
  ];
  for (const [name, text, pattern] of badModules) {
    test(`bad module: ${name}`, async () => {
      await assert.rejects(loadMigrations(dirWith({ '3_m.ts': text }), 's'), inputError(pattern));
    });
  }

  test('the core directory resolves to src/storage/migrations and loads (it may be empty)', async () => {
    assert.match(CORE_MIGRATIONS_DIR, /src\/storage\/migrations$/);
    assert.ok(existsSync(CORE_MIGRATIONS_DIR));
    assert.equal(defaultSourceFor(CORE_MIGRATIONS_DIR), CORE_SOURCE);
    assert.equal(defaultSourceFor('/x/grid-bot'), 'grid-bot');
    assert.ok(Array.isArray(await loadMigrations(CORE_MIGRATIONS_DIR, CORE_SOURCE)));
  });
});

describe('migrate new', () => {
  test('sequential numbering keeps the padding; otherwise a UTC timestamp above the newest', () => {
    const at = new Date('2026-11-21T22:33:44Z');
    assert.equal(nextVersion(['0001_a.sql', '0002_b.sql', 'README.md'], at), '0003');
    assert.equal(nextVersion(['9_a.sql'], at), '10');
    assert.equal(nextVersion([], at), '20261121223344');
    assert.equal(nextVersion(['20261121223344_a.sql'], at), '20261121223345');
  });

  test('writes a file that loads as a valid migration, and refuses a bad name', async () => {
    const dir = join(tempDir(), 'migrations');
    const path = createMigrationFile(dir, 'add_reason', new Date('2026-01-02T03:04:05Z'));
    assert.match(path, /20260102030405_add_reason\.sql$/);
    mkdirSync(dir, { recursive: true });
    const [m] = await loadMigrations(dir, 's');
    assert.equal(m.name, 'add_reason');
    assert.deepEqual(m.up, { kind: 'sql', statements: [] });
    assert.equal(m.down, undefined);
    assert.throws(() => createMigrationFile(dir, 'add reason'), inputError(/migration name "add reason" is not valid/));
  });
});
