/**
 * What a failed migration says: the file, the line, the statement, the database's message, and
 * whether it was rolled back.
 */
import { MigrateError, MigrationFailedError, MigrationInputError } from '../errors.ts';
import type { Migration, SqlStatement } from '../migration.ts';
import type { VerifyFailure } from '../verify/verify.ts';

/** Which statement failed, carried from the runner to the error message. */
export class StatementFailure extends Error {
  constructor(
    readonly statement: SqlStatement | undefined,
    override readonly cause: unknown,
  ) {
    super((cause as Error)?.message ?? String(cause));
  }
}

/**
 * Turns whatever a migration threw into the MigrationFailedError the user sees: file, line,
 * statement, database message, and whether it was rolled back.
 */
export function describeFailure(migration: Migration, direction: 'up' | 'down', error: unknown, rolledBack: boolean): MigrateError {
  if (error instanceof MigrationInputError) {
    const rolled = rolledBack ? '; it was rolled back' : '';
    return new MigrationInputError(error.code, `${migration.fileName}: ${error.message}${rolled}`, {
      ...error.details,
      file: migration.fileName,
      rolledBack,
    });
  }
  if (error instanceof MigrateError && !(error instanceof VerifyError)) return error;
  const undone = rolledBack
    ? 'it was rolled back: the database is exactly as before this migration'
    : 'it runs without a transaction (-- migrate:no-transaction), so the statements before the failing one stay applied; restore the backup or fix forward';
  if (error instanceof VerifyError) {
    return new MigrationFailedError(
      error.code,
      `migration ${migration.fileName} failed verification and ${undone}:\n  ${error.failures.map((f) => f.message).join('\n  ')}`,
      { version: migration.version, file: migration.fileName, direction, failures: error.failures, rolledBack },
    );
  }
  const failure = error instanceof StatementFailure ? error : new StatementFailure(undefined, error);
  const where = failure.statement?.line ? ` at line ${failure.statement.line}` : '';
  const statement = failure.statement ? `\n  statement: ${failure.statement.sql}` : '';
  return new MigrationFailedError(
    'STATEMENT_FAILED',
    `migration ${migration.fileName} (${direction}) failed${where}: ${failure.message}; ${undone}${statement}`,
    {
      version: migration.version,
      file: migration.fileName,
      direction,
      line: failure.statement?.line || undefined,
      statement: failure.statement?.sql,
      error: failure.message,
      rolledBack,
    },
  );
}

/** The verify queries, the row-count guard or the foreign-key check found something: each failure, for the message. */
export class VerifyError extends MigrateError {
  constructor(
    code: string,
    readonly failures: VerifyFailure[],
  ) {
    super(code, failures.map((f) => f.message).join('\n'), 1);
  }
}
