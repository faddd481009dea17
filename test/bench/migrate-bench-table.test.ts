/**
 * `bench/migrate.bench.ts` prints one header per column, so every figure stands under its name
 * (the "other" column once had none and shifted every later one). Run at the smallest scale.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const BENCH = fileURLToPath(new URL('../../bench/migrate.bench.ts', import.meta.url));

test('the migration benchmark table has a header for every column, "other s" included', () => {
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', BENCH, '--rows', '200', '--scenario', 'plugin-isolation', '--dialect', 'sqlite'],
    { encoding: 'utf8', timeout: 120_000 },
  );
  assert.equal(run.status, 0, run.stderr);
  const lines = run.stdout.split('\n');
  const headerAt = lines.findIndex((line) => line.startsWith('scenario'));
  assert.ok(headerAt >= 0, run.stdout);
  const header = lines[headerAt].trim().split(/\s{2,}/);
  const row = lines[headerAt + 2].trim().split(/\s{2,}/);
  assert.equal(row[0], 'plugin-isolation', lines[headerAt + 2]);
  assert.equal(header.length, row.length, `${lines[headerAt]}\n${lines[headerAt + 2]}`);
  const other = header.indexOf('other s');
  assert.equal(header[other + 1], 'backup size');
  assert.match(row[other + 1], /MB$/, 'the backup size stands under "backup size"');
});
