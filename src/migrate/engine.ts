/**
 * The migration engine: lock, drift checks, backup, then one transaction per migration, then
 * unlock. Library users drive it directly; `botledger migrate` is a thin layer over it. The steps
 * that change the database are in steps/ (up.ts, down.ts, baseline.ts, over what engine-scope.ts
 * shares); the parts they use are in the folders beside this file (lock/, backup/, lint/, plan/,
 * apply/, verify/, sources/, tracking/, context/).
 */
import type { BackupResult } from './backup/backup.ts';
import { MigrationRefusedError } from './errors.ts';
import { lintMigration } from './lint/lint.ts';
import { migrationInfo, rehearse, reverifyApplied } from './plan/plan.ts';
import type {
  AppliedInfo,
  BaselineReport,
  DownPlan,
  DownReport,
  LintReport,
  PlanReport,
  StatusReport,
  UpReport,
  VerifyReport,
} from './reports.ts';
import { loadMigrations } from './sources/sources.ts';
import { baselineTo } from './steps/baseline.ts';
import { type DownOptions, migrateDown, planDown } from './steps/down.ts';
import { type EngineOptions, EngineScope, latest } from './steps/engine-scope.ts';
import { migrateUp, type UpOptions } from './steps/up.ts';

export type { EngineEvent } from './reports.ts';
export type { DownOptions } from './steps/down.ts';
export type { EngineOptions } from './steps/engine-scope.ts';
export type { UpOptions } from './steps/up.ts';

/**
 * Applies, reverts, checks and plans the migrations of one directory (one source) on one database.
 *
 * @example
 * const engine = new MigrationEngine({ database, dir: 'migrations', onEvent: (e) => console.error(e.type) });
 * const report = await engine.up();
 * console.log(report.applied.map((m) => m.fileName), report.backup?.path);
 */
export class MigrationEngine {
  readonly #scope: EngineScope;

  constructor(options: EngineOptions) {
    this.#scope = new EngineScope(options);
  }

  /**
   * Applied, pending and drift of this source. Changes nothing.
   *
   * @example
   * const { current, pending, drift } = await engine.status();
   */
  async status(): Promise<StatusReport> {
    const scope = this.#scope;
    const loaded = await scope.load();
    const byVersion = new Map(loaded.migrations.map((m) => [BigInt(m.version), m]));
    const applied: AppliedInfo[] = loaded.mine.map((a) => {
      const file = byVersion.get(BigInt(a.version));
      return { ...a, fileName: file?.fileName ?? null, state: !file ? 'missing' : file.checksum === a.checksum ? 'ok' : 'edited' };
    });
    return {
      ...scope.base(),
      current: latest(loaded.mine),
      applied,
      pending: scope.pending(loaded).map(migrationInfo),
      drift: scope.drift(loaded),
      otherSources: [...new Set(loaded.applied.map((a) => a.source).filter((s) => s !== scope.source))],
    };
  }

  /**
   * The pending migrations, their SQL, the rows each statement touches, lint findings and a
   * rehearsal's time. The real database does not change.
   *
   * @example
   * const plan = await engine.plan();
   * plan.migrations[0].statements; // [{ sql, line, rowsAffected, table, tableRows, ms }]
   */
  async plan(options: { to?: string } = {}): Promise<PlanReport> {
    const scope = this.#scope;
    const loaded = await scope.load();
    scope.checkTarget(loaded, options.to);
    const pending = scope.pending(loaded, options.to);
    const rehearsal = await rehearse(scope.database, pending, {
      trackingTable: scope.table,
      appliedBy: scope.appliedBy,
      onStart: (method) => scope.emit({ type: 'rehearsal-start', method, count: pending.length }),
    });
    return {
      ...scope.base(),
      current: latest(loaded.mine),
      migrations: rehearsal.migrations,
      drift: scope.drift(loaded),
      rehearsal: { method: rehearsal.method, ok: rehearsal.ok, ms: rehearsal.ms },
    };
  }

  /**
   * Lock, drift check, backup, then each pending migration (up to `to`) in its own transaction.
   *
   * @example
   * const { applied, backup, timings } = await engine.up({ to: '0004' });
   */
  async up(options: UpOptions = {}): Promise<UpReport> {
    return migrateUp(this.#scope, options);
  }

  /**
   * Reverts the latest applied migration, or every one newer than `to`, newest first. Refuses,
   * before touching anything, when one of them is irreversible or has no down.
   *
   * @example
   * await engine.down();              // the latest one
   * await engine.down({ to: '0002' }); // everything after 0002
   */
  async down(options: DownOptions = {}): Promise<DownReport> {
    return migrateDown(this.#scope, options);
  }

  /**
   * What `down` would do, without doing it: the migrations it would revert and the data each one's
   * down would destroy (rehearsed in a transaction that is rolled back). Refuses as `down` would
   * (drift, irreversible, no down).
   *
   * @example
   * const { reverting, dataLoss, rowsLost } = await engine.planDown();
   */
  async planDown(options: { to?: string } = {}): Promise<DownPlan> {
    return planDown(this.#scope, options);
  }

  /**
   * Re-runs the verify queries of every applied migration (in a transaction that is rolled back).
   *
   * @example
   * const { ok, checked } = await engine.verify();
   */
  async verify(): Promise<VerifyReport> {
    const scope = this.#scope;
    const loaded = await scope.load();
    scope.refuseDrift(loaded);
    const done = new Set(loaded.mine.map((a) => BigInt(a.version)));
    const targets = loaded.migrations.filter((m) => done.has(BigInt(m.version)) && m.verify.length > 0);
    const checked = await reverifyApplied(scope.database, targets);
    return { ...scope.base(), ok: checked.every((c) => c.ok), checked };
  }

  /**
   * Adopts an existing database: records every migration up to `to` as applied without running it.
   *
   * @example
   * await engine.baseline({ to: '0003' });
   */
  async baseline(options: { to: string }): Promise<BaselineReport> {
    return baselineTo(this.#scope, options);
  }

  /**
   * Lints every migration of the directory; with `strict`, any finding refuses (exit 4).
   *
   * @example
   * const { findings } = await engine.lint({ strict: true });
   */
  async lint(options: { strict?: boolean } = {}): Promise<LintReport> {
    const scope = this.#scope;
    const migrations = await loadMigrations(scope.dir, scope.source);
    const findings = [];
    for (const m of migrations) findings.push(...(await lintMigration(scope.database, m)));
    const report: LintReport = { ...scope.base(), strict: options.strict ?? false, migrations: migrations.length, findings };
    if (options.strict && findings.length > 0) {
      const list = findings.map((f) => `${f.file}:${f.line} ${f.rule}: ${f.message}`).join('\n  ');
      throw new MigrationRefusedError(
        'LINT_FINDINGS',
        `lint found ${findings.length} problem(s) and --strict makes them fatal:\n  ${list}`,
        { report },
      );
    }
    return report;
  }

  /**
   * Takes a backup now (under the lock, so it never captures a half-run migration).
   *
   * @example
   * const { path } = await engine.backup();
   */
  async backup(): Promise<BackupResult> {
    const scope = this.#scope;
    return scope.locked(async () => scope.backup(latest(await scope.appliedHere())));
  }
}
