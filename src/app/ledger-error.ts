/**
 * The error the application core raises for a refusal or a bad input of its own (the domain, the
 * engine and storage raise theirs). It carries a stable code from the error catalogue
 * (error-catalog.ts) and details; its exit code and HTTP status are looked up there by the code.
 */
import type { LedgerErrorCode } from './error-catalog.ts';

/**
 * @example
 * throw new LedgerError('BOT_NOT_FOUND', 'bot scalp1 does not exist', { botId: 'scalp1' });
 */
export class LedgerError extends Error {
  constructor(
    readonly code: LedgerErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'LedgerError';
  }
}
