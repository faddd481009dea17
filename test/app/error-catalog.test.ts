/**
 * The error catalogue (src/app/error-catalog.ts) against the README's table, both ways, and
 * against the source: every code thrown in src/ is in the catalogue.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ERROR_CATALOG, exitCodeOf, httpStatusOf } from '../../src/app/error-catalog.ts';
import { LedgerError } from '../../src/app/ledger-error.ts';
import { DomainError } from '../../src/domain/errors.ts';
import { LockNotAcquiredError, MIGRATE_ERROR_CODES, MigrationInputError, MigrationRefusedError } from '../../src/migrate/errors.ts';
import { DATABASE_ERROR_CODES, DatabaseError } from '../../src/storage/database-errors.ts';

const root = new URL('../../', import.meta.url);

/** The rows of the README's "Error catalogue" table, by code. */
function readmeCatalogue(): Map<string, { exit: number; http: number; meaning: string }> {
  const readme = readFileSync(new URL('README.md', root), 'utf8');
  const start = readme.indexOf('\n## Error catalogue\n');
  assert.ok(start >= 0, 'the README has a "## Error catalogue" section');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end < 0 ? undefined : end);
  const rows = new Map<string, { exit: number; http: number; meaning: string }>();
  for (const line of section.split('\n')) {
    const row = /^\| `([A-Z][A-Z0-9_]*)` \| (\d+) \| (\d{3}) \| (.+) \|$/.exec(line);
    if (!row) continue;
    assert.ok(!rows.has(row[1]), `${row[1]} is in the README's table once`);
    rows.set(row[1], { exit: Number(row[2]), http: Number(row[3]), meaning: row[4] });
  }
  return rows;
}

test("the README's error table equals the catalogue, both ways", () => {
  const readme = readmeCatalogue();
  for (const [code, entry] of Object.entries(ERROR_CATALOG)) {
    assert.deepEqual(readme.get(code), { exit: entry.exit, http: entry.http, meaning: entry.meaning }, `README row of ${code}`);
  }
  for (const code of readme.keys()) assert.ok(Object.hasOwn(ERROR_CATALOG, code), `${code} is in the README but not in the catalogue`);
});

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

/**
 * The codes src/ produces, found by their literals: `new SomethingError('CODE'` (also `cond ? 'A' :
 * 'B'`), `super('CODE'`, `readonly code = 'CODE'`, `code: 'CODE'`. A comparison (`code === 'X'`)
 * reads a code of someone else's (a driver's) and is not one.
 */
function codesInSource(): Map<string, string> {
  const found = new Map<string, string>();
  const literal = `'([A-Z][A-Z0-9_]+)'`;
  const patterns = [
    new RegExp(`new\\s+[A-Z][A-Za-z]*Error\\(\\s*${literal}`, 'g'),
    new RegExp(`new\\s+[A-Z][A-Za-z]*Error\\(\\s*[^,()]*?\\?\\s*${literal}\\s*:\\s*${literal}`, 'g'),
    new RegExp(`\\bsuper\\(\\s*${literal}`, 'g'),
    new RegExp(`\\bcode\\s*(?::|=(?!=))\\s*${literal}`, 'g'),
  ];
  const src = new URL('src/', root).pathname;
  for (const file of sourceFiles(src)) {
    const text = readFileSync(file, 'utf8');
    for (const pattern of patterns) {
      for (const match of text.matchAll(pattern)) {
        for (const code of match.slice(1).filter(Boolean)) if (!found.has(code)) found.set(code, file.slice(src.length));
      }
    }
  }
  return found;
}

test('every error code thrown in src/ is in the catalogue', () => {
  const found = codesInSource();
  // The scan finds codes of every layer (a check that it still reads the source as it is written).
  for (const code of ['BOT_NOT_FOUND', 'INVALID_FIELD', 'LOCK_NOT_ACQUIRED', 'IRREVERSIBLE', 'NO_DOWN', 'ORDER_NOT_FAILED', 'VENUE_IN_USE', 'RATE_LIMITED']) {
    assert.ok(found.has(code), `the scan finds ${code}`);
  }
  const missing = [...found].filter(([code]) => !Object.hasOwn(ERROR_CATALOG, code)).map(([code, file]) => `${code} (${file})`);
  assert.deepEqual(missing, [], 'codes thrown in src/ that the catalogue lacks');
  for (const code of DATABASE_ERROR_CODES) assert.ok(Object.hasOwn(ERROR_CATALOG, code), `database code ${code}`);
  for (const code of Object.keys(MIGRATE_ERROR_CODES)) assert.equal(ERROR_CATALOG[code].exit, MIGRATE_ERROR_CODES[code as keyof typeof MIGRATE_ERROR_CODES].exit, code);
});

test('HTTP statuses follow the exit codes consistently', () => {
  for (const [code, { exit, http }] of Object.entries(ERROR_CATALOG)) {
    assert.ok([400, 401, 403, 404, 409, 413, 423, 429, 500, 503].includes(http), `${code}: HTTP ${http}`);
    if (exit === 3) assert.equal(http, 423, `${code} is held by another process`);
    if (exit === 4) assert.ok([401, 403, 404, 409, 429].includes(http), `${code} is a refusal`);
    // Who you are, what you may do and how often you may try are refusals, never input errors.
    if ([401, 403, 429].includes(http)) assert.equal(exit, 4, `${code}: HTTP ${http} exits 4`);
    if (http === 400 || http === 413) assert.equal(exit, 2, `${code}: a bad input exits 2`);
    if (/_NOT_FOUND$/.test(code) && code !== 'RECORD_NOT_FOUND') assert.equal(http, 404, code);
  }
});

test('an error is mapped by its code, never by its class', () => {
  assert.equal(exitCodeOf(new LedgerError('VENUE_IN_USE', 'held')), 3);
  assert.equal(httpStatusOf(new LedgerError('VENUE_IN_USE', 'held')), 423);
  assert.equal(exitCodeOf(new LedgerError('BOT_NOT_FOUND', 'no bot x')), 2);
  assert.equal(httpStatusOf(new LedgerError('BOT_NOT_FOUND', 'no bot x')), 404);
  assert.equal(exitCodeOf(new DomainError('INVALID_BOT_TRANSITION', 'stopped')), 4);
  assert.equal(exitCodeOf(new DatabaseError('DATABASE_UNREACHABLE', 'down', { database: 'postgres://h/db' })), 1);
  assert.equal(httpStatusOf(new DatabaseError('DATABASE_UNREACHABLE', 'down', { database: 'postgres://h/db' })), 503);
  // A plain object with a code is enough: nothing looks at the class or its name.
  assert.equal(exitCodeOf({ code: 'PAPER_STATE_IN_USE' }), 3);
  assert.equal(exitCodeOf(Object.assign(new Error('x'), { name: 'DatabaseUrlError' })), 1);
  assert.equal(exitCodeOf(new Error('no code')), 1);
  assert.equal(exitCodeOf({ code: 'NOT_A_CODE' }, 2), 2);
});

test("the migration engine's errors take their exit code from their code", () => {
  assert.equal(new LockNotAcquiredError('held by ana@host').exitCode, 3);
  assert.equal(new MigrationRefusedError('CHECKSUM_MISMATCH', 'edited').exitCode, 4);
  assert.equal(new MigrationInputError('BACKUP_NOT_FOUND', 'none').exitCode, 2);
  // The code decides, not the class: a listed code keeps its exit code whichever class carries it.
  assert.equal(new MigrationInputError('STATEMENT_FAILED', 'x').exitCode, 1);
  assert.equal(exitCodeOf(new MigrationRefusedError('DATA_LOSS', 'rows')), 4);
});
