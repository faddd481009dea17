import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { findImportCycles, importsOf } from '../../scripts/check-import-cycles.ts';
import { tempDir } from '../support/dialects.ts';

function srcTree(files: Record<string, string>): string {
  const src = tempDir();
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(src, path)), { recursive: true });
    writeFileSync(join(src, path), text);
  }
  return src;
}

test('a cycle is reported with its path and the line of its first import', () => {
  const src = srcTree({
    'migrate/lock.ts': "// the lock\nimport { fileLock } from './lock-file.ts';\nexport const lock = fileLock;\n",
    'migrate/lock-file.ts': "import { common } from './lock-common.ts';\nexport const fileLock = common;\n",
    'migrate/lock-common.ts': "\n\nimport { lock } from './lock.ts';\nexport const common = 1;\nexport const again = () => lock;\n",
  });
  const cycles = findImportCycles(src);
  assert.equal(cycles.length, 1);
  assert.deepEqual(cycles[0].path, [
    join('migrate', 'lock-common.ts'),
    join('migrate', 'lock.ts'),
    join('migrate', 'lock-file.ts'),
    join('migrate', 'lock-common.ts'),
  ]);
  assert.match(cycles[0].file, /lock-common\.ts$/);
  assert.equal(cycles[0].line, 3);
  assert.equal(cycles[0].tangled.length, 3);
});

test('type-only imports, export-from and dynamic imports close a cycle too', () => {
  const typeOnly = srcTree({
    'migrate/lint.ts': "import { rules } from './lint-rules.ts';\nexport interface LintCatalog { n: number }\nexport const lint = rules;\n",
    'migrate/lint-rules.ts': "import type { LintCatalog } from './lint.ts';\nexport const rules: LintCatalog[] = [];\n",
  });
  assert.deepEqual(findImportCycles(typeOnly)[0]?.path, [
    join('migrate', 'lint-rules.ts'),
    join('migrate', 'lint.ts'),
    join('migrate', 'lint-rules.ts'),
  ]);
  const reexport = srcTree({
    'a.ts': "export { b } from './b.ts';\nexport const a = 1;\n",
    'b.ts': "export const b = async () => (await import('./a.ts')).a;\n",
  });
  assert.equal(findImportCycles(reexport).length, 1);
});

test('a diamond, imports from outside src/ and packages are not cycles', () => {
  const src = srcTree({
    'app/top.ts': "import { l } from './left.ts';\nimport { r } from './right.ts';\nexport const top = l + r;\n",
    'app/left.ts': "import { base } from '../domain/base.ts';\nexport const l = base;\n",
    'app/right.ts': "import { base } from '../domain/base.ts';\nimport { Kysely } from 'kysely';\nexport const r = base;\n",
    'domain/base.ts': "import { x } from '../../outside.ts';\n// import { top } from '../app/top.ts';\nexport const base = 1;\n",
  });
  assert.deepEqual(findImportCycles(src), []);
});

test('imports are read from the syntax tree: comments and strings that look like imports do not count', () => {
  const found = importsOf(
    'x.ts',
    "// import { a } from './a.ts';\nconst s = \"import { b } from './b.ts'\";\nimport type { C } from './c.ts';\nexport * from './d.ts';\n",
  );
  assert.deepEqual(found, [
    { specifier: './c.ts', line: 3 },
    { specifier: './d.ts', line: 4 },
  ]);
});

test('the real src/ is read: every cycle found is a real path of imports within src/', () => {
  for (const cycle of findImportCycles(resolve('src'))) {
    assert.ok(cycle.path.length >= 2);
    assert.equal(cycle.path[0], cycle.path.at(-1));
    assert.ok(cycle.line > 0);
  }
});
