/**
 * `restore` refuses a backup whose sidecar names another database unless forced, and backs up
 * the database it overwrites first, so that a mistaken restore is undone by another restore.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { sql } from 'kysely';
import { backupDatabase, restoreBackup } from '../../../src/migrate/backup/backup.ts';
import { MigrateError } from '../../../src/migrate/errors.ts';
import { openDatabase, redactUrl } from '../../../src/storage/database.ts';
import { forEachDialect } from '../../support/dialects.ts';

/** A database holding one table `notes` with the given rows; returns a backup of it. */
async function withNotes(url: string, dir: string, notes: string[]) {
  const database = await openDatabase(url);
  try {
    await sql`create table notes (id integer primary key, text text not null)`.execute(database.db);
    for (const [i, text] of notes.entries()) await sql`insert into notes values (${i + 1}, ${text})`.execute(database.db);
    return await backupDatabase(database, { dir: join(dir, 'backups'), atVersion: null });
  } finally {
    await database.close();
  }
}

async function notes(url: string): Promise<string[]> {
  const database = await openDatabase(url);
  try {
    return (await sql<{ text: string }>`select text from notes order by id`.execute(database.db)).rows.map((r) => r.text);
  } finally {
    await database.close();
  }
}

forEachDialect('restore safeguards', (target) => {
  test('a backup of another database is refused naming both (exit 4); --force restores it after backing the target up', async () => {
    const other = await target.create();
    const mine = await target.create();
    const foreign = await withNotes(other.url, other.dir, ['theirs']);
    await withNotes(mine.url, mine.dir, ['mine 1', 'mine 2']);
    const dir = join(mine.dir, 'backups');
    await assert.rejects(restoreBackup(mine.url, foreign.path, { dir }), (error: unknown) => {
      assert.ok(error instanceof MigrateError);
      assert.equal(error.code, 'BACKUP_OTHER_DATABASE');
      assert.equal(error.exitCode, 4);
      assert.ok(error.message.includes(redactUrl(other.url)), error.message);
      assert.ok(error.message.includes(redactUrl(mine.url)), error.message);
      assert.match(error.message, /--force/);
      return true;
    });
    assert.deepEqual(await notes(mine.url), ['mine 1', 'mine 2'], 'nothing changed');

    const forced = await restoreBackup(mine.url, foreign.path, { dir, force: true });
    assert.deepEqual(await notes(mine.url), ['theirs']);
    assert.ok(forced.safetyBackup && existsSync(forced.safetyBackup.path), 'the overwritten database was backed up first');
    const undone = await restoreBackup(mine.url, forced.safetyBackup.path, { dir });
    assert.deepEqual(await notes(mine.url), ['mine 1', 'mine 2'], 'the safety backup undoes the mistaken restore');
    assert.ok(undone.safetyBackup);
  });

  test('a backup of the same database restores without --force, and what it overwrote is kept', async () => {
    const mine = await target.create();
    const dir = join(mine.dir, 'backups');
    const backup = await withNotes(mine.url, mine.dir, ['old']);
    const database = await openDatabase(mine.url);
    await sql`insert into notes values (2, 'new')`.execute(database.db);
    await database.close();
    const seen: string[] = [];
    const result = await restoreBackup(mine.url, backup.path, { dir, onSafetyBackup: (b) => seen.push(b.path) });
    assert.deepEqual(await notes(mine.url), ['old']);
    assert.deepEqual(seen, [result.safetyBackup?.path]);
    assert.ok(existsSync(backup.path), 'the restored backup was not pushed out by retention');
    await restoreBackup(mine.url, result.safetyBackup!.path, { dir });
    assert.deepEqual(await notes(mine.url), ['old', 'new']);
  });
});
