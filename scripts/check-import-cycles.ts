/**
 * Refuses import cycles among the modules of src/ (docs/architecture.md, decision 15: "no import
 * cycles"). Run by `npm run lint` through scripts/check-layers.ts and by test/architecture/import-cycles.test.ts.
 *
 * Which imports count: every relative import, export-from and `import('...')` with a literal
 * path, TYPE-ONLY IMPORTS INCLUDED. A type-only cycle cannot break module initialisation (the
 * import is erased), but the rule is about the design, not about load order: two modules that
 * name each other's types are one unit that cannot be read, tested or moved apart, which is what
 * "no cycles" is there to prevent. The layer check counts type imports for the same reason. A
 * shared type that both sides need belongs in a third module below both.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

export interface ImportEdge {
  /** The importing file, absolute. */
  readonly from: string;
  /** The imported file, absolute. */
  readonly to: string;
  /** Line of the import in `from`. */
  readonly line: number;
  readonly specifier: string;
}

export interface ImportCycle {
  /** The file the cycle is reported at (the first file of the path, relative to the cwd). */
  readonly file: string;
  /** Line of the first import of the path in `file`. */
  readonly line: number;
  /** The cycle as files relative to src/, the first repeated at the end: a.ts -> b.ts -> a.ts. */
  readonly path: readonly string[];
  /** Every file of the knot the cycle belongs to (relative to src/): breaking this one path may leave another. */
  readonly tangled: readonly string[];
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : /\.(ts|js|mts|cts)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The file a relative specifier names: as written, or `.js` written for a `.ts` file, or a folder's index. */
function resolveSpecifier(fromFile: string, specifier: string): string | undefined {
  const base = resolve(dirname(fromFile), specifier);
  const candidates = [base, base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts')];
  return candidates.find((candidate) => existsSync(candidate) && statSync(candidate).isFile());
}

/** The relative imports of one source text (see the module comment for which count). */
export function importsOf(file: string, text: string): { specifier: string; line: number }[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const found: { specifier: string; line: number }[] = [];
  const add = (literal: ts.StringLiteralLike): void => {
    if (literal.text.startsWith('.'))
      found.push({ specifier: literal.text, line: source.getLineAndCharacterOfPosition(literal.getStart(source)).line + 1 });
  };
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteralLike(node.moduleSpecifier)
    ) {
      add(node.moduleSpecifier);
      return;
    }
    if (
      ts.isCallExpression(node) &&
      node.expression.kind === ts.SyntaxKind.ImportKeyword &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    ) {
      add(node.arguments[0]);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Every relative import between files of `srcDir`. */
export function importGraph(srcDir: string): ImportEdge[] {
  return walk(srcDir).flatMap((file) =>
    importsOf(file, readFileSync(file, 'utf8')).flatMap(({ specifier, line }) => {
      const to = resolveSpecifier(file, specifier);
      return to && !relative(srcDir, to).startsWith('..') ? [{ from: file, to, line, specifier }] : [];
    }),
  );
}

/** Strongly connected components with more than one file, or a file importing itself (Tarjan). */
function tangledComponents(nodes: readonly string[], next: Map<string, ImportEdge[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const connect = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter++;
    stack.push(node);
    onStack.add(node);
    for (const edge of next.get(node) ?? []) {
      if (!index.has(edge.to)) {
        connect(edge.to);
        low.set(node, Math.min(low.get(node)!, low.get(edge.to)!));
      } else if (onStack.has(edge.to)) {
        low.set(node, Math.min(low.get(node)!, index.get(edge.to)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    const selfLoop = (next.get(node) ?? []).some((edge) => edge.to === node);
    if (component.length > 1 || selfLoop) components.push(component.sort());
  };
  for (const node of nodes) if (!index.has(node)) connect(node);
  return components;
}

/** The shortest cycle through `start` inside `component` (breadth-first), as edges. */
function cycleThrough(start: string, component: ReadonlySet<string>, next: Map<string, ImportEdge[]>): ImportEdge[] {
  const cameBy = new Map<string, ImportEdge>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const edge of next.get(node) ?? []) {
      if (!component.has(edge.to)) continue;
      if (edge.to === start) {
        const path = [edge];
        for (let at = node; at !== start; at = cameBy.get(at)!.from) path.unshift(cameBy.get(at)!);
        return path;
      }
      if (!cameBy.has(edge.to)) {
        cameBy.set(edge.to, edge);
        queue.push(edge.to);
      }
    }
  }
  return [];
}

/**
 * One cycle per knot of mutually importing files under `srcDir`, each with the path that closes
 * it and the line of its first import.
 *
 * @example
 * findImportCycles(resolve('src')); // [{ file: 'src/migrate/lint.ts', line: 12, path: ['migrate/lint.ts', 'migrate/lint-rules.ts', 'migrate/lint.ts'] }]
 */
export function findImportCycles(srcDir: string): ImportCycle[] {
  const edges = importGraph(srcDir);
  const next = new Map<string, ImportEdge[]>();
  for (const edge of edges) next.set(edge.from, [...(next.get(edge.from) ?? []), edge]);
  const nodes = [...new Set(edges.flatMap((edge) => [edge.from, edge.to]))].sort();
  return tangledComponents(nodes, next).map((component) => {
    const path = cycleThrough(component[0], new Set(component), next);
    return {
      file: relative(process.cwd(), component[0]),
      line: path[0].line,
      path: [...path.map((edge) => relative(srcDir, edge.from)), relative(srcDir, component[0])],
      tangled: component.map((file) => relative(srcDir, file)),
    };
  });
}
