import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MigrationInputError } from '../../../src/migrate/errors.ts';
import { parseSqlMigration, splitSqlStatements } from '../../../src/migrate/sources/sql-file.ts';

describe('splitSqlStatements', () => {
  test('splits on semicolons and keeps the 1-based line each statement starts on', () => {
    const sql = 'create table a (x text);\n\n-- a comment; with a semicolon\ninsert into a values (1);\n  update a\n  set x = 2;';
    assert.deepEqual(splitSqlStatements(sql), [
      { sql: 'create table a (x text)', line: 1 },
      { sql: 'insert into a values (1)', line: 4 },
      { sql: 'update a\n  set x = 2', line: 5 },
    ]);
  });

  test('a semicolon inside quotes, comments or dollar quotes does not split', () => {
    const sql = [
      "insert into a values ('x;y', 'it''s; fine');",
      'select "odd;name" from a;',
      "select E'back\\'slash;';",
      'select 1 /* block; /* nested; */ still; */ + 1;',
      'create function f() returns int as $$ begin return 1; end; $$ language plpgsql;',
      'do $body$ begin perform 1; end $body$;',
      'select $1::int;',
    ].join('\n');
    const statements = splitSqlStatements(sql);
    assert.equal(statements.length, 7);
    assert.equal(statements[0].sql, "insert into a values ('x;y', 'it''s; fine')");
    assert.equal(statements[2].sql, "select E'back\\'slash;'");
    assert.match(statements[3].sql, /still; \*\/ \+ 1$/);
    assert.match(statements[4].sql, /\$\$ language plpgsql$/);
    assert.deepEqual(
      statements.map((s) => s.line),
      [1, 2, 3, 4, 5, 6, 7],
    );
  });

  test('a CREATE TRIGGER body (with CASE ... END inside) is one statement', () => {
    const sql = `create trigger t after insert on a
begin
  update b set n = case when new.x > 0 then 1 else 0 end;
  insert into log values (new.x);
end;
select 2;`;
    const statements = splitSqlStatements(sql);
    assert.equal(statements.length, 2);
    assert.match(statements[0].sql, /^create trigger[\s\S]*insert into log values \(new\.x\);\nend$/);
    assert.deepEqual(statements[1], { sql: 'select 2', line: 6 });
  });

  test('a multi-line string keeps later line numbers right, and a last statement needs no semicolon', () => {
    const statements = splitSqlStatements("insert into a values ('line1\nline2\nline3');\nselect 1");
    assert.deepEqual(statements[1], { sql: 'select 1', line: 4 });
  });

  test('unterminated quotes and comments are errors naming the line', () => {
    assert.throws(() => splitSqlStatements("select 1;\nselect 'oops;"), /line 2: unterminated string literal/);
    assert.throws(() => splitSqlStatements('select 1;\n\n/* never closed'), /line 3: unterminated \/\* comment/);
    assert.throws(() => splitSqlStatements('select $x$ never'), /unterminated dollar quote \$x\$/);
  });
});

describe('parseSqlMigration', () => {
  test('sections, directives and statement lines', () => {
    const text = `-- migrate:no-transaction
-- migrate:allow-row-change orders, Monitoring.Positions
-- migrate:up
alter table orders add reason text;
update orders set reason = 'x';

-- migrate:down
alter table orders drop column reason;

-- migrate:verify
select id from orders where reason is null;
select 1 where false
`;
    const parsed = parseSqlMigration(text, '0002_reason.sql');
    assert.deepEqual(parsed.config, { transaction: false, irreversible: false, allowRowChange: ['orders', 'monitoring.positions'] });
    assert.deepEqual(parsed.up, [
      { sql: 'alter table orders add reason text', line: 4 },
      { sql: "update orders set reason = 'x'", line: 5 },
    ]);
    assert.deepEqual(parsed.down, [{ sql: 'alter table orders drop column reason', line: 8 }]);
    assert.deepEqual(
      parsed.verify.map((s) => s.line),
      [11, 12],
    );
  });

  test('irreversible, and an empty down section means no down', () => {
    const parsed = parseSqlMigration(
      '-- migrate:irreversible\n-- migrate:up\ndrop table x;\n-- migrate:down\n-- nothing to do\n',
      '3_x.sql',
    );
    assert.equal(parsed.config.irreversible, true);
    assert.equal(parsed.down, undefined);
  });

  test('a directive-looking line inside a string or dollar quote is not a directive', () => {
    const parsed = parseSqlMigration(
      "-- migrate:up\ninsert into t values ('\n-- migrate:down\n');\nselect $$\n-- migrate:bogus\n$$;",
      '1_x.sql',
    );
    assert.equal(parsed.up.length, 2);
    assert.equal(parsed.down, undefined);
  });

  const bad: [string, string, RegExp][] = [
    [
      'unknown directive',
      '-- migrate:up\nselect 1;\n-- migrate:irreversable\n',
      /9_bad\.sql line 3: unknown directive "-- migrate:irreversable"/,
    ],
    ['missing up', '-- migrate:down\nselect 1;\n', /9_bad\.sql line 1: no "-- migrate:up" section/],
    ['SQL before the first section', 'select 1;\n-- migrate:up\n', /9_bad\.sql line 1: SQL before the first section/],
    [
      'section twice',
      '-- migrate:up\nselect 1;\n-- migrate:up\n',
      /9_bad\.sql line 3: section "-- migrate:up" appears twice \(first on line 1\)/,
    ],
    [
      'allow-row-change without table',
      '-- migrate:allow-row-change\n-- migrate:up\n',
      /line 1: "-- migrate:allow-row-change" needs at least one table name/,
    ],
    ['allow-row-change with a bad name', '-- migrate:allow-row-change orders; drop\n-- migrate:up\n', /"orders; drop" is not a table name/],
    ['argument on a flag directive', '-- migrate:irreversible yes\n-- migrate:up\n', /line 1: "-- migrate:irreversible" takes no argument/],
    ['unterminated string', "-- migrate:up\nselect 'a;\n", /9_bad\.sql line 2: unterminated string literal/],
  ];
  for (const [name, text, expected] of bad) {
    test(`bad file: ${name}`, () => {
      assert.throws(
        () => parseSqlMigration(text, '9_bad.sql'),
        (error: unknown) => error instanceof MigrationInputError && error.exitCode === 2 && expected.test(error.message),
      );
    });
  }
});
