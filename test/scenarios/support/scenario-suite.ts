/**
 * The conformance flows every scenario goes through, on each of its dialects: apply; apply again
 * (a no-op); verify; down and restore back to the exact legacy rows; a process killed inside a
 * migration (the database stays at the old version and `up` again finishes); a failing
 * verification (rolled back, nothing changed). Each test has its own database.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { restoreBackup } from '../../../src/migrate/backup/backup.ts';
import { MigrationEngine } from '../../../src/migrate/engine.ts';
import { MigrateError } from '../../../src/migrate/errors.ts';
import { type BotledgerDatabase, type DialectName, openDatabase } from '../../../src/storage/database.ts';
import { tempDir } from '../../support/dialects.ts';
import { createTestPostgresDatabase, postgresServerUrl } from '../../support/postgres.ts';
import { killWhileApplying, waitForOrphanBackends } from './kill-cli.ts';
import { copyMigrations, migrationFiles } from './migration-copy.ts';
import type { Scenario } from './scenario.ts';
import { type DatabaseSnapshot, snapshotDatabase } from './snapshot.ts';

/** Rows generated per test: enough for every branch of the data, small enough to stay fast. */
export const SCENARIO_TEST_ROWS = 3_000;

/** A database of a scenario, created at its legacy schema and filled. */
export interface ScenarioDatabase {
  readonly url: string;
  readonly dialect: DialectName;
  readonly dir: string;
  readonly backupDir: string;
  database: BotledgerDatabase;
  /** PostgreSQL only: the server's maintenance URL and this database's name. */
  readonly server?: { url: string; name: string };
  reopen(): Promise<BotledgerDatabase>;
}

/**
 * Creates a fresh database of `dialect` with the scenario's legacy schema and `rows` generated rows.
 *
 * @example
 * const s = await legacyDatabase(scenario, 'sqlite');
 */
export async function legacyDatabase(scenario: Scenario, dialect: DialectName, rows = SCENARIO_TEST_ROWS): Promise<ScenarioDatabase> {
  const dir = tempDir('botledger-scenario-');
  let url: string;
  let server: { url: string; name: string } | undefined;
  if (dialect === 'sqlite') {
    url = `sqlite:${join(dir, scenario.name === 'plugin-isolation' ? 'trading_bot.db' : `${scenario.name}.db`)}`;
  } else {
    const pg = await createTestPostgresDatabase();
    if (!pg) throw new Error('PostgreSQL unavailable');
    after(() => pg.drop());
    url = pg.url;
    server = { url: (await postgresServerUrl())!, name: pg.name };
  }
  const database = await openDatabase(url);
  await scenario.createLegacySchema(database);
  await scenario.generate(database, rows);
  const backupDir = join(dir, 'backups');
  mkdirSync(backupDir, { recursive: true });
  const handle: ScenarioDatabase = {
    url,
    dialect,
    dir,
    backupDir,
    database,
    server,
    async reopen() {
      handle.database = await openDatabase(url);
      return handle.database;
    },
  };
  return handle;
}

/** The engine on a scenario database, with the scenario's own folder, source, schema and tracking table. */
export function engineFor(scenario: Scenario, s: ScenarioDatabase, dir = scenario.migrationsDir(s.dialect)): MigrationEngine {
  return new MigrationEngine({
    database: s.database,
    dir,
    source: scenario.name,
    backupDir: s.backupDir,
    schema: scenario.schema,
    trackingTable: scenario.trackingTable,
    lockTimeoutMs: 60_000,
  });
}

async function trackedVersions(scenario: Scenario, s: ScenarioDatabase): Promise<string[]> {
  const status = await engineFor(scenario, s).status();
  return status.applied.map((a) => a.version);
}

async function expectFailure(promise: Promise<unknown>): Promise<MigrateError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof MigrateError, `expected a MigrateError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the migration to fail');
}

function assertSameData(actual: DatabaseSnapshot, expected: DatabaseSnapshot, what: string): void {
  assert.deepEqual(actual.schema, expected.schema, `${what}: schema`);
  assert.deepEqual(actual.tables, expected.tables, `${what}: row counts and row checksums`);
}

/** The slow statement appended to a migration for the kill test: it never ends on its own before the kill. */
function slowStatement(dialect: DialectName): string {
  return dialect === 'postgres'
    ? 'SELECT pg_sleep(600)'
    : 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000000) SELECT count(*) FROM c';
}

/**
 * Declares the conformance tests of `scenario` on each of its dialects.
 *
 * @example
 * describeScenario(scenario, { reversible: true });
 */
export function describeScenario(scenario: Scenario, options: { reversible: boolean; extra?: (dialect: DialectName) => void }): void {
  for (const dialect of scenario.dialects) {
    describe(`${scenario.name} (seed ${scenario.seed}) [${dialect}]`, async () => {
      if (dialect === 'postgres' && !(await postgresServerUrl())) return;
      const migrations = migrationFiles(scenario.migrationsDir(dialect));
      const cliArgs = (s: ScenarioDatabase, dir: string) => [
        'migrate',
        'up',
        '--db',
        s.url,
        '--dir',
        dir,
        '--source',
        scenario.name,
        '--yes',
        '--json',
        ...(scenario.trackingTable ? ['--table', scenario.trackingTable] : []),
        ...(scenario.schema ? ['--schema', scenario.schema] : []),
      ];

      test('apply: every migration runs, the document checks pass; apply again is a no-op', async () => {
        const s = await legacyDatabase(scenario, dialect);
        try {
          const facts = await scenario.checks.before(s.database);
          const report = await engineFor(scenario, s).up();
          assert.deepEqual(
            report.applied.map((m) => m.fileName),
            migrations,
          );
          assert.equal(report.current, scenario.finalVersion);
          assert.ok(report.backup && existsSync(report.backup.path), 'a backup was taken before applying');
          await scenario.checks.after(s.database, facts);
          const applied = await snapshotDatabase(s.database);
          const tracked = (await engineFor(scenario, s).status()).applied;

          const again = await engineFor(scenario, s).up();
          assert.deepEqual(again.applied, [], 'nothing applied the second time');
          assert.equal(again.current, scenario.finalVersion);
          assertSameData(await snapshotDatabase(s.database), applied, 'second up');
          assert.deepEqual((await engineFor(scenario, s).status()).applied, tracked, 'tracking rows unchanged');
          await scenario.checks.after(s.database, facts);
        } finally {
          await s.database.close();
        }
      });

      test('verify: the verify queries of the applied migrations pass', async () => {
        const s = await legacyDatabase(scenario, dialect);
        try {
          await engineFor(scenario, s).up();
          const report = await engineFor(scenario, s).verify();
          assert.equal(report.ok, true, JSON.stringify(report));
        } finally {
          await s.database.close();
        }
      });

      test('restore: the automatic backup brings back the exact legacy rows, and up works again', async () => {
        const s = await legacyDatabase(scenario, dialect);
        const legacy = await snapshotDatabase(s.database);
        const facts = await scenario.checks.before(s.database);
        const report = await engineFor(scenario, s).up();
        await s.database.close();
        const restored = await restoreBackup(s.url, report.backup!.path, {
          dir: s.backupDir,
          schema: scenario.schema,
          trackingTable: scenario.trackingTable,
        });
        assert.deepEqual(restored.applied, [], 'the backup was taken before any migration of the scenario');
        await s.reopen();
        try {
          assertSameData(await snapshotDatabase(s.database), legacy, 'after restore');
          assert.deepEqual(await trackedVersions(scenario, s), []);
          await engineFor(scenario, s).up();
          await scenario.checks.after(s.database, facts);
        } finally {
          await s.database.close();
        }
      });

      if (options.reversible) {
        test('down: every migration reverts, back to the exact legacy rows', async () => {
          const s = await legacyDatabase(scenario, dialect);
          try {
            const legacy = await snapshotDatabase(s.database);
            await engineFor(scenario, s).up();
            const report = await engineFor(scenario, s).down({ to: '0' });
            assert.deepEqual(
              report.reverted.map((m) => m.fileName),
              [...migrations].reverse(),
            );
            assertSameData(await snapshotDatabase(s.database), legacy, 'after down');
            assert.deepEqual(await trackedVersions(scenario, s), []);
          } finally {
            await s.database.close();
          }
        });
      }

      test('killed (SIGKILL) inside a migration: still at the old version; up again finishes', async () => {
        const s = await legacyDatabase(scenario, dialect);
        const legacy = await snapshotDatabase(s.database);
        const facts = await scenario.checks.before(s.database);
        await s.database.close();
        if (s.server) {
          // What a production server should have: a backend notices its client died and rolls back.
          const admin = await openDatabase(s.server.url);
          await admin.pool!.query(`alter database ${s.server.name} set client_connection_check_interval = '200ms'`);
          await admin.close();
        }
        const copy = join(tempDir('botledger-kill-'), scenario.name);
        mkdirSync(copy);
        copyMigrations(scenario.migrationsDir(dialect), copy, 0, { appendUp: slowStatement(dialect) });
        const stem = migrations[0].replace(/\.(sql|ts)$/, '');
        await killWhileApplying(cliArgs(s, copy), stem, { BOTLEDGER_DATA_DIR: s.dir });
        if (s.server) await waitForOrphanBackends(s.server.url, s.server.name);
        await s.reopen();
        try {
          assertSameData(await snapshotDatabase(s.database), legacy, 'after the kill');
          assert.deepEqual(await trackedVersions(scenario, s), [], 'nothing recorded as applied');
          const report = await engineFor(scenario, s).up();
          assert.equal(report.current, scenario.finalVersion);
          await scenario.checks.after(s.database, facts);
        } finally {
          await s.database.close();
        }
      });

      if (migrations.length > 1) {
        test('killed (SIGKILL) inside the last migration: the earlier ones stay applied, the last is not half-applied', async () => {
          const s = await legacyDatabase(scenario, dialect);
          const facts = await scenario.checks.before(s.database);
          const last = migrations.length - 1;
          const root = tempDir('botledger-kill-last-');
          // Same bytes (so same checksums) for every file but the slowed one, in both copies.
          const plain = join(root, 'plain', scenario.name);
          const slowed = join(root, 'slowed', scenario.name);
          mkdirSync(plain, { recursive: true });
          mkdirSync(slowed, { recursive: true });
          copyMigrations(scenario.migrationsDir(dialect), plain, -1, {});
          copyMigrations(scenario.migrationsDir(dialect), slowed, last, { appendUp: slowStatement(dialect) });
          const previous = migrations[last - 1].split('_')[0];
          await engineFor(scenario, s, plain).up({ to: previous });
          const before = await snapshotDatabase(s.database);
          const tracked = await trackedVersions(scenario, s);
          await s.database.close();
          if (s.server) {
            const admin = await openDatabase(s.server.url);
            await admin.pool!.query(`alter database ${s.server.name} set client_connection_check_interval = '200ms'`);
            await admin.close();
          }
          await killWhileApplying(cliArgs(s, slowed), migrations[last].replace(/\.(sql|ts)$/, ''), { BOTLEDGER_DATA_DIR: s.dir });
          if (s.server) await waitForOrphanBackends(s.server.url, s.server.name);
          await s.reopen();
          try {
            assertSameData(await snapshotDatabase(s.database), before, 'after the kill');
            assert.deepEqual(await trackedVersions(scenario, s), tracked, `still at version ${previous}`);
            const report = await engineFor(scenario, s, plain).up();
            assert.equal(report.current, scenario.finalVersion);
            await scenario.checks.after(s.database, facts);
          } finally {
            await s.database.close();
          }
        });
      }

      test('failing verification: rolled back, nothing changed (schema, rows, tracking)', async () => {
        const s = await legacyDatabase(scenario, dialect);
        try {
          const legacy = await snapshotDatabase(s.database);
          const copy = join(tempDir('botledger-verify-'), scenario.name);
          mkdirSync(copy);
          copyMigrations(scenario.migrationsDir(dialect), copy, 0, { addVerify: "SELECT 'deliberately failing check' AS problem" });
          const error = await expectFailure(engineFor(scenario, s, copy).up());
          assert.equal(error.exitCode, 1);
          assert.match(error.message, new RegExp(migrations[0].replace('.', '\\.')));
          assert.match(error.message, /deliberately failing check/);
          assertSameData(await snapshotDatabase(s.database), legacy, 'after the failed verification');
          assert.deepEqual(await trackedVersions(scenario, s), []);
        } finally {
          await s.database.close();
        }
      });

      options.extra?.(dialect);
    });
  }
}
