import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { DatabaseUrlError, openDatabase, parseDatabaseUrl, resolveDatabaseUrl } from '../../src/storage/database.ts';
import { forEachDialect } from '../support/dialects.ts';

test('parseDatabaseUrl understands sqlite: and postgres:// and names a bad URL', () => {
  assert.equal(parseDatabaseUrl('sqlite:data/x.db').dialect, 'sqlite');
  assert.equal(parseDatabaseUrl('postgres://u@h/db').dialect, 'postgres');
  assert.equal(parseDatabaseUrl('postgresql://u@h/db').dialect, 'postgres');
  assert.throws(() => parseDatabaseUrl('mysql://u@h/db'), (error: Error) => error instanceof DatabaseUrlError && error.message.includes('mysql://u@h/db'));
});

test('resolveDatabaseUrl prefers the flag, then BOTLEDGER_DB, then the default', () => {
  assert.equal(resolveDatabaseUrl('sqlite:a.db', { BOTLEDGER_DB: 'sqlite:b.db' }), 'sqlite:a.db');
  assert.equal(resolveDatabaseUrl(undefined, { BOTLEDGER_DB: 'sqlite:b.db' }), 'sqlite:b.db');
  assert.equal(resolveDatabaseUrl(undefined, {}), 'sqlite:data/botledger.db');
});

test('a SQLite database is opened in WAL mode, synchronous FULL, with foreign keys on', async () => {
  const { sqliteTarget } = await import('../support/dialects.ts');
  const { url } = await sqliteTarget.create();
  const database = await openDatabase(url);
  try {
    assert.equal(database.sqlite?.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(database.sqlite?.pragma('synchronous', { simple: true }), 2);
    assert.equal(database.sqlite?.pragma('foreign_keys', { simple: true }), 1);
  } finally {
    await database.close();
  }
});

test('an unreachable PostgreSQL URL fails on open and names the server', async () => {
  await assert.rejects(openDatabase('postgres://postgres:secret@127.0.0.1:1/nowhere'), (error: Error) => {
    assert.match(error.message, /127\.0\.0\.1:1/);
    assert.doesNotMatch(error.message, /secret/);
    return true;
  });
});

forEachDialect('openDatabase', (target) => {
  test('runs a query through Kysely and reports it to the observer', async () => {
    const { url } = await target.create();
    const database = await openDatabase(url);
    const seen: string[] = [];
    database.queryObserver = (event) => seen.push(event.sql);
    try {
      const result = await sql<{ one: number }>`select 1 as one`.execute(database.db);
      assert.equal(Number(result.rows[0].one), 1);
      assert.deepEqual(seen, ['select 1 as one']);
    } finally {
      await database.close();
    }
  });
});

forEachDialect('query observer', (target) => {
  test('reports the rows an UPDATE changed, so plan can show them for .ts migrations', async () => {
    const { url } = await target.create();
    const database = await openDatabase(url);
    try {
      await sql`create table t (id integer primary key, v text)`.execute(database.db);
      await sql`insert into t (id, v) values (1, 'a'), (2, 'a'), (3, 'b')`.execute(database.db);
      const seen: { sql: string; rowsAffected?: number }[] = [];
      database.queryObserver = (event) => seen.push({ sql: event.sql, rowsAffected: event.rowsAffected });
      await database.db.updateTable('t').set({ v: 'c' }).where('v', '=', 'a').execute();
      assert.equal(seen.length, 1);
      assert.match(seen[0].sql, /^update "t"/);
      assert.equal(seen[0].rowsAffected, 2);
    } finally {
      await database.close();
    }
  });
});
