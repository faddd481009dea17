/**
 * The shapes shared by every part of the migration engine: a parsed migration file, its options,
 * and the context a `.ts` migration receives. Parsing lives in sources.ts / sql-file.ts; running
 * lives in apply.ts and engine.ts.
 */
import type { Kysely } from 'kysely';
import type { DialectCapabilities } from '../storage/dialects/capabilities.ts';
import type { DialectName } from '../storage/database.ts';

/** Options of one migration, from SQL directives or a module's `config` export. */
export interface MigrationConfig {
  /** False only with `-- migrate:no-transaction` / `config.transaction = false`. */
  readonly transaction: boolean;
  /** `-- migrate:irreversible`: `down` refuses to pass it and points to `restore`. */
  readonly irreversible: boolean;
  /** `-- migrate:allow-row-change a, b`: tables whose row count may change (lower-case, as written). */
  readonly allowRowChange: readonly string[];
}

export const DEFAULT_MIGRATION_CONFIG: MigrationConfig = { transaction: true, irreversible: false, allowRowChange: [] };

/** One SQL statement of a file, with the 1-based line it starts on (for errors and lint). */
export interface SqlStatement {
  readonly sql: string;
  readonly line: number;
}

/** A row returned by a verify query (or produced by a verify function): each one is a failure. */
export type VerifyRow = Record<string, unknown>;

/** What a `.ts` migration receives besides Kysely. */
export interface MigrationContext {
  readonly dialect: DialectName;
  readonly capabilities: DialectCapabilities;
  /** The migration being run. */
  readonly migration: Pick<Migration, 'version' | 'name' | 'source' | 'fileName'>;
  /** Adds a verify query (must return zero rows) run after `up`, before commit. */
  addVerify(sql: string): void;
  /**
   * Rewrites `column` through `mapping` (old value -> new value) and adds the verify check that no
   * old value remains. With `from` (raw SQL), the values looked up are that expression's, e.g. set
   * `plugin_id` from `logic_type`. Returns the number of rows changed.
   */
  remapValues(
    table: string,
    column: string,
    mapping: Readonly<Record<string, string>>,
    options?: { where?: string; from?: string },
  ): Promise<number>;
  /**
   * Sets columns in keyset batches (by `key`, default `id`) on rows matching `where`; resumable
   * after a crash in a no-transaction migration. `set` maps a column to a raw SQL expression.
   */
  backfill(table: string, set: Readonly<Record<string, string>>, options?: BackfillOptions): Promise<number>;
}

export interface BackfillOptions {
  readonly batchSize?: number;
  readonly key?: string;
  readonly where?: string;
}

/** The exports of a `<version>_<name>.ts|.js` migration. */
export interface MigrationModule {
  up(db: Kysely<any>, context: MigrationContext): Promise<void>;
  down?(db: Kysely<any>, context: MigrationContext): Promise<void>;
  verify?: readonly string[] | ((db: Kysely<any>, context: MigrationContext) => Promise<readonly VerifyRow[] | undefined | void>);
  config?: Partial<MigrationConfig>;
}

/** How to run one direction of a migration. */
export type MigrationStep =
  | { readonly kind: 'sql'; readonly statements: readonly SqlStatement[] }
  | { readonly kind: 'function'; readonly run: (db: Kysely<any>, context: MigrationContext) => Promise<void> };

/** One verification of a migration. */
export type VerifyStep =
  | { readonly kind: 'sql'; readonly sql: string; readonly line?: number }
  | {
      readonly kind: 'function';
      readonly run: (db: Kysely<any>, context: MigrationContext) => Promise<readonly VerifyRow[] | undefined | void>;
    };

/** A migration file, parsed and checksummed. */
export interface Migration {
  /** The digits of the file name, as written (`0004`). Compare with {@link compareVersions}. */
  readonly version: string;
  readonly name: string;
  readonly fileName: string;
  readonly path: string;
  /** `core`, a plugin id, or the directory's name. */
  readonly source: string;
  /** sha256 (hex) of the file's bytes. */
  readonly checksum: string;
  readonly format: 'sql' | 'module';
  readonly config: MigrationConfig;
  readonly up: MigrationStep;
  readonly down?: MigrationStep;
  readonly verify: readonly VerifyStep[];
}

/** A row of the tracking table. */
export interface AppliedMigration {
  readonly version: string;
  readonly name: string;
  readonly source: string;
  readonly checksum: string;
  /** ISO-8601 UTC. */
  readonly appliedAt: string;
  readonly durationMs: number;
  readonly backupPath: string | null;
  readonly appliedBy: string;
}

/** Numeric order of versions written as digits (`10` after `9`, `0004` equal to `4`). */
export function compareVersions(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}
