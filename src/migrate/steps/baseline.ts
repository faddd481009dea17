/**
 * `migrate baseline`: adopts an existing database by recording every migration up to `to` as
 * applied, without running it.
 */
import { compareVersions } from '../migration.ts';
import { migrationInfo } from '../plan/plan.ts';
import type { BaselineReport } from '../reports.ts';
import { ensureTrackingTable, recordApplied } from '../tracking/tracking.ts';
import type { EngineScope } from './engine-scope.ts';

/**
 * Records the migrations up to `to` as applied, in one transaction (see MigrationEngine.baseline).
 *
 * @example
 * const { recorded } = await baselineTo(scope, { to: '0003' });
 */
export async function baselineTo(scope: EngineScope, options: { to: string }): Promise<BaselineReport> {
  return scope.locked(async () => {
    await ensureTrackingTable(scope.database.db, scope.table);
    const loaded = await scope.load();
    scope.checkTarget(loaded, options.to);
    scope.refuseDrift(loaded);
    const done = new Set(loaded.mine.map((a) => BigInt(a.version)));
    const upTo = loaded.migrations.filter((m) => compareVersions(m.version, options.to) <= 0);
    const toRecord = upTo.filter((m) => !done.has(BigInt(m.version)));
    const appliedBy = scope.appliedBy;
    await scope.database.db.transaction().execute(async (trx) => {
      for (const m of toRecord) {
        await recordApplied(
          trx,
          {
            version: m.version,
            name: m.name,
            source: m.source,
            checksum: m.checksum,
            appliedAt: new Date().toISOString(),
            durationMs: 0,
            backupPath: null,
            appliedBy: `${appliedBy} (baseline)`,
          },
          scope.table,
        );
      }
    });
    return {
      ...scope.base(),
      recorded: toRecord.map(migrationInfo),
      alreadyApplied: upTo.filter((m) => done.has(BigInt(m.version))).map(migrationInfo),
    };
  });
}
