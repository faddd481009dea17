/**
 * Enforces the layer order of docs/architecture.md: a module under src/ may import only from its own
 * layer or from layers listed before it. domain imports nothing of ours but domain.
 * Run by `npm run lint` and by test/architecture/layers.test.ts.
 *
 * Run as a script it also applies the other structural rules: no SQL text outside src/storage/
 * and src/migrate/ (check-sql-text.ts) and no import cycles (check-import-cycles.ts).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findImportCycles } from './check-import-cycles.ts';
import { findSqlText } from './check-sql-text.ts';

/** Layers from the bottom (imports nothing of ours) to the top. */
export const LAYERS = ['domain', 'storage', 'migrate', 'exchange', 'engine', 'plugins', 'app', 'api', 'cli'] as const;

/** Imports a layer may make beyond the ones below it. */
const EXTRA_ALLOWED: Record<string, readonly string[]> = {
  // The core schema's migrations live in storage/ but are run by the engine in migrate/.
  storage: ['migrate'],
};

export interface LayerViolation {
  readonly file: string;
  readonly line: number;
  readonly from: string;
  readonly to: string;
  readonly specifier: string;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : /\.(ts|js)$/.test(name) ? [path] : [];
  });
}

function layerOf(srcDir: string, file: string): string | undefined {
  const first = relative(srcDir, file).split(sep)[0];
  return (LAYERS as readonly string[]).includes(first) ? first : undefined;
}

/** Every import in src/ that goes up the layer order. */
export function findLayerViolations(srcDir: string): LayerViolation[] {
  const violations: LayerViolation[] = [];
  const importPattern = /(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const file of walk(srcDir)) {
    const from = layerOf(srcDir, file);
    if (!from) continue;
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(importPattern)) {
      const specifier = match[1] ?? match[2];
      if (!specifier.startsWith('.')) continue;
      const to = layerOf(srcDir, resolve(dirname(file), specifier));
      if (!to || to === from) continue;
      const allowed = LAYERS.indexOf(to as never) < LAYERS.indexOf(from as never) || (EXTRA_ALLOWED[from] ?? []).includes(to);
      if (!allowed) {
        const line = text.slice(0, match.index).split('\n').length;
        violations.push({ file: relative(process.cwd(), file), line, from, to, specifier });
      }
    }
  }
  return violations;
}

/** Every finding of the three rules under `srcDir`, one line each as `file:line: message`. */
export function structureReport(srcDir: string): string[] {
  return [
    ...findLayerViolations(srcDir).map((v) => `${v.file}:${v.line}: ${v.from} must not import ${v.to} (${v.specifier})`),
    ...findSqlText(srcDir).map((v) => `${v.file}:${v.line}: SQL outside src/storage/ and src/migrate/ (${v.kind}): ${v.text}`),
    ...findImportCycles(srcDir).map(
      (c) =>
        `${c.file}:${c.line}: import cycle: ${c.path.join(' -> ')}${c.tangled.length > c.path.length - 1 ? ` (knot of ${c.tangled.length} files: ${c.tangled.join(', ')})` : ''}`,
    ),
  ];
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const report = structureReport(resolve('src'));
  for (const line of report) console.error(line);
  if (report.length > 0) process.exit(1);
  console.log('layers, SQL text, import cycles: ok');
}
