/**
 * Errors of the migration engine. Each has a stable code and maps to one documented exit code:
 * 0 ok, 1 failed and rolled back, 2 usage or input error, 3 lock not acquired, 4 drift or refused
 * (a confirmation declined, also by Ctrl-D), 130 interrupted at a prompt by Ctrl-C (128 + SIGINT,
 * what a shell reports for a command stopped by Ctrl-C).
 */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;
export const EXIT_LOCKED = 3;
export const EXIT_REFUSED = 4;
export const EXIT_INTERRUPTED = 130;

export class MigrateError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly exitCode: number,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'MigrateError';
  }
}

/** A bad migration file, directory, flag or option (exit 2). */
export class MigrationInputError extends MigrateError {
  constructor(code: string, message: string, details: Record<string, unknown> = {}) {
    super(code, message, EXIT_USAGE, details);
  }
}

/** A statement or a verification failed; the migration was rolled back (exit 1). */
export class MigrationFailedError extends MigrateError {
  constructor(code: string, message: string, details: Record<string, unknown> = {}) {
    super(code, message, EXIT_FAILED, details);
  }
}

/** Another run holds the lock and did not release it in time (exit 3). */
export class LockNotAcquiredError extends MigrateError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('LOCK_NOT_ACQUIRED', message, EXIT_LOCKED, details);
  }
}

/** Drift (an edited applied file, a newer database) or a refused action (no confirmation, irreversible down) (exit 4). */
export class MigrationRefusedError extends MigrateError {
  constructor(code: string, message: string, details: Record<string, unknown> = {}) {
    super(code, message, EXIT_REFUSED, details);
  }
}
