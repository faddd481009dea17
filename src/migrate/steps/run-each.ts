/**
 * The loop `up` and `down` share: each migration in its own transaction, in order, with the
 * timings added up and the events emitted; the first failure stops the run, and its error is
 * completed with what only the engine knows (the backup, and what this run already did).
 */
import { type ApplyResult, applyMigration, revertMigration } from '../apply/apply.ts';
import type { BackupResult, StartedBackup } from '../backup/backup.ts';
import { MigrateError, MigrationFailedError, MigrationInputError, MigrationRefusedError } from '../errors.ts';
import type { Migration } from '../migration.ts';
import type { MigrationRun } from '../reports.ts';
import type { EngineScope } from './engine-scope.ts';

function toRun(result: ApplyResult): MigrationRun {
  const { version, name, fileName, sqlMs, verifyMs, recordMs, totalMs } = result;
  return { version, name, fileName, sqlMs, verifyMs, recordMs, totalMs };
}

/**
 * Applies or reverts each migration in its own transaction, adding to `timings`; stops at the
 * first failure. The caller holds the lock and has taken the backup (`started`).
 *
 * @example
 * const applied = await runEach(scope, 'up', pending, startedBackup, timings);
 */
export async function runEach(
  scope: EngineScope,
  direction: 'up' | 'down',
  migrations: readonly Migration[],
  started: StartedBackup | null,
  timings: { backupMs: number; sqlMs: number; verifyMs: number; recordMs: number },
): Promise<MigrationRun[]> {
  const done: MigrationRun[] = [];
  const backup = started?.backup ?? null;
  const options = {
    trackingTable: scope.table,
    appliedBy: scope.appliedBy,
    backupPath: backup?.path ?? null,
    progress: true,
    beforeCommit: started ? () => started.checked : undefined,
  };
  for (const m of migrations) {
    scope.emit({ type: 'migration-start', direction, version: m.version, name: m.name, fileName: m.fileName });
    let result: ApplyResult;
    try {
      result = direction === 'up' ? await applyMigration(scope.database, m, options) : await revertMigration(scope.database, m, options);
    } catch (error) {
      throw failed(scope, error, m, direction, done, backup);
    }
    const run = toRun(result);
    done.push(run);
    timings.sqlMs += run.sqlMs;
    timings.verifyMs += run.verifyMs;
    timings.recordMs += run.recordMs;
    // Waiting for the backup's integrity check is the backup's cost, not the migration's.
    timings.backupMs += result.waitMs ?? 0;
    scope.emit({ type: 'migration-done', direction, run });
  }
  return done;
}

/** Adds to a migration's failure what only the engine knows: the backup, and what this run already did. */
function failed(
  scope: EngineScope,
  error: unknown,
  m: Migration,
  direction: 'up' | 'down',
  done: readonly MigrationRun[],
  backup: BackupResult | null,
): MigrateError {
  const base =
    error instanceof MigrateError ? error : new MigrationFailedError('STATEMENT_FAILED', String((error as Error)?.message ?? error));
  scope.emit({ type: 'migration-failed', direction, fileName: m.fileName, message: base.message });
  const verb = direction === 'up' ? 'applied' : 'reverted';
  const earlier =
    done.length > 0
      ? `\nearlier migrations of this run stay ${verb} (each has its own transaction): ${done.map((r) => r.fileName).join(', ')}`
      : '';
  const where = backup ? `\nbackup taken before this run: ${backup.path} (botledger migrate restore ${backup.path})` : '';
  const details = {
    ...base.details,
    version: m.version,
    file: m.fileName,
    backupPath: backup?.path ?? null,
    [`${verb}BeforeFailure`]: done.map((r) => r.fileName),
  };
  const message = `${base.message}${earlier}${where}`;
  if (base instanceof MigrationFailedError) return new MigrationFailedError(base.code, message, details);
  if (base instanceof MigrationInputError) return new MigrationInputError(base.code, message, details);
  if (base instanceof MigrationRefusedError) return new MigrationRefusedError(base.code, message, details);
  return new MigrateError(base.code, message, base.exitCode, details);
}
