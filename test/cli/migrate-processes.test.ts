/**
 * Real processes racing and dying: two `migrate up` at once, and one killed with SIGKILL in the
 * middle of a migration. These are the cases the lock and the per-migration transaction exist for.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sql } from 'kysely';
import { readAppliedMigrations } from '../../src/migrate/tracking/tracking.ts';
import { listUserTables } from '../../src/migrate/verify/verify.ts';
import { openDatabase } from '../../src/storage/database.ts';
import { sqlFile, writeMigrations } from '../migrate/engine-support.ts';
import { forEachDialect } from '../support/dialects.ts';
import { runCli, startCli } from './cli-support.ts';

/** A statement that keeps the database busy: about 3 s here on either dialect (sized, never asserted). */
function slowStatement(rows: number): string {
  return `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < ${rows}) SELECT count(*) FROM c`;
}

const INIT = sqlFile("create table orders (id integer primary key, status text);\ninsert into orders values (1, 'open');");

/** A migration whose middle statement is `wait` (a slow statement, or a wait on the test's gate). */
function slowMigration(wait: string): string {
  return sqlFile(`alter table orders add column reason text;\ncreate table audit (id integer);\n${wait};\nupdate orders set reason = 'r';`);
}

/** PostgreSQL: an advisory lock the test holds, which the slow migration waits on inside its transaction. */
const GATE_KEY = 424_242;

/**
 * PostgreSQL only: holds the gate so that a migration running `pg_advisory_xact_lock(GATE_KEY)`
 * stays inside its transaction until the test opens the gate, however fast or slow the machine is.
 */
async function closedGate(url: string): Promise<{ open(): Promise<void> }> {
  const holder = await openDatabase(url);
  const connection = await holder.pool!.connect();
  await connection.query('select pg_advisory_lock($1)', [GATE_KEY]);
  return {
    async open() {
      await connection.query('select pg_advisory_unlock($1)', [GATE_KEY]);
      connection.release();
      await holder.close();
    },
  };
}

forEachDialect('migrate up from several processes', (target) => {
  const slowRows = target.dialect === 'sqlite' ? 20_000_000 : 12_000_000;

  test('two concurrent up: exactly one applies, the other waits then no-ops; a third with --lock-timeout 1 exits 3 naming the holder', async () => {
    const { url, dir } = await target.create();
    const migrations = writeMigrations(dir, { '1_init.sql': INIT });
    const flags = ['--db', url, '--dir', migrations, '--yes'];
    assert.equal((await runCli(['migrate', 'up', ...flags], dir)).code, 0);
    // SQLite has no lock a test can hold from outside, so its slow statement is sized (about 3 s);
    // on PostgreSQL the migration waits on a gate the test opens once the others have been seen waiting.
    const gate = target.dialect === 'postgres' ? await closedGate(url) : undefined;
    const wait = gate ? `SELECT pg_advisory_xact_lock(${GATE_KEY})` : slowStatement(slowRows);
    writeMigrations(dir, { '2_slow.sql': slowMigration(wait) });

    const first = startCli(['migrate', 'up', ...flags], dir);
    await first.waitFor(/applying 2_slow \.\.\./);
    const second = startCli(['migrate', 'up', ...flags, '--lock-timeout', '120'], dir);
    const third = startCli(['migrate', 'up', ...flags, '--lock-timeout', '1', '--json'], dir);

    const impatient = await third.done;
    assert.equal(impatient.code, 3, impatient.stdout + impatient.stderr);
    const error = JSON.parse(impatient.stdout).error;
    assert.equal(error.code, 'LOCK_NOT_ACQUIRED');
    assert.match(error.message, new RegExp(`pid ${first.child.pid}\\b`), 'names the holder');
    await second.waitFor(/waiting for the migration lock/);
    await gate?.open();

    const [a, b] = await Promise.all([first.done, second.done]);
    assert.equal(a.code, 0, a.stderr);
    assert.match(a.stdout, /applied 1 migration\(s\)/);
    assert.equal(b.code, 0, b.stderr);
    assert.match(b.stderr, /waiting for the migration lock, held by pid \d+/);
    assert.match(b.stdout, /nothing to do: version 2/);

    const database = await openDatabase(url);
    try {
      const applied = await readAppliedMigrations(database.db);
      assert.deepEqual(
        applied.map((m) => m.version),
        ['1', '2'],
        'applied exactly once',
      );
    } finally {
      await database.close();
    }
  });

  test('a process killed (SIGKILL) inside a migration leaves the old version, and up again finishes', async () => {
    const { url, dir } = await target.create();
    const migrations = writeMigrations(dir, { '1_init.sql': INIT });
    const flags = ['--db', url, '--dir', migrations, '--yes'];
    assert.equal((await runCli(['migrate', 'up', ...flags], dir)).code, 0);
    writeMigrations(dir, { '2_slow.sql': slowMigration(slowStatement(50_000_000)) });

    const victim = startCli(['migrate', 'up', ...flags], dir);
    await victim.waitFor(/applying 2_slow \.\.\./);
    // The line is printed just before the migration starts; give it a moment to be inside its statements.
    await new Promise((resolve) => setTimeout(resolve, 300));
    victim.child.kill('SIGKILL');
    assert.equal((await victim.done).signal, 'SIGKILL');

    const status = await runCli(['migrate', 'status', '--db', url, '--dir', migrations, '--json'], dir);
    const report = JSON.parse(status.stdout);
    assert.equal(report.current, '1', 'the database is at the old version');
    assert.deepEqual(
      report.pending.map((p: { fileName: string }) => p.fileName),
      ['2_slow.sql'],
    );

    const database = await openDatabase(url);
    try {
      const tables = await listUserTables(database, database.db, 'schema_migrations');
      assert.deepEqual(
        tables.map((t) => t.split('.').pop()),
        ['orders'],
        'no half-applied schema: the audit table of the killed migration does not exist',
      );
      const columns = Object.keys((await sql`select * from orders`.execute(database.db)).rows[0] as object);
      assert.deepEqual(columns.sort(), ['id', 'status'], 'and orders has no reason column');
    } finally {
      await database.close();
    }

    // Not applied, so the file may still change: a smaller statement keeps the rerun quick; the
    // rerun still has to take over the dead run's lock (SQLite) and find no half-applied schema.
    writeMigrations(dir, { '2_slow.sql': slowMigration(slowStatement(1000)) });
    const rerun = await runCli(['migrate', 'up', ...flags, '--lock-timeout', '60'], dir);
    assert.equal(rerun.code, 0, rerun.stderr);
    assert.match(rerun.stdout, /applied 1 migration\(s\); now at version 2/);
  });
});
