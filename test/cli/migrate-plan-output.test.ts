/**
 * Smaller things a user of `migrate plan` / `up` meets: an empty up section is refused by `up`
 * (and flagged by `plan`), `plan` leaves out a `.ts` migration's schema lookups, and it shows long
 * SQL whole instead of cutting it with "…".
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sqlFile, writeMigrations } from '../migrate/engine-support.ts';
import { forEachDialect } from '../support/dialects.ts';
import { runCli } from './cli-support.ts';

const LONG_VALUES = Array.from({ length: 40 }, (_, i) => `(${i + 1}, 'note number ${i + 1}')`).join(', ');

forEachDialect('botledger migrate plan and empty migrations (CLI)', (target) => {
  test('up refuses a migration whose up section is empty (exit 2) and records nothing; plan flags it', async () => {
    const { url, dir } = await target.create();
    const migrations = writeMigrations(dir, {
      '1_init.sql': sqlFile('create table notes (id integer primary key, text text);'),
      '2_todo.sql': '-- migrate:up\n-- TODO: write it\n-- migrate:down\n',
    });
    const flags = ['--db', url, '--dir', migrations];
    const up = await runCli(['migrate', 'up', ...flags, '--yes', '--json'], dir);
    assert.equal(up.code, 2, up.stdout);
    const error = JSON.parse(up.stdout).error;
    assert.equal(error.code, 'MIGRATION_EMPTY_UP');
    assert.match(error.message, /2_todo\.sql: the "-- migrate:up" section has no statement/);
    const status = JSON.parse((await runCli(['migrate', 'status', ...flags, '--json'], dir)).stdout);
    assert.deepEqual(status.applied, [], 'nothing applied, not even 1_init');
    const plan = await runCli(['migrate', 'plan', ...flags], dir);
    assert.match(plan.stdout, /2_todo\.sql[^\n]*\n\s+EMPTY: the up section has no statement/);
  });

  test('plan shows long SQL whole and leaves out the schema lookups of a .ts migration', async () => {
    const { url, dir, dialect } = await target.create();
    const lookup =
      dialect === 'sqlite'
        ? "select 1 from pragma_table_info('notes') where name = 'text'"
        : "select 1 from information_schema.columns where table_name = 'notes' and column_name = 'text'";
    const migrations = writeMigrations(dir, {
      '1_init.sql': sqlFile(`create table notes (id integer primary key, text text);\ninsert into notes values ${LONG_VALUES};`),
      '2_probe.ts': `import { sql } from 'kysely';
export async function up(db) {
  for (let i = 0; i < 10; i++) await sql.raw(${JSON.stringify(lookup)}).execute(db);
  await sql\`update notes set text = upper(text) where id > 35\`.execute(db);
}
export const config = { allowRowChange: [] };
`,
    });
    const plan = await runCli(['migrate', 'plan', '--db', url, '--dir', migrations], dir);
    assert.equal(plan.code, 0, plan.stderr);
    assert.doesNotMatch(plan.stdout, /…/, 'nothing is cut');
    assert.ok(plan.stdout.includes("(40, 'note number 40');") || plan.stdout.includes("(40, 'note number 40')"), plan.stdout);
    assert.doesNotMatch(plan.stdout, /pragma_table_info|information_schema/);
    assert.match(plan.stdout, /\(10 schema lookup\(s\) the migration made are not shown; --json lists every statement\)/);
    assert.match(plan.stdout, /update notes set text = upper\(text\) where id > 35\s+-> 5 rows/);
  });
});
