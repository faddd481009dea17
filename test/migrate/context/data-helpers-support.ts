/** What the two data-helper test files share: raw rows, and the check that an error names its input. */
import assert from 'node:assert/strict';
import { type Kysely, sql } from 'kysely';
import { MigrationInputError } from '../../../src/migrate/errors.ts';

export async function rows<T = Record<string, unknown>>(db: Kysely<any>, query: string): Promise<T[]> {
  return (await sql.raw<T>(query).execute(db)).rows;
}

export function rejectsNaming(what: string) {
  return (error: unknown) => {
    assert.ok(error instanceof MigrationInputError, `expected MigrationInputError, got ${String(error)}`);
    assert.ok(error.message.includes(what), `"${error.message}" should name ${what}`);
    return true;
  };
}
