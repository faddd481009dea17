/**
 * Finds a PostgreSQL server for tests, as docs/architecture.md describes (decision 13): BOTLEDGER_TEST_PG_URL, else
 * the local server on 127.0.0.1:5432, else a throwaway cluster started with initdb/pg_ctl in a
 * temporary folder (stopped when the process exits). Only when none works are PostgreSQL tests
 * skipped, loudly; under CI=true that is a failure instead.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const DEFAULT_LOCAL_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

let serverUrl: Promise<string | undefined> | undefined;

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolvePort(address.port) : reject(new Error('no port'))));
    });
  });
}

function findBinary(name: string): string | undefined {
  const which = spawnSync('which', [name], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim()) return which.stdout.trim();
  const candidates = ['/usr/lib/postgresql/17/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/15/bin'];
  return candidates.map((dir) => join(dir, name)).find((path) => existsSync(path));
}

async function startThrowawayCluster(): Promise<string | undefined> {
  const initdb = findBinary('initdb');
  const pgCtl = findBinary('pg_ctl');
  if (!initdb || !pgCtl) return undefined;
  const dir = mkdtempSync(join(tmpdir(), 'botledger-pg-'));
  chmodSync(dir, 0o777);
  const port = await freePort();
  const asRoot = process.getuid?.() === 0;
  const run = (bin: string, args: string[]) =>
    asRoot
      ? execFileSync('runuser', ['-u', 'postgres', '--', bin, ...args], { stdio: 'pipe' })
      : execFileSync(bin, args, { stdio: 'pipe' });
  const dataDir = join(dir, 'data');
  run(initdb, ['-D', dataDir, '-U', 'postgres', '-A', 'trust']);
  run(pgCtl, ['-D', dataDir, '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, '-w', 'start']);
  process.on('exit', () => {
    try {
      run(pgCtl, ['-D', dataDir, '-m', 'immediate', 'stop']);
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // best effort: the folder is in tmp
    }
  });
  return `postgres://postgres@127.0.0.1:${port}/postgres`;
}

async function locateServer(): Promise<string | undefined> {
  const fromEnv = process.env.BOTLEDGER_TEST_PG_URL;
  if (fromEnv) {
    if (await canConnect(fromEnv)) return fromEnv;
    throw new Error(`BOTLEDGER_TEST_PG_URL=${fromEnv} is set but no PostgreSQL answers there`);
  }
  if (await canConnect(DEFAULT_LOCAL_URL)) return DEFAULT_LOCAL_URL;
  try {
    return await startThrowawayCluster();
  } catch (error) {
    console.error(`could not start a throwaway PostgreSQL cluster: ${(error as Error).message}`);
    return undefined;
  }
}

/**
 * The URL of a PostgreSQL server's maintenance database, or undefined when there is none
 * (never undefined under CI=true: then it throws).
 */
export async function postgresServerUrl(): Promise<string | undefined> {
  serverUrl ??= locateServer();
  const url = await serverUrl;
  if (!url) {
    const message =
      'PostgreSQL is not available (no BOTLEDGER_TEST_PG_URL, no server on 127.0.0.1:5432, no initdb): PostgreSQL tests are SKIPPED';
    if (process.env.CI === 'true') throw new Error(`${message} - under CI=true this is a failure`);
    console.error(`\n!!! ${message} !!!\n`);
  }
  return url;
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** A fresh, empty PostgreSQL database for one test, and how to drop it. */
export interface TestPostgresDatabase {
  readonly url: string;
  readonly name: string;
  drop(): Promise<void>;
}

/**
 * Creates an empty database named `botledger_t_<random>` so tests never see each other's rows.
 * Returns undefined when PostgreSQL is unavailable outside CI.
 */
export async function createTestPostgresDatabase(): Promise<TestPostgresDatabase | undefined> {
  const server = await postgresServerUrl();
  if (!server) return undefined;
  const name = `botledger_t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  return {
    url: withDatabase(server, name),
    name,
    async drop() {
      const client = new pg.Client({ connectionString: server });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}
