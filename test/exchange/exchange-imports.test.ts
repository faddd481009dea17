/**
 * The venue adapters know nothing of the ledger: no file under src/exchange/ imports src/storage/
 * (the paper exchange takes a plain file path; src/app wires it to a ledger).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

const ROOT = join(import.meta.dirname, '../../src/exchange');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sources(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
  );
}

test('no exchange file imports the ledger storage', () => {
  const offenders = sources(ROOT).filter((file) => /from\s+['"](\.\.\/)+storage\//.test(readFileSync(file, 'utf8')));
  assert.deepEqual(
    offenders.map((file) => relative(ROOT, file)),
    [],
  );
  assert.ok(sources(ROOT).some((file) => file.endsWith('paper-exchange.ts')), 'the scan sees the paper exchange');
});
