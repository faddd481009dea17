/**
 * Opens a fresh database of a dialect with botledger's core schema applied through the migration
 * engine, for storage and engine tests. Each call makes its own database (removed when the suite ends).
 *
 * @example
 * forEachDialect('orders repository', (target) => {
 *   test('inserts', async () => {
 *     const ledger = await openLedgerDatabase(target);
 *     try { ... ledger.db ... } finally { await ledger.close(); }
 *   });
 * });
 */
import { join } from 'node:path';
import type { MigrationContext } from '../../src/migrate/migration.ts';
import { type BotledgerDatabase, openDatabase } from '../../src/storage/database.ts';
import * as coreSchema from '../../src/storage/migrations/0001_core_schema.ts';
import type { DialectTarget, TestDatabase } from './dialects.ts';

export interface LedgerDatabase extends BotledgerDatabase {
  /** The test database it was made from (url, dialect, a folder of its own). */
  readonly test: TestDatabase;
}

/**
 * A new database of `target`'s dialect with the core schema applied. `backup: true` runs the
 * engine's automatic backup too (slower on PostgreSQL; only the schema test needs it).
 */
export async function openLedgerDatabase(target: DialectTarget, options: { backup?: boolean } = {}): Promise<LedgerDatabase> {
  const test = await target.create();
  const database = await openDatabase(test.url);
  try {
    await applyCoreSchema(database, join(test.dir, 'backups'), options.backup ?? false);
  } catch (error) {
    await database.close();
    throw error;
  }
  return Object.assign(database, { test });
}

/**
 * Through the migration engine when it can be loaded; while parts of it are still being written
 * (another helper's work in progress), the core migration's own up() in one transaction.
 */
async function applyCoreSchema(database: BotledgerDatabase, backupDir: string, backup: boolean): Promise<void> {
  const Engine = await loadMigrationEngine();
  if (Engine) {
    await new Engine({ database, backupDir, backup }).up();
    return;
  }
  const context = coreMigrationContext(database);
  await database.db.transaction().execute((trx) => coreSchema.up(trx, context));
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
