import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isBoundedVarchar, isUnboundedText, lineAt, maskSql, parseColumnType, parseStatement } from '../../../src/migrate/lint/lint-sql.ts';

test('maskSql blanks comments, strings and dollar-quoted bodies but keeps offsets and line breaks', () => {
  const text = "select 'drop table x' -- drop table y\n, $$ alter table z rename to w $$, E'it\\'s; drop', \"Quoted\" /* drop\ncolumn */";
  const masked = maskSql(text);
  assert.equal(masked.length, text.length);
  assert.equal(masked.split('\n').length, text.split('\n').length);
  assert.doesNotMatch(masked, /drop|alter|rename/i);
  assert.match(masked, /"Quoted"/);
});

test('parseStatement reads every ALTER TABLE action, with quoted and qualified names', () => {
  const ops = parseStatement(`ALTER TABLE IF EXISTS ONLY "monitoring"."Positions"
    ALTER COLUMN "Exit_Reason" SET DATA TYPE character varying(50),
    ADD COLUMN IF NOT EXISTS created_at timestamp with time zone DEFAULT (now() + interval '1, day') NOT NULL,
    ADD CONSTRAINT positions_pk PRIMARY KEY (id),
    DROP CONSTRAINT old_check,
    DROP extra CASCADE,
    ALTER note SET NOT NULL,
    RENAME COLUMN a TO b`);
  assert.deepEqual(
    ops.map((op) => op.kind),
    ['alter-table', 'alter-type', 'add-column', 'drop-column', 'set-not-null', 'rename-column'],
  );
  const [, alterType, add, drop] = ops;
  assert.deepEqual(alterType.table, { schema: 'monitoring', name: 'Positions' });
  assert.equal(alterType.kind === 'alter-type' && alterType.column, 'Exit_Reason');
  assert.equal(alterType.kind === 'alter-type' && alterType.type.length, 50);
  assert.ok(add.kind === 'add-column');
  assert.equal(add.defaultExpression, "(now() + interval '1, day')");
  assert.equal(add.notNull, true);
  assert.equal(drop.kind === 'drop-column' && drop.column, 'extra');
});

test('parseStatement: CREATE INDEX with and without a name, DROP TABLE lists, rebuild statements, and nothing else', () => {
  assert.deepEqual(parseStatement('create index on trades (plugin_id)'), [
    { kind: 'create-index', table: { name: 'trades' }, concurrently: false, name: undefined, at: 0 },
  ]);
  const [index] = parseStatement('CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS idx ON ONLY public.trades USING btree (id)');
  assert.ok(index.kind === 'create-index' && index.concurrently && index.name === 'idx');
  assert.deepEqual(
    parseStatement('DROP TABLE IF EXISTS a, b.c CASCADE').map((op) => op.table),
    [{ name: 'a' }, { schema: 'b', name: 'c' }],
  );
  const [create] = parseStatement(
    'CREATE TABLE t_new (id integer PRIMARY KEY, reason varchar(10) NOT NULL, amount numeric(38,18), CONSTRAINT u UNIQUE (reason))',
  );
  assert.ok(create.kind === 'create-table');
  assert.deepEqual(
    create.columns.map((c) => [c.name, c.type?.raw]),
    [
      ['id', 'integer'],
      ['reason', 'varchar(10)'],
      ['amount', 'numeric(38,18)'],
    ],
  );
  assert.equal(parseStatement('INSERT INTO t_new (id) SELECT id FROM t')[0].kind, 'insert-select');
  assert.deepEqual(parseStatement("UPDATE t SET note = 'alter table t drop column x'"), []);
  assert.deepEqual(parseStatement('DO $$ BEGIN ALTER TABLE t DROP COLUMN x; END $$'), []);
});

test('column types: bounded varchar, unbounded text, arrays and char(n) are told apart', () => {
  assert.ok(isBoundedVarchar(parseColumnType('VARCHAR(100)')));
  assert.ok(isBoundedVarchar(parseColumnType('character varying(100)')));
  assert.ok(!isBoundedVarchar(parseColumnType('character varying(100)[]')));
  assert.ok(!isBoundedVarchar(parseColumnType('char(10)')));
  assert.ok(isUnboundedText(parseColumnType('TEXT')));
  assert.ok(isUnboundedText(parseColumnType('varchar')));
  assert.ok(!isUnboundedText(parseColumnType('text[]')));
  assert.equal(parseColumnType('NOT NULL'), undefined);
});

test('lineAt counts lines from the statement start', () => {
  assert.equal(lineAt('alter table t\n  drop column x', 7, 16), 8);
});
