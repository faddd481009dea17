import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { structureReport } from '../../scripts/check-layers.ts';
import { findSqlText, findSqlTextIn, looksLikeSql, mayHoldSql } from '../../scripts/check-sql-text.ts';
import { tempDir } from '../support/dialects.ts';

function srcTree(files: Record<string, string>): string {
  const src = tempDir();
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(src, path)), { recursive: true });
    writeFileSync(join(src, path), text);
  }
  return src;
}

const kinds = (text: string) => findSqlTextIn('x.ts', text).map((v) => [v.line, v.kind]);

test('a SQL string in the engine is reported with its file and line', () => {
  const src = srcTree({ 'engine/retries.ts': "// due orders\nexport const due = 'select * from orders where status = ? order by id';\n" });
  const found = findSqlText(src);
  assert.equal(found.length, 1);
  assert.match(found[0].file, /engine[/\\]retries\.ts$/);
  assert.equal(found[0].line, 2);
  assert.equal(found[0].kind, 'SQL statement');
  assert.match(found[0].text, /^select \* from orders/);
});

test("every layer outside storage and migrate is checked, the paper venue's own database excepted", () => {
  const statement = "export const q = 'insert into orders (id) values (?)';\n";
  const src = srcTree({
    'engine/a.ts': statement,
    'app/a.ts': statement,
    'cli/a.ts': statement,
    'plugins/a.ts': statement,
    'domain/a.ts': statement,
    'api/a.ts': statement,
    'exchange/ccxt/a.ts': statement,
    'storage/repositories/a.ts': statement,
    'migrate/a.ts': statement,
    'exchange/paper/paper-store.ts': statement,
  });
  const files = findSqlText(src)
    .map((v) => v.file.split(/[/\\]/).slice(-2).join('/'))
    .sort();
  assert.deepEqual(files, ['api/a.ts', 'app/a.ts', 'ccxt/a.ts', 'cli/a.ts', 'domain/a.ts', 'engine/a.ts', 'plugins/a.ts']);
  assert.equal(mayHoldSql(src, join(src, 'exchange', 'paper', 'paper-store.ts')), true);
  assert.equal(mayHoldSql(src, join(src, 'exchange', 'paperwork.ts')), false);
});

test('statement shapes are SQL in either case; English sentences and bare words are not', () => {
  for (const sql of [
    'select * from orders where id = ?',
    'SELECT id, status FROM orders',
    'select count(*) as n from orders where bot_id = ?',
    'select o.side, f.price from orders o join fills f on f.order_id = o.id',
    'insert into event_log (id) values (?)',
    'INSERT OR IGNORE INTO fills (order_id) VALUES (?)',
    'update bots set status = ? where id = ?',
    'delete from orders where id = ?',
    'create table if not exists x (a int)',
    'CREATE UNIQUE INDEX orders_client_idx ON orders (client_order_id)',
    'alter table orders add column note text',
    'drop index if exists orders_client_idx',
    'pragma journal_mode = wal',
    'BEGIN IMMEDIATE',
    'begin transaction',
    'COMMIT',
    'ROLLBACK',
    'savepoint batch_1',
  ]) {
    assert.equal(looksLikeSql(sql), true, sql);
  }
  for (const english of [
    'Select a bot from the list',
    'select a bot from the list',
    'Update the bot settings, then start it again',
    'Insert into the form the amount you want',
    'Delete from the dashboard with the bin icon',
    'We select the rows from the table',
    'Create an index card',
    'Drop the table',
    'commit',
    'begin',
    'rollback',
    'Pragma is a word too',
    'Order bl-b1-7 cancelled outside botledger - bot stopped',
  ]) {
    assert.equal(looksLikeSql(english), false, english);
  }
});

test('template literals with holes, Kysely raw SQL and query builders are found', () => {
  const text = [
    "import { sql as raw } from 'kysely';", // 1
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the source text of a fixture file
    'const a = `update ${table} set status = ? where id = ?`;', // 2
    'const b = raw`select 1`;', // 3
    'const c = raw.ref("orders.id");', // 4
    "const d = db.selectFrom('orders').selectAll().where('id', '=', id).execute();", // 5
    "const e = trx.insertInto('fills').values(row);", // 6
    "const f = db.schema.createTable('x').execute();", // 7
    "handle.pragma('foreign_keys = ON');", // 8
    "connection.exec('BEGIN IMMEDIATE');", // 9
  ].join('\n');
  assert.deepEqual(kinds(text), [
    [2, 'SQL statement'],
    [3, 'Kysely sql template'],
    [4, 'Kysely sql.ref('],
    [5, 'Kysely query builder .selectFrom('],
    [6, 'Kysely query builder .insertInto('],
    [7, 'Kysely schema builder .schema.createTable('],
    [8, 'SQLite .pragma('],
    [9, 'SQL statement'],
  ]);
});

test('comments, import paths, a string called sql and messages are not SQL', () => {
  const text = [
    '// select * from orders where id = ? (a comment, kept as documentation)',
    '/* insert into orders (id) values (?) */',
    "import { selectFromList } from './select-from.ts';",
    "const sql = 'a string';",
    'const trimmed = sql.trim();',
    "const phase: 'begin' | 'commit' = 'commit';",
    "throw new Error('Select a bot from the list, or create one with: botledger bot create');",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the source text of a fixture file
    'const note = `Update the bot set-up in ${file}`;',
    'list.selectFromCache(key);',
  ].join('\n');
  assert.deepEqual(findSqlTextIn('x.ts', text), []);
});

test('the rules run on the real src/ and report only where SQL is not allowed', () => {
  const src = resolve('src');
  const found = findSqlText(src);
  for (const v of found) {
    assert.ok(v.line > 0, `${v.file} has a line`);
    assert.match(v.file, /^src[/\\]/);
    assert.equal(mayHoldSql(src, resolve(v.file)), false, `${v.file} may hold SQL`);
  }
  // The paper venue's own database holds SQL, and it is not reported.
  const paperStore = join(src, 'exchange', 'paper', 'paper-store.ts');
  assert.ok(findSqlTextIn(paperStore, readFileSync(paperStore, 'utf8')).length > 0);
  assert.ok(!found.some((v) => /exchange[/\\]paper[/\\]|[/\\]storage[/\\]|[/\\]migrate[/\\]/.test(v.file)));
});

test('the real src/ is clean: no layer violation, no SQL outside storage and migrate, no import cycle', () => {
  assert.deepEqual(structureReport(resolve('src')), []);
});
