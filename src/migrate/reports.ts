/**
 * What each engine command returns. The CLI prints these as tables, or as one JSON document with
 * `--json`; library users get them from {@link MigrationEngine}.
 */
import type { DialectName } from '../storage/database.ts';
import type { StatementReport } from './apply/run-step.ts';
import type { BackupResult } from './backup/backup.ts';
import type { DataLoss } from './verify/down-data-loss.ts';
import type { LintFinding } from './lint/lint.ts';
import type { LockHolder } from './lock/lock.ts';
import type { AppliedMigration } from './migration.ts';
import type { VerifyFailure } from './verify/verify.ts';

/** A migration file, as listed by status and plan. */
export interface MigrationInfo {
  readonly version: string;
  readonly name: string;
  readonly fileName: string;
  readonly source: string;
  readonly format: 'sql' | 'module';
  readonly transaction: boolean;
  readonly irreversible: boolean;
  readonly hasDown: boolean;
}

/** An applied migration and whether its file still matches. */
export interface AppliedInfo extends AppliedMigration {
  readonly fileName: string | null;
  /** ok: the file is there, unchanged; edited: checksum differs; missing: no file of that version. */
  readonly state: 'ok' | 'edited' | 'missing';
}

/** Something that makes `up` and `down` refuse to run. */
export interface DriftFinding {
  readonly code: 'CHECKSUM_MISMATCH' | 'DATABASE_NEWER' | 'MISSING_FILE';
  readonly version: string;
  readonly source: string;
  readonly fileName: string | null;
  readonly message: string;
}

/** The parts every report shares: which database, which migrations. */
export interface ReportBase {
  /** The database URL with any password redacted. */
  readonly database: string;
  readonly dialect: DialectName;
  readonly source: string;
  readonly dir: string;
  readonly trackingTable: string;
}

export interface StatusReport extends ReportBase {
  /** The newest applied version of this source, or null. */
  readonly current: string | null;
  readonly applied: readonly AppliedInfo[];
  readonly pending: readonly MigrationInfo[];
  readonly drift: readonly DriftFinding[];
  /** Other sources recorded in the same tracking table (plugins), for information. */
  readonly otherSources: readonly string[];
}

export interface PlanMigration extends MigrationInfo {
  /** What it runs: the file's statements, or for a .ts migration the SQL captured in the rehearsal. */
  readonly statements: readonly StatementReport[];
  readonly lint: readonly LintFinding[];
  readonly rehearsed: boolean;
  /** Why it was not rehearsed, or how the rehearsal failed. */
  readonly note?: string;
  readonly rehearsalMs?: number;
  readonly error?: { readonly code: string; readonly message: string; readonly details: Record<string, unknown> };
}

export interface PlanReport extends ReportBase {
  readonly current: string | null;
  readonly migrations: readonly PlanMigration[];
  readonly drift: readonly DriftFinding[];
  readonly rehearsal: {
    /** transaction: run on the real database in a transaction that was rolled back; copy: run on a copy that was deleted. */
    readonly method: 'transaction' | 'copy';
    readonly ok: boolean;
    readonly ms: number;
  };
}

/** One migration applied or reverted by `up` / `down`. */
export interface MigrationRun {
  readonly version: string;
  readonly name: string;
  readonly fileName: string;
  readonly sqlMs: number;
  readonly verifyMs: number;
  readonly recordMs: number;
  readonly totalMs: number;
}

export interface RunTimings {
  readonly lockMs: number;
  readonly backupMs: number;
  readonly sqlMs: number;
  readonly verifyMs: number;
  readonly recordMs: number;
  readonly totalMs: number;
}

export interface UpReport extends ReportBase {
  readonly applied: readonly MigrationRun[];
  readonly backup: BackupResult | null;
  /** Lint findings of the pending SQL migrations, found before they ran. */
  readonly lint: readonly LintFinding[];
  readonly timings: RunTimings;
  /** The newest applied version after the run. */
  readonly current: string | null;
}

export interface DownReport extends ReportBase {
  readonly reverted: readonly MigrationRun[];
  readonly backup: BackupResult | null;
  readonly timings: RunTimings;
  readonly current: string | null;
  /** What the reverted downs destroyed (counted in a rehearsal before they ran). */
  readonly dataLoss: readonly DataLoss[];
}

/** What `down` would revert and destroy ({@link MigrationEngine.planDown}). */
export interface DownPlan extends ReportBase {
  readonly current: string | null;
  /** Newest first, as `down` reverts them. */
  readonly reverting: readonly MigrationInfo[];
  readonly dataLoss: readonly DataLoss[];
  /** Rows lost over all tables (dropped column values not included). */
  readonly rowsLost: number;
}

export interface VerifyReport extends ReportBase {
  readonly ok: boolean;
  readonly checked: readonly {
    readonly version: string;
    readonly fileName: string;
    readonly ok: boolean;
    readonly failures: readonly VerifyFailure[];
  }[];
}

export interface BaselineReport extends ReportBase {
  readonly recorded: readonly MigrationInfo[];
  readonly alreadyApplied: readonly MigrationInfo[];
}

export interface LintReport extends ReportBase {
  readonly strict: boolean;
  readonly migrations: number;
  readonly findings: readonly LintFinding[];
}

/** Progress of a long command, for the CLI's lines (`applying 0002_add_reason ...`). */
export type EngineEvent =
  | { readonly type: 'lock-wait'; readonly holder: LockHolder | undefined }
  | { readonly type: 'lock-acquired'; readonly ms: number }
  | { readonly type: 'backup-start' }
  | { readonly type: 'backup-done'; readonly backup: BackupResult }
  | { readonly type: 'nothing-to-do'; readonly current: string | null; readonly direction?: 'up' | 'down' }
  | {
      readonly type: 'migration-start';
      readonly direction: 'up' | 'down';
      readonly version: string;
      readonly name: string;
      readonly fileName: string;
    }
  | { readonly type: 'migration-done'; readonly direction: 'up' | 'down'; readonly run: MigrationRun }
  | { readonly type: 'migration-failed'; readonly direction: 'up' | 'down'; readonly fileName: string; readonly message: string }
  | { readonly type: 'lint-finding'; readonly finding: LintFinding }
  | { readonly type: 'rehearsal-start'; readonly method: 'transaction' | 'copy'; readonly count: number };
