/**
 * `migrate new <name>`: writes the next migration file with the three sections, so the format is
 * learnt from the file itself rather than from the documentation.
 */
import { existsSync, mkdirSync, readdirSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { MigrationInputError } from '../errors.ts';
import { CORE_MIGRATIONS_DIR, MIGRATION_FILE_NAME } from './sources.ts';

/** Versions below this are "small sequential numbers" (0001, 2, 15); above it, timestamps. */
export const SEQUENTIAL_VERSION_LIMIT = 100_000_000n;

/** `YYYYMMDDHHMMSS` in UTC. */
export function timestampVersion(at: Date): string {
  return at.toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

/**
 * The version the next migration of `dir` gets: the next number (keeping the zero padding) when
 * the directory uses small sequential numbers, else a UTC timestamp (always above the newest).
 *
 * @example
 * nextVersion(['0001_init.sql', '0002_orders.sql'], new Date()); // '0003'
 * nextVersion([], new Date('2026-11-21T22:33:00Z'));            // '20261121223300'
 */
export function nextVersion(fileNames: readonly string[], at: Date): string {
  const versions = fileNames.map((f) => MIGRATION_FILE_NAME.exec(f)?.[1]).filter((v): v is string => v !== undefined);
  const max = versions.reduce((m, v) => (BigInt(v) > m ? BigInt(v) : m), -1n);
  if (max >= 0n && max < SEQUENTIAL_VERSION_LIMIT) {
    const width = Math.max(...versions.map((v) => v.length));
    return (max + 1n).toString().padStart(width, '0');
  }
  const stamp = timestampVersion(at);
  return BigInt(stamp) > max ? stamp : (max + 1n).toString();
}

/** The text of a new SQL migration. */
export function sqlMigrationTemplate(fileName: string, at: Date): string {
  return `-- ${fileName}, created ${at.toISOString()} by \`botledger migrate new\`.
-- Optional directives, one per line, anywhere in the file (remove the leading "x" to use one):
-- x migrate:no-transaction        run outside a transaction (e.g. CREATE INDEX CONCURRENTLY); cannot be rolled back
-- x migrate:irreversible          \`migrate down\` refuses to revert it and points to \`migrate restore\`
-- x migrate:allow-row-change t1   the row count of these tables may change (otherwise a changed count fails the migration)

-- migrate:up
-- The statements to apply, each ending with ";". They run in one transaction with the checks below.


-- migrate:down
-- The statements that undo "up", in reverse order. Leave empty if it cannot be undone (down then refuses).


-- migrate:verify
-- Queries that must return ZERO rows when the migration is right; any row returned fails and rolls back.
-- Example: select id from orders where reason is null;

`;
}

/**
 * Writes `<next version>_<name>.sql` into `dir` (created if missing) and returns its path.
 *
 * @example
 * createMigrationFile('migrations', 'add_reason'); // '/abs/migrations/0003_add_reason.sql'
 */
export function createMigrationFile(dir: string, name: string, at: Date = new Date()): string {
  if (!/^[A-Za-z0-9_-]+$/.test(name)) {
    throw new MigrationInputError(
      'MIGRATION_NAME_INVALID',
      `migration name "${name}" is not valid: use letters, digits, _ and - only (e.g. add_reason)`,
      { name },
    );
  }
  const root = resolve(dir);
  refuseCoreDirectory(root);
  mkdirSync(root, { recursive: true });
  const fileName = `${nextVersion(existsSync(root) ? readdirSync(root) : [], at)}_${name}.sql`;
  const path = join(root, fileName);
  writeFileSync(path, sqlMigrationTemplate(fileName, at), { flag: 'wx' });
  return path;
}

/** The real path of `path`, or of its nearest existing ancestor with the rest appended. */
function realPathOf(path: string): string {
  if (existsSync(path)) return realpathSync(path);
  const parent = dirname(path);
  return parent === path ? path : join(realPathOf(parent), relative(parent, path));
}

/**
 * botledger's own migrations are part of the installed package: a file written there would be
 * applied to every database botledger opens (and every ledger command would then demand it).
 */
function refuseCoreDirectory(root: string): void {
  const core = realPathOf(CORE_MIGRATIONS_DIR);
  const inside = relative(core, realPathOf(root));
  if (inside === '' || !(inside.startsWith('..') || resolve(inside) === inside)) {
    throw new MigrationInputError(
      'MIGRATIONS_DIR_CORE',
      `refusing to write into ${root}: it holds botledger's own migrations (part of the installed package); pass --dir with the folder of your own migrations`,
      { dir: root },
    );
  }
}
