import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { sqlFile, writeMigrations } from '../migrate/engine-support.ts';
import { forEachDialect } from '../support/dialects.ts';
import { atPrompt, runCli } from './cli-support.ts';

const INIT = sqlFile("create table orders (id integer primary key, status text);\ninsert into orders values (1, 'open');", {
  down: 'drop table orders;',
});

forEachDialect('botledger migrate (CLI)', (target) => {
  test('status --json, up refused without --yes off a terminal (exit 4), up --yes, then a no-op', async () => {
    const { url, dir } = await target.create();
    const migrations = writeMigrations(dir, { '1_init.sql': INIT });
    const flags = ['--db', url, '--dir', migrations];

    const status = await runCli(['migrate', 'status', ...flags, '--json'], dir);
    assert.equal(status.code, 0, status.stderr);
    const report = JSON.parse(status.stdout);
    assert.equal(report.current, null);
    assert.deepEqual(
      report.pending.map((p: { fileName: string }) => p.fileName),
      ['1_init.sql'],
    );

    const refused = await runCli(['migrate', 'up', ...flags], dir);
    assert.equal(refused.code, 4);
    assert.match(refused.stderr, /CONFIRMATION_REQUIRED.*pass --yes/);
    const refusedJson = await runCli(['migrate', 'up', ...flags, '--json'], dir);
    assert.equal(refusedJson.code, 4);
    assert.equal(JSON.parse(refusedJson.stdout).error.code, 'CONFIRMATION_REQUIRED');

    const up = await runCli(['migrate', 'up', ...flags, '--yes'], dir);
    assert.equal(up.code, 0, up.stderr);
    assert.match(up.stderr, /applying 1_init \.\.\./);
    assert.match(up.stdout, /applied 1 migration\(s\); now at version 1/);

    const again = await runCli(['migrate', 'up', ...flags, '--json'], dir);
    assert.equal(again.code, 0, 'nothing pending needs no confirmation');
    assert.deepEqual(JSON.parse(again.stdout).applied, []);
  });

  test('a failing migration exits 1, prints where it failed and the backup path, and changes nothing', async () => {
    const { url, dir } = await target.create();
    const migrations = writeMigrations(dir, {
      '1_init.sql': INIT,
      '2_bad.sql': sqlFile('alter table orders add column x text;\nselect * from missing_table;'),
    });
    const plan = await runCli(['migrate', 'plan', '--db', url, '--dir', migrations], dir);
    assert.equal(plan.code, 1, 'plan exits as up would');
    assert.match(plan.stdout, /REHEARSAL FAILED: .*2_bad\.sql/);
    const result = await runCli(['migrate', 'up', '--db', url, '--dir', migrations, '--yes'], dir);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /2_bad\.sql \(up\) failed at line 3: .*missing_table/);
    const backup = /backup taken before this run: (\S+)/.exec(result.stderr)?.[1];
    assert.ok(backup && existsSync(backup), `backup path printed and present: ${result.stderr}`);
    const json = await runCli(['migrate', 'status', '--db', url, '--dir', migrations, '--json'], dir);
    const status = JSON.parse(json.stdout);
    assert.equal(status.current, '1', '1 applied, 2 rolled back');
    const failedJson = await runCli(['migrate', 'up', '--db', url, '--dir', migrations, '--yes', '--json'], dir);
    assert.equal(failedJson.code, 1);
    const error = JSON.parse(failedJson.stdout).error;
    assert.equal(error.code, 'STATEMENT_FAILED');
    assert.equal(error.details.line, 3);
    assert.equal(error.details.file, '2_bad.sql');
    assert.ok(existsSync(error.details.backupPath));
  });

  test('drift exits 4 naming the file; down, plan and verify work from the CLI', async () => {
    const { url, dir } = await target.create();
    const migrations = writeMigrations(dir, { '1_init.sql': INIT });
    const flags = ['--db', url, '--dir', migrations];
    assert.equal((await runCli(['migrate', 'up', ...flags, '--yes'], dir)).code, 0);
    const plan = await runCli(['migrate', 'plan', ...flags], dir);
    assert.equal(plan.code, 0);
    assert.match(plan.stdout, /nothing to apply/);
    assert.equal((await runCli(['migrate', 'verify', ...flags], dir)).code, 0);
    writeMigrations(dir, { '1_init.sql': `${INIT}-- edited\n` });
    const drift = await runCli(['migrate', 'up', ...flags, '--yes'], dir);
    assert.equal(drift.code, 4);
    assert.match(drift.stderr, /migration 1_init\.sql was edited after it was applied/);
    writeMigrations(dir, { '1_init.sql': INIT });
    assert.equal((await runCli(['migrate', 'down', ...flags], dir)).code, 4, 'down also needs --yes off a terminal');
    // 1_init's down drops a table holding a row: that needs --allow-data-loss besides --yes.
    const down = await runCli(['migrate', 'down', ...flags, '--yes', '--allow-data-loss', '--json'], dir);
    assert.equal(down.code, 0, down.stdout);
    assert.deepEqual(
      JSON.parse(down.stdout).reverted.map((r: { fileName: string }) => r.fileName),
      ['1_init.sql'],
    );
  });

  test('restore puts back the newest backup (taken by up) and needs --yes off a terminal', async () => {
    const { url, dir } = await target.create();
    const migrations = writeMigrations(dir, { '1_init.sql': INIT });
    const flags = ['--db', url, '--dir', migrations];
    assert.equal((await runCli(['migrate', 'up', ...flags, '--yes'], dir)).code, 0);
    writeMigrations(dir, { '2_more.sql': sqlFile('create table more (id integer);') });
    assert.equal((await runCli(['migrate', 'up', ...flags, '--yes'], dir)).code, 0);
    assert.equal((await runCli(['migrate', 'restore', '--db', url], dir)).code, 4);
    const restored = await runCli(['migrate', 'restore', '--db', url, '--yes', '--json'], dir);
    assert.equal(restored.code, 0, restored.stdout + restored.stderr);
    assert.deepEqual(
      JSON.parse(restored.stdout).applied.map((a: { version: string }) => a.version),
      ['1'],
    );
    const status = JSON.parse((await runCli(['migrate', 'status', ...flags, '--json'], dir)).stdout);
    assert.equal(status.current, '1', 'the database is back at the version the backup was taken at');
    assert.deepEqual(
      status.pending.map((p: { fileName: string }) => p.fileName),
      ['2_more.sql'],
    );
  });
});

test('usage errors exit 2 and name the flag; --json makes them a JSON document', async () => {
  const dir = join(process.cwd(), 'test');
  const cases: [string[], RegExp][] = [
    [['migrate', 'up', '--keep', 'abc'], /--keep must be a whole number/],
    [['migrate', 'up', '--lock-timeout', '-1'], /--lock-timeout must be a number of seconds/],
    [['migrate', 'up', '--lock-timeout', 'soon'], /--lock-timeout/],
    [['migrate', 'down', '--to', 'v2'], /--to must be a migration version/],
    [['migrate', 'frobnicate'], /unknown command 'frobnicate'/],
    [['migrate', 'status', '--colour'], /unknown option '--colour'/],
    [['migrate', 'status', '--db', 'mysql://x'], /database URL "mysql:\/\/x" is not understood/],
    [['migrate', 'new', 'bad name', '--dir', '/tmp'], /migration name "bad name" is not valid/],
  ];
  for (const [index, [args, pattern]] of cases.entries()) {
    const human = await runCli(args, dir);
    assert.equal(human.code, 2, `${args.join(' ')}: ${human.stderr}`);
    assert.match(human.stderr, pattern);
    if (index % 3 !== 0) continue; // the JSON form of a few of them is enough (each spawn costs a second)
    const json = await runCli([...args, '--json'], dir);
    assert.equal(json.code, 2);
    assert.match(JSON.parse(json.stdout).error.message, pattern);
  }
});

test('migrate new writes the next numbered file; --version and --help exit 0', async () => {
  const { tempDir } = await import('../support/dialects.ts');
  const dir = tempDir();
  const migrations = writeMigrations(dir, { '0001_init.sql': INIT });
  const created = await runCli(['migrate', 'new', 'add_reason', '--dir', migrations, '--json'], dir);
  assert.equal(created.code, 0, created.stderr);
  assert.match(JSON.parse(created.stdout).path, /0002_add_reason\.sql$/);
  assert.deepEqual(readdirSync(migrations).sort(), ['0001_init.sql', '0002_add_reason.sql']);
  assert.equal((await runCli(['--version'], dir)).code, 0);
  const help = await runCli(['migrate', '--help'], dir);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /plan[\s\S]*up[\s\S]*down[\s\S]*restore/);
});

test('on a terminal, up shows the plan and asks; "n" changes nothing (exit 4), "y" applies', {
  skip: !existsSync('/usr/bin/script') && 'needs util-linux script for a pseudo-terminal',
}, async () => {
  const { tempDir } = await import('../support/dialects.ts');
  const dir = tempDir();
  const migrations = writeMigrations(dir, { '1_init.sql': INIT });
  // `script` gives the command a pseudo-terminal, so stdin and stdout are TTYs as for a person.
  const answer = (reply: string) => atPrompt(['migrate', 'up', '--db', `sqlite:${join(dir, 't.db')}`, '--dir', migrations], `${reply}\n`, dir);
  const no = await answer('n');
  assert.match(no.out, /1_init\.sql \(rehearsed in[\s\S]*Apply 1 migration\(s\) to sqlite:.*t\.db\? \[y\/N\]/);
  assert.match(no.out, /cancelled: nothing was changed/);
  assert.equal(no.code, 4);
  const yes = await answer('y');
  assert.equal(yes.code, 0, yes.out);
  assert.match(yes.out, /applied 1 migration\(s\); now at version 1/);
});
