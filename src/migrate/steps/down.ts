/**
 * `migrate down` and its forecast: which migrations it reverts (newest first), refusing before
 * anything changes when one is irreversible or has no down, and the rows their downs would destroy.
 */
import { MigrationRefusedError } from '../errors.ts';
import { compareVersions, type Migration } from '../migration.ts';
import { migrationInfo } from '../plan/plan.ts';
import type { DownPlan, DownReport } from '../reports.ts';
import { ensureTrackingTable } from '../tracking/tracking.ts';
import { describeDataLoss, forecastDataLoss } from '../verify/down-data-loss.ts';
import { type EngineScope, type Loaded, latest } from './engine-scope.ts';
import { runEach } from './run-each.ts';

export interface DownOptions {
  /** Revert every migration newer than this version (`0` for all); default the latest one. */
  to?: string;
  /** Revert even when the downs would destroy rows (counted first); default false: refuse (DATA_LOSS, exit 4). */
  allowDataLoss?: boolean;
}

/**
 * Reverts the latest applied migration, or every one newer than `to` (see MigrationEngine.down).
 *
 * @example
 * const { reverted, backup } = await migrateDown(scope, { to: '0002' });
 */
export async function migrateDown(scope: EngineScope, options: DownOptions = {}): Promise<DownReport> {
  const started = performance.now();
  return scope.locked(async (lockMs) => {
    await ensureTrackingTable(scope.database.db, scope.table);
    const loaded = await scope.load();
    const targets = downTargets(scope, loaded, options.to);
    const timings = { lockMs, backupMs: 0, sqlMs: 0, verifyMs: 0, recordMs: 0, totalMs: 0 };
    const current = latest(loaded.mine);
    if (targets.length === 0) {
      scope.emit({ type: 'nothing-to-do', current, direction: 'down' });
      const totals = { ...timings, totalMs: performance.now() - started };
      return { ...scope.base(), reverted: [], backup: null, current, dataLoss: [], timings: totals };
    }
    const forecast = await forecastDataLoss(scope.database, targets, scope.table);
    if (forecast.rowsLost > 0 && !options.allowDataLoss) {
      const lines = describeDataLoss(forecast.losses);
      throw new MigrationRefusedError(
        'DATA_LOSS',
        `reverting ${targets.map((m) => m.fileName).join(', ')} would destroy ${forecast.rowsLost.toLocaleString('en-US')} row(s); nothing was changed:\n  ${lines.join('\n  ')}\nPass --allow-data-loss (library: allowDataLoss: true) to revert anyway (a backup is taken first).`,
        { dataLoss: forecast.losses, rowsLost: forecast.rowsLost, files: targets.map((m) => m.fileName) },
      );
    }
    const backupStart = performance.now();
    const pendingBackup = await scope.startBackup(current);
    timings.backupMs = performance.now() - backupStart;
    const backup = pendingBackup?.backup ?? null;
    const reverted = await runEach(scope, 'down', targets, pendingBackup, timings);
    const after = latest(await scope.appliedHere());
    const totals = { ...timings, totalMs: performance.now() - started };
    return { ...scope.base(), reverted, backup, current: after, dataLoss: forecast.losses, timings: totals };
  });
}

/**
 * What `down` would do, without doing it (see MigrationEngine.planDown).
 *
 * @example
 * const { reverting, rowsLost } = await planDown(scope);
 */
export async function planDown(scope: EngineScope, options: { to?: string } = {}): Promise<DownPlan> {
  return scope.locked(async () => {
    await ensureTrackingTable(scope.database.db, scope.table);
    const loaded = await scope.load();
    const targets = downTargets(scope, loaded, options.to);
    const forecast = targets.length === 0 ? { losses: [], rowsLost: 0 } : await forecastDataLoss(scope.database, targets, scope.table);
    return {
      ...scope.base(),
      current: latest(loaded.mine),
      reverting: targets.map(migrationInfo),
      dataLoss: forecast.losses,
      rowsLost: forecast.rowsLost,
    };
  });
}

/** The migrations `down` reverts, newest first; refuses (before anything changes) an irreversible or down-less one. */
function downTargets(scope: EngineScope, loaded: Loaded, to: string | undefined): Migration[] {
  scope.checkTarget(loaded, to, true);
  scope.refuseDrift(loaded);
  const byVersion = new Map(loaded.migrations.map((m) => [BigInt(m.version), m]));
  const chosen = [...loaded.mine].sort((a, b) => compareVersions(b.version, a.version));
  const targets = (to === undefined ? chosen.slice(0, 1) : chosen.filter((a) => compareVersions(a.version, to) > 0)).map(
    (a) => byVersion.get(BigInt(a.version))!,
  );
  for (const m of targets) {
    if (m.config.irreversible || !m.down) {
      const why = m.config.irreversible ? 'is marked irreversible' : 'has no down section';
      throw new MigrationRefusedError(
        m.config.irreversible ? 'IRREVERSIBLE' : 'NO_DOWN',
        `cannot revert ${m.fileName}: it ${why}; nothing was changed. To go back past it, restore a backup taken before it: botledger migrate restore [FILE]`,
        { version: m.version, file: m.fileName },
      );
    }
  }
  return targets;
}
