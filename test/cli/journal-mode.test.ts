/**
 * A user's SQLite database keeps its journal mode through `migrate up`, `plan`, `down` and
 * `restore` (a rollback journal stays a rollback journal); botledger's own database is in WAL.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { sqlFile, writeMigrations } from '../migrate/engine-support.ts';
import { tempDir } from '../support/dialects.ts';
import { runCli } from './cli-support.ts';

function journalModeOf(path: string): string {
  const raw = new BetterSqlite3(path, { readonly: true, fileMustExist: true });
  try {
    return String(raw.pragma('journal_mode', { simple: true }));
  } finally {
    raw.close();
  }
}

test("a user's database in rollback-journal (DELETE) mode is still in that mode after migrate up, plan, down and restore", async () => {
  const dir = tempDir();
  const path = join(dir, 'legacy.db');
  const legacy = new BetterSqlite3(path);
  legacy.exec("create table trades (id integer primary key, logic_type text); insert into trades (logic_type) values ('logic1'), (null);");
  assert.equal(legacy.pragma('journal_mode', { simple: true }), 'delete');
  legacy.close();
  const migrations = writeMigrations(dir, {
    '1_plugin_id.sql': sqlFile("alter table trades add column plugin_id text not null default 'legacy';", {
      down: 'alter table trades drop column plugin_id;',
    }),
  });
  const flags = ['--db', `sqlite:${path}`, '--dir', migrations];
  const step = async (args: string[]) => {
    const result = await runCli([...args, ...flags], dir);
    assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
    assert.equal(journalModeOf(path), 'delete', `after ${args.join(' ')}`);
    assert.equal(existsSync(`${path}-wal`), false, `no -wal file after ${args.join(' ')}`);
  };

  await step(['migrate', 'plan']);
  await step(['migrate', 'up', '--yes']);
  await step(['migrate', 'down', '--yes']);
  await step(['migrate', 'up', '--yes']);
  const restore = await runCli(['migrate', 'restore', '--yes', '--db', `sqlite:${path}`], dir);
  assert.equal(restore.code, 0, restore.stderr);
  assert.equal(journalModeOf(path), 'delete', 'after restore');
  assert.equal(existsSync(`${path}-wal`), false, 'no -wal file after restore');
});

test("botledger's own database is in WAL after migrate up, a ledger command and restore", async () => {
  const dir = tempDir();
  const path = join(dir, 'ledger.db');
  const flags = ['--db', `sqlite:${path}`];
  const up = await runCli(['migrate', 'up', '--yes', ...flags], dir);
  assert.equal(up.code, 0, up.stderr);
  assert.equal(journalModeOf(path), 'wal');
  const list = await runCli(['bots', 'list', ...flags], dir);
  assert.equal(list.code, 0, list.stderr);
  assert.equal(journalModeOf(path), 'wal');
  const restore = await runCli(['migrate', 'restore', '--yes', ...flags], dir);
  assert.equal(restore.code, 0, restore.stderr);
  assert.equal(journalModeOf(path), 'wal', 'after restore');
});
