/**
 * What a backup and a restore are, as the backup functions (backup.ts), the restore guard and
 * the reports see them. Apart from backup.ts so that restore-guard.ts, which backup.ts calls,
 * needs nothing from it.
 */
import type { AppliedMigration } from '../migration.ts';

export interface BackupResult {
  path: string;
  bytes: number;
  durationMs: number;
  atVersion: string | null;
  createdAt: string;
}
export interface BackupOptions {
  dir: string;
  atVersion: string | null;
  /** PostgreSQL: back up only this schema. */
  schema?: string;
  keep?: number;
  trackingTable?: string;
}
export interface BackupInfo {
  path: string;
  bytes: number;
  createdAt: string;
  atVersion: string | null;
  /** The schema of a schema-only PostgreSQL backup, else null. */
  schema: string | null;
}
export interface RestoreResult {
  path: string;
  durationMs: number;
  applied: AppliedMigration[];
  /** The backup of the database as it was just before the restore (null when there was none). */
  safetyBackup: BackupResult | null;
}
