/**
 * The database error codes are one list: each is classified in storage, has an exit code in the
 * command line's one table, and is documented in the README's "Errors" table.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ERROR_CATALOG } from '../../src/app/error-catalog.ts';
import { classifyDatabaseError, DATABASE_ERROR_CODES } from '../../src/storage/database-errors.ts';

test('every database error code has an exit code and a line in the README with that exit code', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  for (const code of DATABASE_ERROR_CODES) {
    const exit = ERROR_CATALOG[code].exit;
    assert.ok(exit === 1 || exit === 2, code);
    assert.match(readme, new RegExp(`\\| \`${code}\` \\| ${exit} \\|`), `README documents ${code} with exit ${exit}`);
  }
});

test('driver errors map to codes by their driver code, never by message', () => {
  const err = (code: string, message = 'x') => Object.assign(new Error(message), { code });
  const cases: [string, string][] = [
    ['SQLITE_NOTADB', 'DATABASE_NOT_A_DATABASE'],
    ['SQLITE_CORRUPT', 'DATABASE_CORRUPT'],
    ['SQLITE_CANTOPEN', 'DATABASE_CANNOT_OPEN'],
    ['SQLITE_READONLY_DIRECTORY', 'DATABASE_CANNOT_OPEN'],
    ['ECONNREFUSED', 'DATABASE_UNREACHABLE'],
    ['ENOTFOUND', 'DATABASE_UNREACHABLE'],
    ['28000', 'DATABASE_AUTH_FAILED'],
    ['28P01', 'DATABASE_AUTH_FAILED'],
    ['3D000', 'DATABASE_MISSING'],
  ];
  for (const [driver, code] of cases) assert.equal(classifyDatabaseError(err(driver), 'db')?.code, code, driver);
  assert.equal(classifyDatabaseError(err('SQLITE_CONSTRAINT', 'database disk image is malformed'), 'db'), undefined);
  assert.equal(classifyDatabaseError(err('42P01'), 'db'), undefined, 'a failing statement is not a database error');
});
