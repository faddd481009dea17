/**
 * Runs a suite on every dialect. Storage, migration and engine suites use this so that each
 * behaviour is checked on SQLite and on PostgreSQL alike.
 *
 * @example
 * forEachDialect('migrate up', (target) => {
 *   test('applies', async () => {
 *     const { url } = await target.create();
 *     ...
 *   });
 * });
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe } from 'node:test';
import type { DialectName } from '../../src/storage/database.ts';
import { createTestPostgresDatabase, postgresServerUrl } from './postgres.ts';

export interface TestDatabase {
  readonly url: string;
  readonly dialect: DialectName;
  /** A folder of this test's own (backups, lock files, migration files). */
  readonly dir: string;
}

export interface DialectTarget {
  readonly dialect: DialectName;
  /** A new empty database of this dialect, removed when the suite ends. */
  create(): Promise<TestDatabase>;
}

/** A temporary folder removed when the current suite ends. */
export function tempDir(prefix = 'botledger-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export const sqliteTarget: DialectTarget = {
  dialect: 'sqlite',
  async create() {
    const dir = tempDir();
    // An empty file is an empty SQLite database, as PostgreSQL's is an empty database: reading
    // commands refuse a file that does not exist, so "a new database" must be one that does.
    writeFileSync(join(dir, 'test.db'), '');
    return { url: `sqlite:${join(dir, 'test.db')}`, dialect: 'sqlite', dir };
  },
};

export const postgresTarget: DialectTarget = {
  dialect: 'postgres',
  async create() {
    const database = await createTestPostgresDatabase();
    if (!database) throw new Error('PostgreSQL unavailable');
    after(() => database.drop());
    return { url: database.url, dialect: 'postgres', dir: tempDir() };
  },
};

/** Declares `describe(`${name} [dialect]`)` once per dialect; PostgreSQL is skipped (loudly) only outside CI when no server exists. */
export function forEachDialect(name: string, body: (target: DialectTarget) => void): void {
  describe(`${name} [sqlite]`, () => body(sqliteTarget));
  describe(`${name} [postgres]`, async () => {
    const server = await postgresServerUrl();
    if (!server) return;
    body(postgresTarget);
  });
}
