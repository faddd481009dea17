/**
 * What every step of the migration engine shares: the database, the directory and source, the
 * tracking table, the options, and the few moves each step makes (load the files and the tracking
 * rows, refuse drift, take the lock, take the backup). The steps (up.ts, down.ts, baseline.ts)
 * and MigrationEngine (../engine.ts) work through it.
 */
import { hostname, userInfo } from 'node:os';
import { resolve } from 'node:path';
import { type BotledgerDatabase, backupDirFor, redactUrl } from '../../storage/database.ts';
import {
  type BackupOptions,
  type BackupResult,
  backupDatabase,
  DEFAULT_BACKUP_KEEP,
  type StartedBackup,
  startBackup,
} from '../backup/backup.ts';
import { MigrationInputError, MigrationRefusedError } from '../errors.ts';
import { acquireMigrationLock, DEFAULT_LOCK_TIMEOUT_MS } from '../lock/lock.ts';
import { type AppliedMigration, compareVersions, type Migration } from '../migration.ts';
import type { DriftFinding, EngineEvent, ReportBase } from '../reports.ts';
import { CORE_MIGRATIONS_DIR, defaultSourceFor, findDrift, loadMigrations } from '../sources/sources.ts';
import { DEFAULT_TRACKING_TABLE, readAppliedMigrations } from '../tracking/tracking.ts';

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

/** The migration files of the directory and the tracking rows, read once per step. */
export interface Loaded {
  readonly migrations: Migration[];
  readonly applied: AppliedMigration[];
  /** The tracking rows of this source. */
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

/**
 * The newest applied version, or null when nothing is applied.
 *
 * @example
 * latest(loaded.mine); // '0004'
 */
export function latest(applied: readonly AppliedMigration[]): string | null {
  return applied.length === 0 ? null : applied.reduce((a, b) => (compareVersions(a.version, b.version) >= 0 ? a : b)).version;
}

/**
 * One engine's database, directory, source and options, and the moves its steps share.
 *
 * @example
 * const scope = new EngineScope({ database, dir: 'migrations' });
 * const loaded = await scope.load();
 * scope.refuseDrift(loaded);
 */
export class EngineScope {
  readonly database: BotledgerDatabase;
  readonly dir: string;
  readonly source: string;
  readonly table: string;
  readonly options: EngineOptions;

  constructor(options: EngineOptions) {
    this.options = options;
    this.database = options.database;
    this.dir = resolve(options.dir ?? CORE_MIGRATIONS_DIR);
    this.source = options.source ?? defaultSourceFor(this.dir);
    this.table = options.trackingTable ?? DEFAULT_TRACKING_TABLE;
    if (!this.source.trim()) throw new MigrationInputError('SOURCE_INVALID', 'the migration source name must not be empty');
  }

  /** Who the tracking rows say applied a migration. */
  get appliedBy(): string {
    return this.options.appliedBy ?? defaultAppliedBy();
  }

  /** What every report starts with: which database, source, directory and tracking table. */
  base(): ReportBase {
    const d = this.database;
    return { database: redactUrl(d.url), dialect: d.dialect, source: this.source, dir: this.dir, trackingTable: this.table };
  }

  emit(event: EngineEvent): void {
    this.options.onEvent?.(event);
  }

  async load(): Promise<Loaded> {
    const migrations = await loadMigrations(this.dir, this.source);
    const applied = await readAppliedMigrations(this.database.db, this.table);
    return { migrations, applied, mine: applied.filter((a) => a.source === this.source) };
  }

  /** The tracking rows of this source, read now. */
  async appliedHere(): Promise<AppliedMigration[]> {
    const applied = await readAppliedMigrations(this.database.db, this.table);
    return applied.filter((a) => a.source === this.source);
  }

  drift(loaded: Loaded): DriftFinding[] {
    return findDrift(loaded.migrations, loaded.mine, this.dir);
  }

  /** Refuses (nothing changed) when an applied migration's file is missing or was edited. */
  refuseDrift(loaded: Loaded): void {
    const drift = this.drift(loaded);
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

  /** The migrations not applied yet, up to and including `to`. */
  pending(loaded: Loaded, to?: string): Migration[] {
    const done = new Set(loaded.mine.map((a) => BigInt(a.version)));
    return loaded.migrations.filter((m) => !done.has(BigInt(m.version)) && (to === undefined || compareVersions(m.version, to) <= 0));
  }

  /** Refuses a `--to` that is not the version of a migration of the directory (`0` too, with `allowZero`). */
  checkTarget(loaded: Loaded, to: string | undefined, allowZero = false): void {
    if (to === undefined) return;
    if (!/^\d+$/.test(to))
      throw new MigrationInputError('VERSION_INVALID', `--to ${to} is not a version: use the digits of a migration file name`, { to });
    if (allowZero && BigInt(to) === 0n) return;
    if (!loaded.migrations.some((m) => compareVersions(m.version, to) === 0)) {
      throw new MigrationInputError('VERSION_UNKNOWN', `--to ${to}: no migration with that version in ${this.dir}`, { to });
    }
  }

  /** Runs `body` holding the migration lock; the lock is released whatever happens. */
  async locked<T>(body: (lockMs: number) => Promise<T>): Promise<T> {
    const started = performance.now();
    const lock = await acquireMigrationLock(this.database, {
      timeoutMs: this.options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
      name: this.table,
      onWait: (holder) => this.emit({ type: 'lock-wait', holder }),
    });
    const lockMs = performance.now() - started;
    this.emit({ type: 'lock-acquired', ms: lockMs });
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
  async startBackup(atVersion: string | null): Promise<StartedBackup | null> {
    if (this.options.backup === false) return null;
    this.emit({ type: 'backup-start' });
    const started = await startBackup(this.database, this.#backupOptions(atVersion), { deferCheck: true });
    this.emit({ type: 'backup-done', backup: started.backup });
    return started;
  }

  /** A backup now, checked before it returns. */
  async backup(atVersion: string | null): Promise<BackupResult> {
    this.emit({ type: 'backup-start' });
    const result = await backupDatabase(this.database, this.#backupOptions(atVersion));
    this.emit({ type: 'backup-done', backup: result });
    return result;
  }

  #backupOptions(atVersion: string | null): BackupOptions {
    return {
      dir: this.options.backupDir ?? backupDirFor(this.database.target),
      atVersion,
      schema: this.options.schema,
      keep: this.options.keep ?? DEFAULT_BACKUP_KEEP,
      trackingTable: this.table,
    };
  }
}
