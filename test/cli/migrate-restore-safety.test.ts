/**
 * `migrate restore` as a user meets it: another database's backup is refused unless --force, the
 * database being overwritten is backed up first and the output says where, and `--help` describes
 * `--schema` as what it is for restore.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { sqlFile, writeMigrations } from '../migrate/engine-support.ts';
import { forEachDialect, tempDir } from '../support/dialects.ts';
import { runCli } from './cli-support.ts';

forEachDialect('botledger migrate restore (CLI)', (target) => {
  test("another database's backup exits 4 naming both; --force restores it and prints the safety backup", async () => {
    const other = await target.create();
    const mine = await target.create();
    const otherDir = writeMigrations(other.dir, { '1_a.sql': sqlFile('create table a (id integer);') });
    const myDir = writeMigrations(mine.dir, { '1_b.sql': sqlFile('create table b (id integer);') });
    assert.equal((await runCli(['migrate', 'up', '--db', other.url, '--dir', otherDir, '--yes'], other.dir)).code, 0);
    const backup = JSON.parse((await runCli(['migrate', 'backup', '--db', other.url, '--dir', otherDir, '--json'], other.dir)).stdout);
    assert.equal((await runCli(['migrate', 'up', '--db', mine.url, '--dir', myDir, '--yes'], mine.dir)).code, 0);

    const refused = await runCli(['migrate', 'restore', backup.path, '--db', mine.url, '--yes'], mine.dir);
    assert.equal(refused.code, 4, refused.stderr);
    assert.match(refused.stderr, /BACKUP_OTHER_DATABASE/);
    assert.ok(refused.stderr.includes(`taken of ${other.url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@')}`), refused.stderr);
    assert.ok(refused.stderr.includes(`not of ${mine.url}`), refused.stderr);
    const status = JSON.parse((await runCli(['migrate', 'status', '--db', mine.url, '--dir', myDir, '--json'], mine.dir)).stdout);
    assert.equal(status.applied[0].fileName, '1_b.sql', 'nothing changed');

    const forced = await runCli(['migrate', 'restore', backup.path, '--db', mine.url, '--yes', '--force'], mine.dir);
    assert.equal(forced.code, 0, forced.stderr);
    const safety = /the database as it was before: (\S+)/.exec(forced.stdout)?.[1];
    assert.ok(safety && existsSync(safety), forced.stdout);
    assert.match(forced.stderr, /backed up the database as it was before the restore: \S+/);
    const json = await runCli(['migrate', 'restore', safety, '--db', mine.url, '--yes', '--json'], mine.dir);
    assert.equal(json.code, 0, json.stdout);
    assert.ok(existsSync(JSON.parse(json.stdout).safetyBackup.path));
    const back = JSON.parse((await runCli(['migrate', 'status', '--db', mine.url, '--dir', myDir, '--json'], mine.dir)).stdout);
    assert.equal(back.applied[0].fileName, '1_b.sql', 'the safety backup undid the forced restore');
  });
});

test('migrate restore --help describes --schema as the schema to restore, and --force', async () => {
  const help = await runCli(['migrate', 'restore', '--help'], tempDir());
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--schema <schema>\s+PostgreSQL: restore only this schema/);
  assert.doesNotMatch(help.stdout, /back up only this schema/);
  assert.match(help.stdout, /--force\s+restore even a backup taken of another database/);
});
