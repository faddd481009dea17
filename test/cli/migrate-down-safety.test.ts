/**
 * `migrate down` as a user meets it: botledger's own first migration cannot be reverted, a down
 * that would destroy rows says which and how many and is refused with --yes unless
 * --allow-data-loss, the prompt names the migration and the loss, and "nothing to revert".
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { sqlFile, writeMigrations } from '../migrate/engine-support.ts';
import { forEachDialect, tempDir } from '../support/dialects.ts';
import { atPrompt, runCli } from './cli-support.ts';

const TRADES = sqlFile("create table trades (id integer primary key, note text);\ninsert into trades values (1, 'a'), (2, 'b');", {
  down: 'drop table trades;',
});

forEachDialect('botledger migrate down (CLI)', (target) => {
  test("down --yes --to 0001 on the core schema exits 4 (0002 irreversible); the ledger's tables stay", async () => {
    const { url, dir } = await target.create();
    assert.equal((await runCli(['migrate', 'up', '--db', url, '--yes'], dir)).code, 0);
    // 0004 and 0003 are reversible; below them, 0002 and 0001 are irreversible: refused before anything runs.
    const down = await runCli(['migrate', 'down', '--db', url, '--to', '0001', '--yes', '--allow-data-loss', '--json'], dir);
    assert.equal(down.code, 4, down.stdout + down.stderr);
    const error = JSON.parse(down.stdout).error;
    assert.equal(error.code, 'IRREVERSIBLE');
    assert.match(error.message, /0002_ledger_identity\.ts/);
    const status = JSON.parse((await runCli(['migrate', 'status', '--db', url, '--json'], dir)).stdout);
    assert.equal(status.current, '0005');
  });

  test('down --yes that would drop rows exits 4 naming table and count; --allow-data-loss reverts after a backup', async () => {
    const { url, dir } = await target.create();
    const migrations = writeMigrations(dir, { '1_trades.sql': TRADES });
    const flags = ['--db', url, '--dir', migrations];
    assert.equal((await runCli(['migrate', 'up', ...flags, '--yes'], dir)).code, 0);
    const refused = await runCli(['migrate', 'down', ...flags, '--yes'], dir);
    assert.equal(refused.code, 4, refused.stderr);
    assert.match(
      refused.stderr,
      /DATA_LOSS.*1_trades\.sql would destroy 2 row\(s\)[\s\S]*table (public\.)?trades dropped with 2 row\(s\)[\s\S]*--allow-data-loss/,
    );
    const json = await runCli(['migrate', 'down', ...flags, '--yes', '--json'], dir);
    assert.equal(json.code, 4);
    const details = JSON.parse(json.stdout).error.details;
    assert.equal(details.rowsLost, 2);
    assert.match(details.dataLoss[0].table, /trades$/);
    assert.equal(JSON.parse((await runCli(['migrate', 'status', ...flags, '--json'], dir)).stdout).current, '1', 'nothing reverted');
    const allowed = await runCli(['migrate', 'down', ...flags, '--yes', '--allow-data-loss'], dir);
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.match(
      allowed.stdout,
      /reverted 1 migration\(s\)[\s\S]*data destroyed:\n {2}1_trades\.sql: table (public\.)?trades dropped with 2 row\(s\)/,
    );
    assert.match(allowed.stdout, /backup: \S+/);
    const nothing = await runCli(['migrate', 'down', ...flags, '--yes'], dir);
    assert.equal(nothing.code, 0);
    assert.match(nothing.stdout, /nothing to revert/);
    assert.match(nothing.stderr, /nothing to revert/);
    assert.doesNotMatch(nothing.stdout + nothing.stderr, /up to date/);
  });
});

test('on a terminal, down shows the migration and the rows it would destroy before asking', {
  skip: !existsSync('/usr/bin/script') && 'needs util-linux script for a pseudo-terminal',
}, async () => {
  const dir = tempDir();
  const migrations = writeMigrations(dir, { '1_trades.sql': TRADES });
  const db = `sqlite:${join(dir, 't.db')}`;
  assert.equal((await runCli(['migrate', 'up', '--db', db, '--dir', migrations, '--yes'], dir)).code, 0);
  const out = await atPrompt(['migrate', 'down', '--db', db, '--dir', migrations], 'n\n', dir);
  assert.match(out.out, /would revert \(newest first\): 1_trades\.sql/);
  assert.match(out.out, /data lost: 2 row\(s\)[\s\S]*table trades dropped with 2 row\(s\)/);
  assert.match(out.out, /Revert 1_trades\.sql on sqlite:.*t\.db, DESTROYING 2 row\(s\) \(listed above\)\? \[y\/N\]/);
  assert.equal(out.code, 4);
});
