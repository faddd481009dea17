/**
 * Opening the database from the command line (issue 11, defects 6 and 7): reading commands never
 * create or change a file and work on a read-only one; only `migrate up` (and `--migrate`)
 * creates, and says so; every way a database can be unusable has its own code, its message names
 * the database once (password hidden), and its hint repeats the user's --db.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, openSync, readdirSync, readFileSync, statSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { postgresServerUrl } from '../support/postgres.ts';
import { tempDir } from '../support/dialects.ts';
import { BIN, type CliResult, runCli, startCli } from './cli-support.ts';

const count = (haystack: string, needle: string): number => haystack.split(needle).length - 1;

/** A SQLite file in rollback-journal mode with one table, as a user's legacy database is. */
function legacyDatabase(path: string): void {
  const raw = new BetterSqlite3(path);
  raw.exec("create table trades (id integer primary key, pair text); insert into trades (pair) values ('BTC/USDT')");
  raw.close();
}

describe('reading commands never create a database (defect 6)', () => {
  test('a missing SQLite file is refused by every reading command, naming the path and the command that creates it; no folder is made', async () => {
    const dir = tempDir();
    const path = join(dir, 'nonexistent-dir', 'sub', 'l.db');
    const db = `sqlite:${path}`;
    for (const args of [
      ['migrate', 'status'],
      ['migrate', 'plan'],
      ['migrate', 'verify'],
      ['bots', 'list'],
      ['orders', 'list'],
      ['events'],
    ]) {
      const result = await runCli([...args, '--db', db], dir);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /error \[DATABASE_MISSING\]: no database at \S+l\.db: the file does not exist/, args.join(' '));
      assert.equal(count(result.stderr, `botledger migrate up --db ${db}`), 1, `the hint repeats --db: ${result.stderr}`);
    }
    const json = await runCli(['bots', 'show', 'x', '--db', db, '--json'], dir);
    assert.equal(JSON.parse(json.stdout).error.code, 'DATABASE_MISSING');
    const up = await runCli(['migrate', 'up', '--db', db], dir);
    assert.equal(up.code, 4, 'up without --yes off a terminal refuses before it creates anything');
    assert.match(up.stderr, /CONFIRMATION_REQUIRED/);
    assert.deepEqual(readdirSync(dir), [], 'nothing was created, not even the folders');
  });

  test('migrate up creates the file (and its folders) and says so; then reading works', async () => {
    const dir = tempDir();
    const path = join(dir, 'new', 'l.db');
    const up = await runCli(['migrate', 'up', '--yes', '--db', `sqlite:${path}`], dir);
    assert.equal(up.code, 0, up.stderr);
    assert.equal(count(up.stderr, `created database ${path}\n`), 1, up.stderr);
    const list = await runCli(['bots', 'list', '--db', `sqlite:${path}`], dir);
    assert.equal(list.code, 0, list.stderr);
    assert.doesNotMatch(list.stderr, /created database/);
    const again = await runCli(['migrate', 'up', '--yes', '--db', `sqlite:${path}`], dir);
    assert.doesNotMatch(again.stderr, /created database/, 'an existing file is not "created"');
  });

  test('a reading command leaves a legacy database exactly as it was: same bytes, still in rollback-journal mode', async () => {
    const dir = tempDir();
    const path = join(dir, 'trading_bot.db');
    legacyDatabase(path);
    const before = readFileSync(path);
    for (const args of [
      ['migrate', 'status'],
      ['migrate', 'lint'],
      ['migrate', 'plan'],
    ]) {
      const result = await runCli([...args, '--db', `sqlite:${path}`], dir);
      assert.notEqual(result.code, null);
    }
    const status = await runCli(['migrate', 'status', '--db', `sqlite:${path}`, '--json'], dir);
    assert.equal(status.code, 0, status.stderr);
    assert.ok(readFileSync(path).equals(before), 'not a byte changed');
    const raw = new BetterSqlite3(path, { readonly: true });
    assert.equal(raw.pragma('journal_mode', { simple: true }), 'delete', 'no switch to WAL behind the user');
    raw.close();
  });

  test('a read-only database (mode 444) can be listed and its status read', async () => {
    const dir = tempDir();
    const path = join(dir, 'l.db');
    assert.equal((await runCli(['migrate', 'up', '--yes', '--db', `sqlite:${path}`], dir)).code, 0);
    chmodSync(path, 0o444);
    // root writes a 444 file anyway: read it as another user, as a person with read access would.
    const asUser = process.getuid?.() === 0 ? ['runuser', '-u', 'nobody', '--'] : [];
    if (asUser.length > 0) chmodSync(dir, 0o777);
    const run = (args: string[]) =>
      asUser.length > 0
        ? spawnSync(asUser[0], [...asUser.slice(1), process.execPath, BIN, ...args], { encoding: 'utf8' })
        : spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' });
    const size = statSync(path).size;
    for (const args of [
      ['bots', 'list'],
      ['migrate', 'status'],
      ['orders', 'list', '--json'],
    ]) {
      const result = run([...args, '--db', `sqlite:${path}`]);
      assert.equal(result.status, 0, `${args.join(' ')}: ${result.stderr}`);
      assert.doesNotMatch(result.stderr, /readonly|read-only/);
    }
    const up = run(['migrate', 'up', '--yes', '--db', `sqlite:${path}`]);
    if (asUser.length > 0) {
      // A command that writes says why it cannot, with its own code.
      assert.equal(up.status, 2, up.stderr);
      assert.match(up.stderr, /error \[DATABASE_READ_ONLY\]: cannot change sqlite:\S+l\.db: \S+l\.db is read-only/);
    }
    assert.equal(statSync(path).size, size);
  });

  test('impossible paths fail fast with a clear error: under /proc, and under an existing file', async () => {
    const dir = tempDir();
    const started = performance.now();
    const child = startCli(['migrate', 'up', '--yes', '--db', 'sqlite:/proc/x/l.db'], dir);
    const timer = setTimeout(() => child.child.kill('SIGKILL'), 30_000);
    const proc = await child.done;
    clearTimeout(timer);
    assert.notEqual(proc.signal, 'SIGKILL', 'it must not spin (it used to loop in mkdirSync under /proc)');
    assert.equal(proc.code, 2, proc.stderr);
    assert.match(
      proc.stderr,
      /error \[DATABASE_CANNOT_CREATE\]: cannot create sqlite:\/proc\/x\/l\.db: the folder \/proc\/x cannot be made/,
    );
    assert.ok(performance.now() - started < 30_000);

    const file = join(dir, 'plain.txt');
    writeFileSync(file, 'not a folder');
    const under = await runCli(['migrate', 'up', '--yes', '--db', `sqlite:${file}/sub/l.db`], dir);
    assert.equal(under.code, 2, under.stderr);
    assert.match(under.stderr, /error \[DATABASE_CANNOT_CREATE\]: .*plain\.txt is a file, not a folder/);
    assert.doesNotMatch(under.stderr, /EEXIST|mkdir/);
    const read = await runCli(['migrate', 'status', '--db', 'sqlite:/proc/x/l.db'], dir);
    assert.equal(read.code, 2);
    assert.match(read.stderr, /DATABASE_MISSING/);
  });
});

describe("database errors have their own codes, name the database once, and hint with the user's --db (defect 7)", () => {
  const both = (args: string[], db: string, dir: string): Promise<CliResult[]> =>
    Promise.all([runCli(['migrate', 'status', ...args, '--db', db], dir), runCli(['bots', 'list', ...args, '--db', db], dir)]);

  test('SQLite: not a database (2), damaged (1, with a restore hint), a folder (2)', async () => {
    const dir = tempDir();
    const garbage = join(dir, 'garbage.db');
    writeFileSync(garbage, 'this is a text file, long enough to have a header.'.repeat(20));
    for (const result of await both([], `sqlite:${garbage}`, dir)) {
      assert.equal(result.code, 2, result.stderr);
      assert.match(result.stderr, /^error \[DATABASE_NOT_A_DATABASE\]: \S+garbage\.db is not a SQLite database/m);
    }
    const damaged = join(dir, 'damaged.db');
    legacyDatabase(damaged);
    const fd = openSync(damaged, 'r+');
    writeSync(fd, Buffer.alloc(200, 0xff), 0, 200, 100); // page 1's b-tree header, after the file header
    closeSync(fd);
    for (const result of await both(['--json'], `sqlite:${damaged}`, dir)) {
      assert.equal(result.code, 1, result.stdout);
      const error = JSON.parse(result.stdout).error;
      assert.equal(error.code, 'DATABASE_CORRUPT');
      assert.match(
        error.message,
        /damaged\.db is damaged: .*restore the latest backup with `botledger migrate restore --db sqlite:\S+damaged\.db`/,
      );
    }
    const folder = await runCli(['migrate', 'status', '--db', `sqlite:${dir}`], dir);
    assert.equal(folder.code, 2);
    assert.match(folder.stderr, /error \[DATABASE_CANNOT_OPEN\]: .* is a folder, not a database file/);
  });

  test('PostgreSQL: closed port (1), missing role (2), missing database (2); the URL once, the password never', async (t) => {
    const server = await postgresServerUrl();
    if (!server) return t.skip('no PostgreSQL server');
    const dir = tempDir();
    const host = new URL(server).host;
    const cases: [string, string, number, RegExp][] = [
      ['postgres://postgres:secret@127.0.0.1:1/ledger', 'DATABASE_UNREACHABLE', 1, /cannot connect to .*ECONNREFUSED/],
      [`postgres://no_such_role_11:secret@${host}/postgres`, 'DATABASE_AUTH_FAILED', 2, /cannot log in to .*no_such_role_11/],
      [
        `postgres://postgres:secret@${host}/no_such_database_11`,
        'DATABASE_MISSING',
        2,
        /no database at .*"no_such_database_11" does not exist/,
      ],
    ];
    for (const [url, code, exit, message] of cases) {
      const shown = url.replace(':secret@', ':***@');
      for (const result of await both([], url, dir)) {
        assert.equal(result.code, exit, result.stderr);
        assert.match(result.stderr, new RegExp(`^error \\[${code}\\]: `, 'm'));
        assert.match(result.stderr, message);
        assert.equal(count(result.stderr, shown), 1, `the URL once: ${result.stderr}`);
        assert.doesNotMatch(result.stderr, /secret/);
      }
    }
  });

  test('the "run migrate up" hint repeats --db exactly, on both dialects', async (t) => {
    const dir = tempDir();
    const sqlitePath = join(dir, 'empty.db');
    writeFileSync(sqlitePath, '');
    const urls = [`sqlite:${sqlitePath}`];
    const server = await postgresServerUrl();
    const { createTestPostgresDatabase } = await import('../support/postgres.ts');
    const pg = server ? await createTestPostgresDatabase() : undefined;
    if (pg) {
      t.after(() => pg.drop());
      urls.push(pg.url);
    }
    for (const url of urls) {
      const result = await runCli(['orders', 'list', '--db', url], dir);
      assert.equal(result.code, 4, result.stderr);
      assert.ok(result.stderr.includes(`run \`botledger migrate up --db ${url}\` (or pass --migrate)`), result.stderr);
    }
    assert.ok(existsSync(sqlitePath));
  });
});
