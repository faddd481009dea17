/**
 * Databases for the migration benchmark: a temporary SQLite file, or a PostgreSQL database created
 * for the run on a real server (BOTLEDGER_BENCH_PG_URL, else the local 127.0.0.1:5432). Never a
 * throwaway cluster with fsync=off: durability is part of what is measured.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { DialectName } from '../src/storage/database.ts';

export const BENCH_PG_URL_ENV = 'BOTLEDGER_BENCH_PG_URL';
export const DEFAULT_BENCH_PG_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

export interface BenchDatabase {
  readonly url: string;
  /** A folder of this run (backups, the SQLite file). */
  readonly dir: string;
  drop(): Promise<void>;
}

/** The PostgreSQL server to use, with its fsync setting, or undefined (with the reason) when none answers. */
export async function benchPostgresServer(): Promise<{ url: string; fsync: string } | { error: string }> {
  const url = process.env[BENCH_PG_URL_ENV] ?? DEFAULT_BENCH_PG_URL;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    const { rows } = await client.query('show fsync');
    return { url, fsync: rows[0].fsync };
  } catch (error) {
    return { error: `no PostgreSQL at ${url} (${(error as Error).message}); set ${BENCH_PG_URL_ENV}` };
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * A fresh, empty database of `dialect` for one benchmark run.
 *
 * @example
 * const db = await createBenchDatabase('sqlite', 'trading_bot');
 * // ... run ...
 * await db.drop();
 */
export async function createBenchDatabase(dialect: DialectName, name: string, serverUrl?: string): Promise<BenchDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'botledger-bench-'));
  if (dialect === 'sqlite') {
    return { url: `sqlite:${join(dir, `${name}.db`)}`, dir, drop: async () => rmSync(dir, { recursive: true, force: true }) };
  }
  if (!serverUrl) throw new Error('createBenchDatabase: no PostgreSQL server');
  const database = `botledger_bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${database}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return {
    url: url.toString(),
    dir,
    async drop() {
      const client = new pg.Client({ connectionString: serverUrl });
      await client.connect();
      await client.query(`drop database if exists ${database} with (force)`);
      await client.end();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
