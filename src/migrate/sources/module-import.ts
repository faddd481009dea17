/**
 * How a `.ts`/`.js` migration module is imported. The `botledger` command runs compiled JavaScript
 * from dist/ when it is up to date (bin/botledger.js), and then no TypeScript loader is present:
 *
 * - botledger's own TypeScript sources (the core schema's migrations in src/storage/migrations)
 *   are imported from their compiled copy in dist/, which bin/botledger.js only uses when it is at
 *   least as new as src/. The migration keeps its identity: its file name, path and checksum are
 *   always those of the `.ts` source (sources.ts reads and hashes that file), so a database
 *   migrated from the sources shows no drift when run from dist, and the other way round.
 * - any other TypeScript file (a user's migration) goes through tsx, loaded only then: most
 *   commands never pay its start-up cost.
 *
 * Under tsx (tests, development, the fallback of bin/botledger.js) everything is a plain import.
 */
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** True when this module is the compiled JavaScript in dist/ rather than the TypeScript source. */
const RUNNING_COMPILED = import.meta.url.endsWith('.js');

/** The package's root: this file is <root>/src/migrate/sources/*.ts or <root>/dist/migrate/sources/*.js. */
const PACKAGE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const SOURCE_ROOT = join(PACKAGE_ROOT, 'src');
const COMPILED_ROOT = join(PACKAGE_ROOT, 'dist');

/**
 * The compiled file of one of botledger's own TypeScript sources when this process runs compiled
 * code and that file exists, else undefined.
 *
 * @example
 * compiledCopyOf('/opt/botledger/src/storage/migrations/0001_core_schema.ts'); // '/opt/botledger/dist/storage/migrations/0001_core_schema.js'
 */
export function compiledCopyOf(path: string): string | undefined {
  if (!RUNNING_COMPILED || !/\.m?ts$/.test(path)) return undefined;
  const inside = relative(SOURCE_ROOT, resolve(path));
  if (inside.startsWith('..') || isAbsolute(inside)) return undefined;
  const compiled = join(COMPILED_ROOT, inside.replace(/\.(m?)ts$/, '.$1js'));
  return existsSync(compiled) ? compiled : undefined;
}

/**
 * Imports a migration module from its file path (see the file comment for which code runs).
 *
 * @example
 * const module = await loadMigrationModule('/srv/bot/migrations/0003_backfill.ts');
 * typeof module.up; // 'function'
 */
export async function loadMigrationModule(path: string): Promise<Record<string, unknown>> {
  const compiled = compiledCopyOf(path);
  if (compiled) return import(pathToFileURL(compiled).href);
  if (RUNNING_COMPILED && /\.[mc]?ts$/.test(path)) {
    const { tsImport } = await import('tsx/esm/api');
    return tsImport(pathToFileURL(path).href, import.meta.url);
  }
  return import(pathToFileURL(path).href);
}
