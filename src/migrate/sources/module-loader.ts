/**
 * Imports a user's `.ts`/`.mts`/`.js`/`.mjs` migration from any folder: as an ES module whatever
 * package.json (or none) is above it, TypeScript compiled by esbuild (tsx's own compiler), with
 * botledger's dependencies (`kysely`) importable when the folder has none, and a syntax error
 * reported with its file, line and column. botledger's own migrations are imported directly.
 */
import { existsSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';

const MARK = 'botledger-migration';
const SYNTAX_PREFIX = 'BOTLEDGER_MIGRATION_SYNTAX ';

/**
 * Resolve/load hooks, as a data: URL so they need no file of their own (and survive a build step).
 * Node runs them in its hooks thread. A URL carrying the marker is compiled and loaded as an ES
 * module; a bare import that the migration's folder cannot resolve is resolved from botledger's
 * install; relative imports of helpers inherit the marker.
 */
const HOOKS = `
import { readFile } from 'node:fs/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
const MARK = ${JSON.stringify(MARK)};
let home;
let vendored;
let esbuildPath;
let esbuild;
export function initialize(data) { home = data.home; vendored = data.vendored; esbuildPath = data.esbuild; }
const marked = (url) => typeof url === 'string' && url.startsWith('file:') && new URL(url).searchParams.has(MARK);
const loader = (url) => {
  const path = new URL(url).pathname;
  if (path.includes('/node_modules/')) return undefined;
  const ext = /\\.(ts|mts|js|mjs)$/.exec(path)?.[1];
  return ext === undefined ? undefined : ext.endsWith('ts') ? 'ts' : 'js';
};
export async function resolve(specifier, context, next) {
  if (!marked(context.parentURL)) return next(specifier, context);
  let result;
  try {
    result = await next(specifier, context);
  } catch (error) {
    if (/^[./]|^[a-z]+:/.test(specifier) || error?.code !== 'ERR_MODULE_NOT_FOUND') throw error;
    if (vendored[specifier]) return { url: vendored[specifier], format: 'module', shortCircuit: true };
    return next(specifier, { ...context, parentURL: home });
  }
  if (result.url.startsWith('file:') && loader(result.url) && !marked(result.url)) {
    const url = new URL(result.url);
    url.searchParams.set(MARK, new URL(context.parentURL).searchParams.get(MARK));
    return { ...result, url: url.href, format: 'module' };
  }
  return result;
}
export async function load(url, context, next) {
  const kind = marked(url) ? loader(url) : undefined;
  if (!kind) return next(url, context);
  const path = fileURLToPath(new URL(new URL(url).pathname, 'file:'));
  const text = await readFile(path, 'utf8');
  esbuild ??= (await import(pathToFileURL(esbuildPath).href)).default;
  let code;
  try {
    code = (await esbuild.transform(text, { loader: kind, format: 'esm', sourcefile: path, sourcemap: 'inline', target: 'node20' })).code;
  } catch (error) {
    const first = error.errors?.[0];
    if (!first) throw error;
    const where = first.location ?? {};
    throw new SyntaxError(${JSON.stringify(SYNTAX_PREFIX)} + JSON.stringify({ file: path, line: where.line ?? null, column: where.column === undefined ? null : where.column + 1, message: first.text, lineText: where.lineText ?? '' }));
  }
  // A .js file keeps its own text (exact line numbers in stack traces); esbuild only checked it.
  return { format: 'module', source: kind === 'js' ? text : code, shortCircuit: true };
}
`;

let registered = false;

function registerHooks(): void {
  if (registered) return;
  // esbuild is tsx's compiler; resolving it from tsx keeps to what botledger's install provides.
  const esbuild = createRequire(import.meta.resolve('tsx/esm/api')).resolve('esbuild');
  // Compiled, botledger runs kysely from dist/vendor (scripts/build.js): a migration gets that same copy.
  const vendored: Record<string, string> = {};
  const kysely = new URL('../../vendor/kysely.js', import.meta.url);
  if (import.meta.url.endsWith('.js') && existsSync(kysely)) vendored.kysely = kysely.href;
  register(`data:text/javascript,${encodeURIComponent(HOOKS)}`, { data: { home: import.meta.url, vendored, esbuild } });
  registered = true;
}

/** A syntax error in a migration module, with where it is. */
export interface ModuleSyntaxError {
  readonly file: string;
  readonly line: number | null;
  readonly column: number | null;
  readonly message: string;
  readonly lineText: string;
}

/** The syntax error a failed {@link importMigrationModule} carries, if that is why it failed. */
export function moduleSyntaxError(error: unknown): ModuleSyntaxError | undefined {
  const message = (error as Error | undefined)?.message ?? '';
  const at = message.indexOf(SYNTAX_PREFIX);
  if (at < 0) return undefined;
  try {
    return JSON.parse(message.slice(at + SYNTAX_PREFIX.length)) as ModuleSyntaxError;
  } catch {
    return undefined;
  }
}

/**
 * Imports the migration module at `path` through the hooks above. `checksum` is part of the URL,
 * so that a file edited since it was last imported in this process is compiled afresh.
 *
 * @example
 * const mod = await importMigrationModule('/srv/bot/migrations/0002_reason.ts', checksum);
 * typeof mod.up; // 'function'
 */
export async function importMigrationModule(path: string, checksum: string): Promise<Record<string, unknown>> {
  registerHooks();
  const url = pathToFileURL(path);
  url.searchParams.set(MARK, checksum.slice(0, 16));
  return import(url.href);
}
