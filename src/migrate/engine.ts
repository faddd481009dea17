/**
 * The migration engine: lock, drift checks, backup, then one transaction per migration, then
 * unlock. Library users drive it directly; `botledger migrate` is a thin layer over it.
 */
import { hostname, userInfo } from 'node:os';
import { resolve } from 'node:path';
import { type BotledgerDatabase, backupDirFor, redactUrl } from '../storage/database.ts';
import { type ApplyResult, applyMigration, revertMigration } from './apply/apply.ts';
import { describeDataLoss, forecastDataLoss } from './verify/down-data-loss.ts';
import { type BackupOptions, type BackupResult, backupDatabase, DEFAULT_BACKUP_KEEP, type StartedBackup, startBackup } from './backup/backup.ts';
import { MigrateError, MigrationFailedError, MigrationInputError, MigrationRefusedError } from './errors.ts';
import { lintMigration } from './lint/lint.ts';
import { lintPending, refuseEmptyUp, refuseLintDataLoss } from './lint/up-lint.ts';
import { acquireMigrationLock, DEFAULT_LOCK_TIMEOUT_MS } from './lock/lock.ts';
import { type AppliedMigration, compareVersions, type Migration } from './migration.ts';
import { migrationInfo, rehearse, reverifyApplied } from './plan/plan.ts';
import type {
  AppliedInfo,
  BaselineReport,
  DownPlan,
  DownReport,
  DriftFinding,
  EngineEvent,
  LintReport,
  MigrationRun,
  PlanReport,
  ReportBase,
  StatusReport,
  UpReport,
  VerifyReport,
} from './reports.ts';
import { CORE_MIGRATIONS_DIR, defaultSourceFor, findDrift, loadMigrations } from './sources/sources.ts';
import { DEFAULT_TRACKING_TABLE, ensureTrackingTable, readAppliedMigrations, recordApplied } from './tracking/tracking.ts';

export type { EngineEvent } from './reports.ts';

export interface UpOptions {
  /** Apply up to and including this version; default all pending. */
  to?: string;
  /** Apply even when the lint finds data that would be lost (drop-with-data, narrowed-column); default false: refuse (LINT_DATA_LOSS, exit 4). */
  allowDataLoss?: boolean;
}

export interface DownOptions {
  /** Revert every migration newer than this version (`0` for all); default the latest one. */
  to?: string;
  /** Revert even when the downs would destroy rows (counted first); default false: refuse (DATA_LOSS, exit 4). */
  allowDataLoss?: boolean;
}

export interface EngineOptions {
  database: BotledgerDatabase;
  /** Default {@link CORE_MIGRATIONS_DIR}. */
  dir?: string;
  /** Default `core` for the core directory, else the directory's base name. */
  source?: string;
  /** Default `schema_migrations`. */
  trackingTable?: string;
  /** Default `<data dir>/backups`. */
  backupDir?: string;
  /** Backups of this database to keep; default {@link DEFAULT_BACKUP_KEEP}. */
  keep?: number;
  /** PostgreSQL: back up only this schema. */
  schema?: string;
  /** Default {@link DEFAULT_LOCK_TIMEOUT_MS}. */
  lockTimeoutMs?: number;
  /** Default `${user}@${host}`. */
  appliedBy?: string;
  /** Default true; false only for tests and benchmarks that measure without it. */
  backup?: boolean;
  onEvent?: (event: EngineEvent) => void;
}

interface Loaded {
  readonly migrations: Migration[];
  readonly applied: AppliedMigration[];
  readonly mine: AppliedMigration[];
}

function defaultAppliedBy(): string {
  let user = process.env.USER ?? 'unknown';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (containers): keep $USER
  }
  return `${user}@${hostname()}`;
}

function toRun(result: ApplyResult): MigrationRun {
  const { version, name, fileName, sqlMs, verifyMs, recordMs, totalMs } = result;
  return { version, name, fileName, sqlMs, verifyMs, recordMs, totalMs };
}

function latest(applied: readonly AppliedMigration[]): string | null {
  return applied.length === 0 ? null : applied.reduce((a, b) => (compareVersions(a.version, b.version) >= 0 ? a : b)).version;
}

/**
 * Applies, reverts, checks and plans the migrations of one directory (one source) on one database.
 *
 * @example
 * const engine = new MigrationEngine({ database, dir: 'migrations', onEvent: (e) => console.error(e.type) });
 * const report = await engine.up();
 * console.log(report.applied.map((m) => m.fileName), report.backup?.path);
 */
export class MigrationEngine {
  readonly #database: BotledgerDatabase;
  readonly #dir: string;
  readonly #source: string;
  readonly #table: string;
  readonly #options: EngineOptions;

  constructor(options: EngineOptions) {
    this.#options = options;
    this.#database = options.database;
    this.#dir = resolve(options.dir ?? CORE_MIGRATIONS_DIR);
    this.#source = options.source ?? defaultSourceFor(this.#dir);
    this.#table = options.trackingTable ?? DEFAULT_TRACKING_TABLE;
    if (!this.#source.trim()) throw new MigrationInputError('SOURCE_INVALID', 'the migration source name must not be empty');
  }

  #base(): ReportBase {
    const d = this.#database;
    return { database: redactUrl(d.url), dialect: d.dialect, source: this.#source, dir: this.#dir, trackingTable: this.#table };
  }

  #emit(event: EngineEvent): void {
    this.#options.onEvent?.(event);
  }

  async #load(): Promise<Loaded> {
    const migrations = await loadMigrations(this.#dir, this.#source);
    const applied = await readAppliedMigrations(this.#database.db, this.#table);
    return { migrations, applied, mine: applied.filter((a) => a.source === this.#source) };
  }

  #drift(loaded: Loaded): DriftFinding[] {
    return findDrift(loaded.migrations, loaded.mine, this.#dir);
  }

  #refuseDrift(loaded: Loaded): void {
    const drift = this.#drift(loaded);
    if (drift.length === 0) return;
    const first = drift[0];
    const more =
      drift.length > 1
        ? `\n  ${drift
            .slice(1)
            .map((d) => d.message)
            .join('\n  ')}`
        : '';
    throw new MigrationRefusedError(first.code, `${first.message}${more}`, { drift });
  }

  #pending(loaded: Loaded, to?: string): Migration[] {
    const done = new Set(loaded.mine.map((a) => BigInt(a.version)));
    return loaded.migrations.filter((m) => !done.has(BigInt(m.version)) && (to === undefined || compareVersions(m.version, to) <= 0));
  }

  #checkTarget(loaded: Loaded, to: string | undefined, allowZero = false): void {
    if (to === undefined) return;
    if (!/^\d+$/.test(to))
      throw new MigrationInputError('VERSION_INVALID', `--to ${to} is not a version: use the digits of a migration file name`, { to });
    if (allowZero && BigInt(to) === 0n) return;
    if (!loaded.migrations.some((m) => compareVersions(m.version, to) === 0)) {
      throw new MigrationInputError('VERSION_UNKNOWN', `--to ${to}: no migration with that version in ${this.#dir}`, { to });
    }
  }

  /** Runs `body` holding the migration lock; the lock is released whatever happens. */
  async #locked<T>(body: (lockMs: number) => Promise<T>): Promise<T> {
    const started = performance.now();
    const lock = await acquireMigrationLock(this.#database, {
      timeoutMs: this.#options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
      name: this.#table,
      onWait: (holder) => this.#emit({ type: 'lock-wait', holder }),
    });
    const lockMs = performance.now() - started;
    this.#emit({ type: 'lock-acquired', ms: lockMs });
    try {
      return await body(lockMs);
    } finally {
      await lock.release();
    }
  }

  /**
   * The backup before `up`/`down`. On SQLite its integrity check runs in a worker while the first
   * migration runs; that migration's COMMIT waits for it (ApplyOptions.beforeCommit).
   */
  async #startBackup(atVersion: string | null): Promise<StartedBackup | null> {
    if (this.#options.backup === false) return null;
    this.#emit({ type: 'backup-start' });
    const started = await startBackup(this.#database, this.#backupOptions(atVersion), { deferCheck: true });
    this.#emit({ type: 'backup-done', backup: started.backup });
    return started;
  }

  #backupOptions(atVersion: string | null): BackupOptions {
    return {
      dir: this.#options.backupDir ?? backupDirFor(this.#database.target),
      atVersion,
      schema: this.#options.schema,
      keep: this.#options.keep ?? DEFAULT_BACKUP_KEEP,
      trackingTable: this.#table,
    };
  }

  async #backup(atVersion: string | null): Promise<BackupResult> {
    this.#emit({ type: 'backup-start' });
    const result = await backupDatabase(this.#database, this.#backupOptions(atVersion));
    this.#emit({ type: 'backup-done', backup: result });
    return result;
  }

  /**
   * Applied, pending and drift of this source. Changes nothing.
   *
   * @example
   * const { current, pending, drift } = await engine.status();
   */
  async status(): Promise<StatusReport> {
    const loaded = await this.#load();
    const byVersion = new Map(loaded.migrations.map((m) => [BigInt(m.version), m]));
    const applied: AppliedInfo[] = loaded.mine.map((a) => {
      const file = byVersion.get(BigInt(a.version));
      return { ...a, fileName: file?.fileName ?? null, state: !file ? 'missing' : file.checksum === a.checksum ? 'ok' : 'edited' };
    });
    return {
      ...this.#base(),
      current: latest(loaded.mine),
      applied,
      pending: this.#pending(loaded).map(migrationInfo),
      drift: this.#drift(loaded),
      otherSources: [...new Set(loaded.applied.map((a) => a.source).filter((s) => s !== this.#source))],
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
    const loaded = await this.#load();
    this.#checkTarget(loaded, options.to);
    const pending = this.#pending(loaded, options.to);
    const rehearsal = await rehearse(this.#database, pending, {
      trackingTable: this.#table,
      appliedBy: this.#options.appliedBy ?? defaultAppliedBy(),
      onStart: (method) => this.#emit({ type: 'rehearsal-start', method, count: pending.length }),
    });
    return {
      ...this.#base(),
      current: latest(loaded.mine),
      migrations: rehearsal.migrations,
      drift: this.#drift(loaded),
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
    const started = performance.now();
    return this.#locked(async (lockMs) => {
      await ensureTrackingTable(this.#database.db, this.#table);
      const loaded = await this.#load();
      this.#checkTarget(loaded, options.to);
      this.#refuseDrift(loaded);
      const pending = this.#pending(loaded, options.to);
      const current = latest(loaded.mine);
      const timings = { lockMs, backupMs: 0, sqlMs: 0, verifyMs: 0, recordMs: 0, totalMs: 0 };
      if (pending.length === 0) {
        this.#emit({ type: 'nothing-to-do', current, direction: 'up' });
        const totals = { ...timings, totalMs: performance.now() - started };
        return { ...this.#base(), applied: [], backup: null, current, lint: [], timings: totals };
      }
      refuseEmptyUp(pending);
      const lint = await lintPending(this.#database, pending);
      for (const finding of lint) this.#emit({ type: 'lint-finding', finding });
      refuseLintDataLoss(lint, options.allowDataLoss ?? false);
      const backupStart = performance.now();
      const pendingBackup = await this.#startBackup(current);
      timings.backupMs = performance.now() - backupStart;
      const backup = pendingBackup?.backup ?? null;
      const applied = await this.#runEach('up', pending, pendingBackup, timings);
      return {
        ...this.#base(),
        applied,
        backup,
        lint,
        current: applied.at(-1)!.version,
        timings: { ...timings, totalMs: performance.now() - started },
      };
    });
  }

  /** Applies or reverts each migration in its own transaction, adding to `timings`; stops at the first failure. */
  async #runEach(
    direction: 'up' | 'down',
    migrations: readonly Migration[],
    started: StartedBackup | null,
    timings: { backupMs: number; sqlMs: number; verifyMs: number; recordMs: number },
  ): Promise<MigrationRun[]> {
    const done: MigrationRun[] = [];
    const backup = started?.backup ?? null;
    const options = {
      trackingTable: this.#table,
      appliedBy: this.#options.appliedBy ?? defaultAppliedBy(),
      backupPath: backup?.path ?? null,
      progress: true,
      beforeCommit: started ? () => started.checked : undefined,
    };
    for (const m of migrations) {
      this.#emit({ type: 'migration-start', direction, version: m.version, name: m.name, fileName: m.fileName });
      let result: ApplyResult;
      try {
        result = direction === 'up' ? await applyMigration(this.#database, m, options) : await revertMigration(this.#database, m, options);
      } catch (error) {
        throw this.#failed(error, m, direction, done, backup);
      }
      const run = toRun(result);
      done.push(run);
      timings.sqlMs += run.sqlMs;
      timings.verifyMs += run.verifyMs;
      timings.recordMs += run.recordMs;
      // Waiting for the backup's integrity check is the backup's cost, not the migration's.
      timings.backupMs += result.waitMs ?? 0;
      this.#emit({ type: 'migration-done', direction, run });
    }
    return done;
  }

  /** Adds to a migration's failure what only the engine knows: the backup, and what this run already did. */
  #failed(
    error: unknown,
    m: Migration,
    direction: 'up' | 'down',
    done: readonly MigrationRun[],
    backup: BackupResult | null,
  ): MigrateError {
    const base =
      error instanceof MigrateError ? error : new MigrationFailedError('STATEMENT_FAILED', String((error as Error)?.message ?? error));
    this.#emit({ type: 'migration-failed', direction, fileName: m.fileName, message: base.message });
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

  /**
   * Reverts the latest applied migration, or every one newer than `to`, newest first. Refuses,
   * before touching anything, when one of them is irreversible or has no down.
   *
   * @example
   * await engine.down();              // the latest one
   * await engine.down({ to: '0002' }); // everything after 0002
   */
  async down(options: DownOptions = {}): Promise<DownReport> {
    const started = performance.now();
    return this.#locked(async (lockMs) => {
      await ensureTrackingTable(this.#database.db, this.#table);
      const loaded = await this.#load();
      const targets = this.#downTargets(loaded, options.to);
      const timings = { lockMs, backupMs: 0, sqlMs: 0, verifyMs: 0, recordMs: 0, totalMs: 0 };
      const current = latest(loaded.mine);
      if (targets.length === 0) {
        this.#emit({ type: 'nothing-to-do', current, direction: 'down' });
        const totals = { ...timings, totalMs: performance.now() - started };
        return { ...this.#base(), reverted: [], backup: null, current, dataLoss: [], timings: totals };
      }
      const forecast = await forecastDataLoss(this.#database, targets, this.#table);
      if (forecast.rowsLost > 0 && !options.allowDataLoss) {
        const lines = describeDataLoss(forecast.losses);
        throw new MigrationRefusedError(
          'DATA_LOSS',
          `reverting ${targets.map((m) => m.fileName).join(', ')} would destroy ${forecast.rowsLost.toLocaleString('en-US')} row(s); nothing was changed:\n  ${lines.join('\n  ')}\nPass --allow-data-loss (library: allowDataLoss: true) to revert anyway (a backup is taken first).`,
          { dataLoss: forecast.losses, rowsLost: forecast.rowsLost, files: targets.map((m) => m.fileName) },
        );
      }
      const backupStart = performance.now();
      const pendingBackup = await this.#startBackup(current);
      timings.backupMs = performance.now() - backupStart;
      const backup = pendingBackup?.backup ?? null;
      const reverted = await this.#runEach('down', targets, pendingBackup, timings);
      const after = latest(
        await readAppliedMigrations(this.#database.db, this.#table).then((rows) => rows.filter((a) => a.source === this.#source)),
      );
      const totals = { ...timings, totalMs: performance.now() - started };
      return { ...this.#base(), reverted, backup, current: after, dataLoss: forecast.losses, timings: totals };
    });
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
    return this.#locked(async () => {
      await ensureTrackingTable(this.#database.db, this.#table);
      const loaded = await this.#load();
      const targets = this.#downTargets(loaded, options.to);
      const forecast = targets.length === 0 ? { losses: [], rowsLost: 0 } : await forecastDataLoss(this.#database, targets, this.#table);
      return {
        ...this.#base(),
        current: latest(loaded.mine),
        reverting: targets.map(migrationInfo),
        dataLoss: forecast.losses,
        rowsLost: forecast.rowsLost,
      };
    });
  }

  /** The migrations `down` reverts, newest first; refuses (before anything changes) an irreversible or down-less one. */
  #downTargets(loaded: Loaded, to: string | undefined): Migration[] {
    this.#checkTarget(loaded, to, true);
    this.#refuseDrift(loaded);
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

  /**
   * Re-runs the verify queries of every applied migration (in a transaction that is rolled back).
   *
   * @example
   * const { ok, checked } = await engine.verify();
   */
  async verify(): Promise<VerifyReport> {
    const loaded = await this.#load();
    this.#refuseDrift(loaded);
    const done = new Set(loaded.mine.map((a) => BigInt(a.version)));
    const targets = loaded.migrations.filter((m) => done.has(BigInt(m.version)) && m.verify.length > 0);
    const checked = await reverifyApplied(this.#database, targets);
    return { ...this.#base(), ok: checked.every((c) => c.ok), checked };
  }

  /**
   * Adopts an existing database: records every migration up to `to` as applied without running it.
   *
   * @example
   * await engine.baseline({ to: '0003' });
   */
  async baseline(options: { to: string }): Promise<BaselineReport> {
    return this.#locked(async () => {
      await ensureTrackingTable(this.#database.db, this.#table);
      const loaded = await this.#load();
      this.#checkTarget(loaded, options.to);
      this.#refuseDrift(loaded);
      const done = new Set(loaded.mine.map((a) => BigInt(a.version)));
      const upTo = loaded.migrations.filter((m) => compareVersions(m.version, options.to) <= 0);
      const toRecord = upTo.filter((m) => !done.has(BigInt(m.version)));
      const appliedBy = this.#options.appliedBy ?? defaultAppliedBy();
      await this.#database.db.transaction().execute(async (trx) => {
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
            this.#table,
          );
        }
      });
      return {
        ...this.#base(),
        recorded: toRecord.map(migrationInfo),
        alreadyApplied: upTo.filter((m) => done.has(BigInt(m.version))).map(migrationInfo),
      };
    });
  }

  /**
   * Lints every migration of the directory; with `strict`, any finding refuses (exit 4).
   *
   * @example
   * const { findings } = await engine.lint({ strict: true });
   */
  async lint(options: { strict?: boolean } = {}): Promise<LintReport> {
    const migrations = await loadMigrations(this.#dir, this.#source);
    const findings = [];
    for (const m of migrations) findings.push(...(await lintMigration(this.#database, m)));
    const report: LintReport = { ...this.#base(), strict: options.strict ?? false, migrations: migrations.length, findings };
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
    return this.#locked(async () => {
      const applied = await readAppliedMigrations(this.#database.db, this.#table);
      return await this.#backup(latest(applied.filter((a) => a.source === this.#source)));
    });
  }
}
