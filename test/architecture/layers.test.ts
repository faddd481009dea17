import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { findLayerViolations } from '../../scripts/check-layers.ts';
import { tempDir } from '../support/dialects.ts';

test('src/ keeps the layer order of ARCHITECTURE.md', () => {
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
