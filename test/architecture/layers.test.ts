import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { findLayerViolations, LAYERS } from '../../scripts/check-layers.ts';
import { tempDir } from '../support/dialects.ts';

test('src/ keeps the layer order of docs/architecture.md', () => {
  assert.deepEqual(findLayerViolations(resolve('src')), []);
});

test('an upward import is reported with file, line and layers', () => {
  const src = tempDir();
  mkdirSync(join(src, 'domain'));
  mkdirSync(join(src, 'engine'));
  writeFileSync(join(src, 'engine', 'x.ts'), 'export const x = 1;\n');
  writeFileSync(join(src, 'domain', 'y.ts'), "// a rule\nimport { x } from '../engine/x.ts';\n");
  const violations = findLayerViolations(src);
  assert.equal(violations.length, 1);
  assert.equal(violations[0].from, 'domain');
  assert.equal(violations[0].to, 'engine');
  assert.equal(violations[0].line, 2);
});

test('app sits between plugins and api: it may import the engine, the API may import it', () => {
  assert.deepEqual(LAYERS.slice(LAYERS.indexOf('plugins'), LAYERS.indexOf('api') + 1), ['plugins', 'app', 'api']);
  const src = tempDir();
  for (const layer of ['engine', 'app', 'api']) mkdirSync(join(src, layer));
  writeFileSync(join(src, 'engine', 'e.ts'), 'export const e = 1;\n');
  writeFileSync(join(src, 'app', 'a.ts'), "import { e } from '../engine/e.ts';\nexport const a = e;\n");
  writeFileSync(join(src, 'api', 'r.ts'), "import { a } from '../app/a.ts';\nexport const r = a;\n");
  writeFileSync(join(src, 'engine', 'up.ts'), "import { a } from '../app/a.ts';\nexport const up = a;\n");
  assert.deepEqual(
    findLayerViolations(src).map((v) => [v.from, v.to]),
    [['engine', 'app']],
  );
});
