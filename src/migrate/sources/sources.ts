/**
 * Finds and loads the migrations of one directory (one source): `<version>_<name>.sql|.ts|.js`,
 * in numeric order, each checksummed. Anything else in the directory is an error, because a file
 * named `0003-add-reason.sql` or `0003_add_reason.sqll` must not be silently skipped.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MigrationInputError } from '../errors.ts';
import { loadMigrationModule } from './module-import.ts';
import {
  type AppliedMigration,
  compareVersions,
  DEFAULT_MIGRATION_CONFIG,
  type Migration,
  type MigrationConfig,
  type MigrationModule,
  type VerifyStep,
} from '../migration.ts';
import { importMigrationModule, moduleSyntaxError } from './module-loader.ts';
import type { DriftFinding } from '../reports.ts';
import { parseSqlMigration } from './sql-file.ts';

/**
 * The directory of botledger's own schema migrations: always the sources (src/storage/migrations),
 * also when this file runs compiled from dist/migrate/sources, so checksums are of the .ts files either way
 * (module-import.ts imports their compiled copies).
 */
export const CORE_MIGRATIONS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'src', 'storage', 'migrations');

/** The source name of botledger's own migrations in the tracking table. */
export const CORE_SOURCE = 'core';

/**
 * botledger's own migrations that `down` must refuse: 0001 creates the ledger, so its down would
 * drop every table, the append-only event log included. Declared here rather than in the file's
 * `config`, because editing an applied migration file changes its checksum and every database
 * already at 0001 would then report drift.
 */
export const CORE_IRREVERSIBLE_VERSIONS: readonly string[] = ['1'];

/** `<digits>_<name>.<sql|ts|mts|js|mjs>` */
export const MIGRATION_FILE_NAME = /^(\d+)_([A-Za-z0-9_-]+)\.(sql|ts|mts|js|mjs)$/;

/**
 * Files a migrations directory may hold besides migrations: README, dotfiles, type declarations,
 * and what a folder of `.ts` migrations needs to be a package of its own (package.json and its
 * lockfile, tsconfig.json, node_modules).
 */
function isIgnored(name: string): boolean {
  return (
    name.startsWith('.') ||
    /\.d\.m?ts$/.test(name) ||
    /^readme(\.[a-z]+)?$/i.test(name) ||
    /^(package\.json|package-lock\.json|npm-shrinkwrap\.json|tsconfig(\.[\w-]+)?\.json|node_modules)$/.test(name)
  );
}

/**
 * The source name used for a directory when none is given: `core` for botledger's own
 * migrations, else the directory's base name.
 *
 * @example
 * defaultSourceFor('/srv/bot/plugins/grid/migrations'); // 'migrations'
 */
export function defaultSourceFor(dir: string): string {
  return resolve(dir) === CORE_MIGRATIONS_DIR ? CORE_SOURCE : basename(resolve(dir));
}

/**
 * Loads every migration of `dir` in numeric version order.
 *
 * @example
 * const migrations = await loadMigrations('migrations', 'my-plugin');
 * migrations.map((m) => m.fileName); // ['1_init.sql', '2_orders.sql', '10_reason.ts']
 */
export async function loadMigrations(dir: string, source: string): Promise<Migration[]> {
  const root = resolve(dir);
  if (!existsSync(root))
    throw new MigrationInputError('MIGRATIONS_DIR_MISSING', `migrations directory ${root} does not exist`, { dir: root });
  if (!statSync(root).isDirectory()) throw new MigrationInputError('MIGRATIONS_DIR_MISSING', `${root} is not a directory`, { dir: root });
  const byVersion = new Map<string, string>();
  const migrations: Migration[] = [];
  for (const fileName of readdirSync(root).sort()) {
    if (isIgnored(fileName)) continue;
    const path = join(root, fileName);
    const match = MIGRATION_FILE_NAME.exec(fileName);
    if (!match || !statSync(path).isFile()) {
      throw new MigrationInputError(
        'MIGRATION_FILE_NAME',
        `${fileName} in ${root} is not a migration file name: expected <version>_<name>.sql|.ts|.mts|.js|.mjs (digits, an underscore, letters/digits/_/-), e.g. 0003_add_reason.sql; rename or move it`,
        { file: fileName, dir: root },
      );
    }
    const [, version, name, extension] = match;
    const key = BigInt(version).toString();
    const other = byVersion.get(key);
    if (other) {
      throw new MigrationInputError(
        'MIGRATION_DUPLICATE_VERSION',
        `${other} and ${fileName} in ${root} have the same version ${version}; renumber one`,
        {
          files: [other, fileName],
          version,
        },
      );
    }
    byVersion.set(key, fileName);
    const bytes = readFileSync(path);
    const base = { version, name, fileName, path, source, checksum: createHash('sha256').update(bytes).digest('hex') };
    const migration = extension === 'sql' ? sqlMigration(base, bytes.toString('utf8')) : await moduleMigration(base);
    const coreIrreversible = root === CORE_MIGRATIONS_DIR && CORE_IRREVERSIBLE_VERSIONS.includes(key);
    migrations.push(coreIrreversible ? { ...migration, config: { ...migration.config, irreversible: true } } : migration);
  }
  return migrations.sort((a, b) => compareVersions(a.version, b.version));
}

type MigrationBase = Pick<Migration, 'version' | 'name' | 'fileName' | 'path' | 'source' | 'checksum'>;

function sqlMigration(base: MigrationBase, text: string): Migration {
  const parsed = parseSqlMigration(text, base.fileName);
  return {
    ...base,
    format: 'sql',
    config: parsed.config,
    up: { kind: 'sql', statements: parsed.up },
    down: parsed.down ? { kind: 'sql', statements: parsed.down } : undefined,
    verify: parsed.verify.map((s) => ({ kind: 'sql', sql: s.sql, line: s.line })),
  };
}

async function moduleMigration(base: MigrationBase): Promise<Migration> {
  const bad = (what: string): never => {
    throw new MigrationInputError('MIGRATION_MODULE_INVALID', `${base.fileName}: ${what}`, { file: base.fileName });
  };
  let loaded: Partial<MigrationModule> & Record<string, unknown>;
  try {
    // botledger's own migrations are part of its package (module-import.ts picks their compiled
    // copy when running from dist/); a user's go through the module loader from any folder.
    loaded =
      dirname(base.path) === CORE_MIGRATIONS_DIR
        ? await loadMigrationModule(base.path)
        : await importMigrationModule(base.path, base.checksum);
  } catch (error) {
    const syntax = moduleSyntaxError(error);
    if (syntax) {
      const where = syntax.line === null ? '' : `:${syntax.line}${syntax.column === null ? '' : `:${syntax.column}`}`;
      throw new MigrationInputError(
        'MIGRATION_SYNTAX',
        `${base.fileName}${where}: syntax error: ${syntax.message}${syntax.lineText ? `\n    ${syntax.lineText.trim()}` : ''}`,
        { file: base.fileName, path: base.path, line: syntax.line, column: syntax.column },
      );
    }
    return bad(`cannot be loaded: ${(error as Error).message}`);
  }
  if (typeof loaded.up !== 'function') bad('must export an async function up(db, context)');
  if (loaded.down !== undefined && typeof loaded.down !== 'function') bad('down must be a function when exported');
  const verify: VerifyStep[] = [];
  if (typeof loaded.verify === 'function') verify.push({ kind: 'function', run: loaded.verify });
  else if (Array.isArray(loaded.verify)) {
    for (const [index, query] of loaded.verify.entries()) {
      if (typeof query !== 'string' || !query.trim()) bad(`verify[${index}] must be a non-empty SQL string`);
      verify.push({ kind: 'sql', sql: query.trim().replace(/;\s*$/, '') });
    }
  } else if (loaded.verify !== undefined) bad('verify must be an array of SQL queries or a function');
  const up = loaded.up as MigrationModule['up'];
  const down = loaded.down as MigrationModule['down'];
  return {
    ...base,
    format: 'module',
    config: moduleConfig(loaded.config, bad),
    up: { kind: 'function', run: up },
    down: down ? { kind: 'function', run: down } : undefined,
    verify,
  };
}

function moduleConfig(config: unknown, bad: (what: string) => never): MigrationConfig {
  if (config === undefined) return DEFAULT_MIGRATION_CONFIG;
  if (typeof config !== 'object' || config === null || Array.isArray(config)) return bad('config must be an object');
  const known = ['transaction', 'irreversible', 'allowRowChange'];
  const entries = config as Record<string, unknown>;
  for (const key of Object.keys(entries)) if (!known.includes(key)) bad(`config.${key} is not an option (known: ${known.join(', ')})`);
  const flag = (key: string, fallback: boolean): boolean => {
    const value = entries[key];
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') return bad(`config.${key} must be true or false`);
    return value;
  };
  const allow = entries.allowRowChange ?? [];
  if (!Array.isArray(allow) || allow.some((t) => typeof t !== 'string' || !t.trim()))
    bad('config.allowRowChange must be an array of table names');
  return {
    transaction: flag('transaction', true),
    irreversible: flag('irreversible', false),
    allowRowChange: (allow as string[]).map((t) => t.trim().replaceAll('"', '').toLowerCase()),
  };
}

/**
 * What stops `up` and `down`: an applied migration whose file changed (CHECKSUM_MISMATCH), an
 * applied version newer than every file (DATABASE_NEWER: a newer botledger migrated this
 * database), or an older applied version whose file is gone (MISSING_FILE). `applied` holds the
 * rows of one source.
 *
 * @example
 * findDrift(await loadMigrations(dir, 'core'), applied.filter((a) => a.source === 'core'), dir); // [] when in step
 */
export function findDrift(migrations: readonly Migration[], applied: readonly AppliedMigration[], dir: string): DriftFinding[] {
  const byVersion = new Map(migrations.map((m) => [BigInt(m.version), m]));
  const newest = migrations.at(-1);
  const findings: DriftFinding[] = [];
  for (const a of applied) {
    const file = byVersion.get(BigInt(a.version));
    const base = { version: a.version, source: a.source };
    if (file && file.checksum !== a.checksum) {
      findings.push({
        ...base,
        code: 'CHECKSUM_MISMATCH',
        fileName: file.fileName,
        message: `migration ${file.fileName} was edited after it was applied (checksum ${a.checksum.slice(0, 12)}… recorded, ${file.checksum.slice(0, 12)}… now); restore the file or write a new migration`,
      });
    } else if (!file && (!newest || compareVersions(a.version, newest.version) > 0)) {
      findings.push({
        ...base,
        code: 'DATABASE_NEWER',
        fileName: null,
        message: `the database was migrated by a newer botledger (version ${a.version} "${a.name}" of source ${a.source} is not known here; newest file: ${newest?.fileName ?? 'none'}); upgrade botledger or point --dir at the right migrations`,
      });
    } else if (!file) {
      findings.push({
        ...base,
        code: 'MISSING_FILE',
        fileName: null,
        message: `migration version ${a.version} "${a.name}" of source ${a.source} was applied but its file is missing from ${dir}; restore the file`,
      });
    }
  }
  return findings;
}
