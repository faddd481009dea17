/**
 * A fresh backup copy is checked with PRAGMA quick_check (backup-sqlite.ts explains why): it must
 * still find the damage a copy can have, wherever it is: a cut-off file, a scribbled table page,
 * a scribbled index page.
 */
import assert from 'node:assert/strict';
import { closeSync, openSync, statSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { COPY_CHECK, checkCopyInWorker, integrityOf } from '../../../src/migrate/backup/backup-sqlite.ts';
import { tempDir } from '../../support/dialects.ts';

const PAGE = 4096;

/** A table (written first) and an index on it (its pages come last in the file). */
function fileWithIndex(path: string): void {
  const raw = new BetterSqlite3(path);
  raw.exec('create table t (id integer primary key, v text not null)');
  const insert = raw.prepare('insert into t (v) values (?)');
  raw.transaction(() => {
    for (let i = 0; i < 5_000; i++) insert.run(`value ${i} `.repeat(5));
  })();
  raw.exec('create index t_v on t (v)');
  raw.close();
}

function scribble(path: string, page: number): void {
  const fd = openSync(path, 'r+');
  writeSync(fd, Buffer.alloc(PAGE, 0xab), 0, PAGE, PAGE * page);
  closeSync(fd);
}

test('quick_check is what a copy gets, and it finds a cut-off file, a damaged table page and a damaged index page', async () => {
  assert.equal(COPY_CHECK, 'quick_check');
  const dir = tempDir();
  const sound = join(dir, 'sound.db');
  fileWithIndex(sound);
  assert.equal(integrityOf(sound, COPY_CHECK), 'ok');
  assert.equal(await checkCopyInWorker(sound), 'ok');
  const pages = statSync(sound).size / PAGE;

  const cut = join(dir, 'cut.db');
  fileWithIndex(cut);
  truncateSync(cut, Math.floor(pages / 2) * PAGE);
  const table = join(dir, 'table.db');
  fileWithIndex(table);
  scribble(table, 3);
  const index = join(dir, 'index.db');
  fileWithIndex(index);
  scribble(index, pages - 2);
  for (const damaged of [cut, table, index]) {
    assert.notEqual(integrityOf(damaged, COPY_CHECK), 'ok', damaged);
    assert.notEqual(await checkCopyInWorker(damaged), 'ok', damaged);
  }
});
