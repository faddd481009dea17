/**
 * Exit codes of `botledger migrate` (issue 11, defect 8): one rule for a confirmation prompt
 * (declined, also by Ctrl-D: 4; interrupted by Ctrl-C: 130), `status` non-zero on drift, and the
 * common flags accepted by every command.
 */
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { sqlFile, writeMigrations } from '../migrate/engine-support.ts';
import { forEachDialect, tempDir } from '../support/dialects.ts';
import { atPrompt, runCli } from './cli-support.ts';

const INIT = sqlFile("create table orders (id integer primary key, status text);\ninsert into orders values (1, 'open');", {
  down: 'drop table orders;',
});

/** Runs `migrate up` on a pseudo-terminal and presses `keys` at the prompt. */
function atUpPrompt(db: string, migrations: string, dir: string, keys: string): Promise<{ code: number | null; out: string }> {
  return atPrompt(['migrate', 'up', '--db', db, '--dir', migrations], keys, dir);
}

test('at a terminal prompt, Ctrl-C exits 130 and Ctrl-D declines (exit 4); neither changes anything', {
  skip: !existsSync('/usr/bin/script') && 'needs util-linux script for a pseudo-terminal',
}, async () => {
  const dir = tempDir();
  const migrations = writeMigrations(dir, { '1_init.sql': INIT });
  const db = `sqlite:${join(dir, 't.db')}`;
  writeFileSync(join(dir, 't.db'), '');

  const interrupted = await atUpPrompt(db, migrations, dir, '\x03');
  assert.equal(interrupted.code, 130, interrupted.out);
  assert.match(interrupted.out, /error \[INTERRUPTED\]: interrupted at the confirmation prompt \(Ctrl-C\): nothing was changed/);
  assert.doesNotMatch(interrupted.out, /ABORT_ERR/);

  const eof = await atUpPrompt(db, migrations, dir, '\x04');
  assert.equal(eof.code, 4, eof.out);
  assert.match(eof.out, /cancelled: nothing was changed/);
  assert.doesNotMatch(eof.out, /ABORT_ERR/);

  const status = await runCli(['migrate', 'status', '--db', db, '--dir', migrations, '--json'], dir);
  assert.equal(JSON.parse(status.stdout).current, null, 'nothing was applied');
});

forEachDialect('migrate exit codes (CLI)', (target) => {
  test('status exits 4 when an applied file was edited (drift), and still prints the report', async () => {
    const { url, dir } = await target.create();
    const migrations = writeMigrations(dir, { '1_init.sql': INIT });
    const flags = ['--db', url, '--dir', migrations];
    assert.equal((await runCli(['migrate', 'up', ...flags, '--yes'], dir)).code, 0);
    assert.equal((await runCli(['migrate', 'status', ...flags], dir)).code, 0, 'no drift: 0');
    writeMigrations(dir, { '1_init.sql': `${INIT}\n-- edited` });
    const text = await runCli(['migrate', 'status', ...flags], dir);
    assert.equal(text.code, 4, text.stderr);
    assert.match(text.stdout, /DRIFT \[\w+\]: .*1_init\.sql was edited after it was applied/);
    const json = await runCli(['migrate', 'status', ...flags, '--json'], dir);
    assert.equal(json.code, 4);
    assert.equal(JSON.parse(json.stdout).drift.length, 1);
  });

  test('restore and new accept the flags every migrate command takes (--db, --dir, --source, --table, --json)', async () => {
    const { url, dir } = await target.create();
    const migrations = writeMigrations(dir, { '1_init.sql': INIT });
    const common = ['--db', url, '--dir', migrations, '--source', 'mine', '--table', 'schema_migrations', '--json'];
    assert.equal((await runCli(['migrate', 'up', ...common, '--yes'], dir)).code, 0);
    assert.equal((await runCli(['migrate', 'backup', ...common], dir)).code, 0);
    const restored = await runCli(['migrate', 'restore', ...common, '--yes'], dir);
    assert.equal(restored.code, 0, `${restored.stdout}\n${restored.stderr}`);
    assert.doesNotMatch(restored.stdout + restored.stderr, /unknown option/);
    const created = await runCli(['migrate', 'new', 'next', ...common], dir);
    assert.equal(created.code, 0, `${created.stdout}\n${created.stderr}`);
    assert.match(JSON.parse(created.stdout).path, /2_next\.sql$/);
  });
});
