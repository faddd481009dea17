/**
 * Opens a fresh database of a dialect with botledger's core schema applied through the migration
 * engine, for storage and engine tests. Each call makes its own database, removed when the suite
 * ends, so tests never see each other's rows.
 *
 * The schema is applied once per process and dialect to a template (through the engine), and each
 * test gets a copy: a file copy on SQLite, `CREATE DATABASE ... TEMPLATE` on PostgreSQL. That keeps
 * a PostgreSQL test at the cost of one CREATE DATABASE instead of a full migration run.
 *
 * @example
 * forEachDialect('orders repository', (target) => {
 *   test('inserts', async () => {
 *     const ledger = await openLedgerDatabase(target);
 *     try { await insertOrder(ledger.db, order); } finally { await ledger.close(); }
 *   });
 * });
 */
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import pg from 'pg';
import type { MigrationContext } from '../../src/migrate/migration.ts';
import { type BotledgerDatabase, type DialectName, openDatabase } from '../../src/storage/database.ts';
import * as coreSchema from '../../src/storage/migrations/0001_core_schema.ts';
import { type DialectTarget, type TestDatabase, tempDir } from './dialects.ts';
import { postgresServerUrl } from './postgres.ts';

export interface LedgerDatabase extends BotledgerDatabase {
  /** The test database it was made from (url, dialect, a folder of its own). */
  readonly test: TestDatabase;
}

/** A new database of `target`'s dialect with the core schema applied. */
export async function openLedgerDatabase(target: DialectTarget): Promise<LedgerDatabase> {
  const test = await cloneTemplate(target.dialect);
  const database = await openDatabase(test.url);
  return Object.assign(database, { test });
}

const templates = new Map<DialectName, Promise<string>>();

async function applyCoreSchema(url: string, backupDir: string): Promise<void> {
  const database = await openDatabase(url);
  try {
    const Engine = await loadMigrationEngine();
    if (Engine) {
      await new Engine({ database, backupDir, backup: false }).up();
    } else {
      const context = coreMigrationContext(database);
      await database.db.transaction().execute((trx) => coreSchema.up(trx, context));
    }
  } finally {
    await database.close();
  }
}

function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

async function adminQuery(server: string, query: string): Promise<void> {
  const client = new pg.Client({ connectionString: server });
  await client.connect();
  try {
    await client.query(query);
  } finally {
    await client.end();
  }
}

/** Makes the template once per process: a SQLite file path, or a PostgreSQL database name. */
function template(dialect: DialectName): Promise<string> {
  let made = templates.get(dialect);
  if (made) return made;
  made = (async () => {
    const dir = mkdtempSync(join(tmpdir(), 'botledger-ledger-template-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    if (dialect === 'sqlite') {
      const path = join(dir, 'template.db');
      await applyCoreSchema(`sqlite:${path}`, join(dir, 'backups'));
      return path;
    }
    const server = await postgresServerUrl();
    if (!server) throw new Error('PostgreSQL unavailable');
    const name = `botledger_tpl_${randomBytes(6).toString('hex')}`;
    await adminQuery(server, `create database ${name}`);
    let dropped = false;
    process.on('beforeExit', () => {
      if (dropped) return;
      dropped = true;
      adminQuery(server, `drop database if exists ${name} with (force)`).catch(() => {});
    });
    await applyCoreSchema(withDatabase(server, name), join(dir, 'backups'));
    return name;
  })();
  templates.set(dialect, made);
  return made;
}

async function cloneTemplate(dialect: DialectName): Promise<TestDatabase> {
  const source = await template(dialect);
  const dir = tempDir();
  if (dialect === 'sqlite') {
    const path = join(dir, 'test.db');
    copyFileSync(source, path);
    return { url: `sqlite:${path}`, dialect, dir };
  }
  const server = (await postgresServerUrl()) as string;
  const name = `botledger_t_${randomBytes(6).toString('hex')}`;
  await adminQuery(server, `create database ${name} template ${source}`);
  after(() => adminQuery(server, `drop database if exists ${name} with (force)`));
  return { url: withDatabase(server, name), dialect, dir };
}

/** The migration engine class, or undefined while one of its modules is not in the tree yet. */
export async function loadMigrationEngine(): Promise<typeof import('../../src/migrate/engine.ts').MigrationEngine | undefined> {
  try {
    return (await import('../../src/migrate/engine.ts')).MigrationEngine;
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}

/** A minimal MigrationContext for running the core migration's up/down directly. */
export function coreMigrationContext(database: Pick<BotledgerDatabase, 'dialect' | 'capabilities'>): MigrationContext {
  return {
    dialect: database.dialect,
    capabilities: database.capabilities,
    migration: { version: '0001', name: 'core_schema', source: 'core', fileName: '0001_core_schema.ts' },
    addVerify() {},
    remapValues: async () => 0,
    backfill: async () => 0,
  };
}
