/**
 * Backup file names, sidecars, listing and retention. A backup is
 * `<db name>[.<schema>]-<UTC yyyymmddThhmmssSSSZ>-v<version|none>.(sqlite|dump)` plus a sidecar
 * `<file>.json` describing it; names sort by time and say what they hold without opening them.
 */
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type { DatabaseTarget, DialectName } from '../../storage/database.ts';
import type { AppliedMigration } from '../migration.ts';

/** The sidecar `<backup>.json` written next to every backup. */
export interface BackupSidecar {
  dialect: DialectName;
  /** The database URL, password redacted. */
  database: string;
  atVersion: string | null;
  createdAt: string;
  /** PostgreSQL: the schema backed up alone, or null for the whole database. */
  schema: string | null;
  /** The tracking table's rows at backup time; restore checks the restored database against them. */
  applied: AppliedMigration[];
}

/** A backup found in a directory. */
export interface BackupFile {
  path: string;
  bytes: number;
  createdAt: string;
  atVersion: string | null;
  schema: string | null;
}

const PATTERN = /^(.+?)(?:\.([A-Za-z_][A-Za-z0-9_]*))?-(\d{8}T\d{9}Z)-v([A-Za-z0-9_]+)\.(sqlite|dump)$/;

/** The name a database's backups start with: the SQLite file's base name or the PostgreSQL database's name. */
export function backupBaseName(target: DatabaseTarget): string {
  let name: string;
  if (target.dialect === 'sqlite') {
    name = basename(target.path, extname(target.path));
  } else {
    try {
      name = decodeURIComponent(new URL(target.connectionString).pathname.slice(1)) || 'postgres';
    } catch {
      name = 'postgres';
    }
  }
  // Dots separate the schema; keep names portable across file systems.
  return name.replace(/[^A-Za-z0-9_-]/g, '_') || 'database';
}

/** `20261121T223324123Z` for 2026-11-21T22:33:24.123Z. */
export function compactTimestamp(iso: string): string {
  return iso.replace(/[-:.]/g, '');
}

function isoFromCompact(compact: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z$/.exec(compact)!;
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${m[7]}Z`;
}

/**
 * A fresh backup path in `dir`, never an existing one (two backups in one millisecond get
 * consecutive timestamps).
 *
 * @example
 * backupPathFor(dir, target, null, '0004', new Date()); // dir/botledger-20261121T223324123Z-v0004.sqlite
 */
export function backupPathFor(
  dir: string,
  target: DatabaseTarget,
  schema: string | null,
  atVersion: string | null,
  at: Date,
): { path: string; createdAt: string } {
  const prefix = backupBaseName(target) + (schema ? `.${schema}` : '');
  const version = atVersion === null ? 'none' : atVersion.replace(/[^A-Za-z0-9_]/g, '_');
  const extension = target.dialect === 'sqlite' ? 'sqlite' : 'dump';
  for (let ms = at.getTime(); ; ms++) {
    const createdAt = new Date(ms).toISOString();
    const path = join(dir, `${prefix}-${compactTimestamp(createdAt)}-v${version}.${extension}`);
    if (!existsSync(path) && !existsSync(`${path}.partial`)) return { path, createdAt };
  }
}

export function sidecarPath(backupPath: string): string {
  return `${backupPath}.json`;
}

/** Writes the sidecar atomically (a reader never sees half of it). */
export function writeSidecar(backupPath: string, sidecar: BackupSidecar): void {
  const path = sidecarPath(backupPath);
  writeFileSync(`${path}.partial`, `${JSON.stringify(sidecar, null, 2)}\n`);
  renameSync(`${path}.partial`, path);
}

/** The sidecar of a backup, or undefined when it is missing or unreadable (a hand-copied file). */
export function readSidecar(backupPath: string): BackupSidecar | undefined {
  try {
    return JSON.parse(readFileSync(sidecarPath(backupPath), 'utf8')) as BackupSidecar;
  } catch {
    return undefined;
  }
}

/**
 * The backups of one database in `dir`, newest first. `schema`: undefined lists all of them,
 * null only whole-database backups, a name only that schema's.
 */
export function findBackups(dir: string, target: DatabaseTarget, schema?: string | null): BackupFile[] {
  if (!existsSync(dir)) return [];
  const base = backupBaseName(target);
  const extension = target.dialect === 'sqlite' ? 'sqlite' : 'dump';
  const found: BackupFile[] = [];
  for (const entry of readdirSync(dir)) {
    const m = PATTERN.exec(entry);
    if (!m || m[1] !== base || m[5] !== extension) continue;
    const entrySchema = m[2] ?? null;
    if (schema !== undefined && entrySchema !== schema) continue;
    const path = join(dir, entry);
    let bytes: number;
    try {
      bytes = statSync(path).size;
    } catch {
      continue; // removed while we listed
    }
    const sidecar = readSidecar(path);
    found.push({
      path,
      bytes,
      createdAt: isoFromCompact(m[3]),
      atVersion: sidecar ? sidecar.atVersion : m[4] === 'none' ? null : m[4],
      schema: entrySchema,
    });
  }
  return found.sort((a, b) => (a.createdAt === b.createdAt ? b.path.localeCompare(a.path) : b.createdAt.localeCompare(a.createdAt)));
}

/** Deletes a backup and its sidecar. */
export function removeBackup(path: string): void {
  rmSync(path, { force: true });
  rmSync(sidecarPath(path), { force: true });
}

/** A `.partial` file older than this was left by a backup that crashed; retention removes it. */
export const PARTIAL_BACKUP_MAX_AGE_MS = 60 * 60 * 1000;

/**
 * Keeps the newest `keep` backups of this database (and this schema) in `dir`, and removes this
 * database's `.partial` leftovers of crashed backups; returns the paths removed.
 */
export function applyRetention(dir: string, target: DatabaseTarget, schema: string | null, keep: number): string[] {
  const removed = findBackups(dir, target, schema)
    .slice(keep)
    .map((backup) => backup.path);
  for (const path of removed) removeBackup(path);
  const base = backupBaseName(target);
  for (const entry of readdirSync(dir)) {
    if (!entry.endsWith('.partial') || PATTERN.exec(entry.replace(/(\.json)?\.partial$/, ''))?.[1] !== base) continue;
    const path = join(dir, entry);
    try {
      if (Date.now() - statSync(path).mtimeMs > PARTIAL_BACKUP_MAX_AGE_MS) {
        rmSync(path, { force: true });
        removed.push(path);
      }
    } catch {
      // gone already
    }
  }
  return removed;
}
