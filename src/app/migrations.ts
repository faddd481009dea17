/**
 * The core schema check every opening of a ledger makes: refused while core migrations are
 * pending, unless the caller asks to apply them (through the migration engine, with its backup).
 */
import { MigrationEngine } from '../migrate/engine.ts';
import type { EngineEvent } from '../migrate/reports.ts';
import type { BotledgerDatabase } from '../storage/database.ts';
import { LedgerError } from './ledger-error.ts';

/** How {@link ensureMigrated} treats pending core migrations. */
export interface EnsureMigratedOptions {
  /** Apply them (after the migration engine's backup) instead of refusing. */
  readonly migrate?: boolean;
  /** What the refusal tells the user to do; default: run `botledger migrate up`. */
  readonly advice?: string;
  /** The migration engine's progress (backup, each migration applied). */
  readonly onEvent?: (event: EngineEvent) => void;
}

/**
 * Throws MIGRATIONS_PENDING (exit 4) when core migrations are pending, or applies them first
 * when `migrate` is set.
 *
 * @example
 * await ensureMigrated(database, { migrate: false }); // refuses on a fresh database
 */
export async function ensureMigrated(database: BotledgerDatabase, options: EnsureMigratedOptions = {}): Promise<void> {
  const engine = new MigrationEngine({ database, onEvent: options.onEvent });
  const status = await engine.status();
  if (status.pending.length === 0) return;
  if (options.migrate) {
    await engine.up();
    return;
  }
  const needed = status.pending.at(-1)?.version;
  throw new LedgerError(
    'MIGRATIONS_PENDING',
    `the database is at core version ${status.current ?? 'none'} but this botledger needs ${needed}: ${options.advice ?? 'run `botledger migrate up`'}`,
    { current: status.current, needed, pending: status.pending.map((p) => p.fileName) },
  );
}

/**
 * The file names of the core migrations this database lacks (empty when it is current). A running
 * service asks this for its readiness probe.
 *
 * @example
 * await pendingCoreMigrations(ledger.database); // [] or ['0004_users_and_tokens.ts']
 */
export async function pendingCoreMigrations(database: BotledgerDatabase): Promise<string[]> {
  const status = await new MigrationEngine({ database }).status();
  return status.pending.map((p) => p.fileName);
}
