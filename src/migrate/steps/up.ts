/**
 * `migrate up`: lock, drift check, lint, backup, then each pending migration (up to `to`) in its
 * own transaction.
 */
import { lintPending, refuseEmptyUp, refuseLintDataLoss } from '../lint/up-lint.ts';
import type { UpReport } from '../reports.ts';
import { ensureTrackingTable } from '../tracking/tracking.ts';
import { type EngineScope, latest } from './engine-scope.ts';
import { runEach } from './run-each.ts';

export interface UpOptions {
  /** Apply up to and including this version; default all pending. */
  to?: string;
  /** Apply even when the lint finds data that would be lost (drop-with-data, narrowed-column); default false: refuse (LINT_DATA_LOSS, exit 4). */
  allowDataLoss?: boolean;
}

/**
 * Applies the pending migrations of the scope's directory (see MigrationEngine.up).
 *
 * @example
 * const { applied, backup } = await migrateUp(scope, { to: '0004' });
 */
export async function migrateUp(scope: EngineScope, options: UpOptions = {}): Promise<UpReport> {
  const started = performance.now();
  return scope.locked(async (lockMs) => {
    await ensureTrackingTable(scope.database.db, scope.table);
    const loaded = await scope.load();
    scope.checkTarget(loaded, options.to);
    scope.refuseDrift(loaded);
    const pending = scope.pending(loaded, options.to);
    const current = latest(loaded.mine);
    const timings = { lockMs, backupMs: 0, sqlMs: 0, verifyMs: 0, recordMs: 0, totalMs: 0 };
    if (pending.length === 0) {
      scope.emit({ type: 'nothing-to-do', current, direction: 'up' });
      const totals = { ...timings, totalMs: performance.now() - started };
      return { ...scope.base(), applied: [], backup: null, current, lint: [], timings: totals };
    }
    refuseEmptyUp(pending);
    const lint = await lintPending(scope.database, pending);
    for (const finding of lint) scope.emit({ type: 'lint-finding', finding });
    refuseLintDataLoss(lint, options.allowDataLoss ?? false);
    const backupStart = performance.now();
    const pendingBackup = await scope.startBackup(current);
    timings.backupMs = performance.now() - backupStart;
    const backup = pendingBackup?.backup ?? null;
    const applied = await runEach(scope, 'up', pending, pendingBackup, timings);
    return {
      ...scope.base(),
      applied,
      backup,
      lint,
      current: applied.at(-1)!.version,
      timings: { ...timings, totalMs: performance.now() - started },
    };
  });
}
