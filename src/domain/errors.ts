/**
 * Domain errors. Each has a stable `code` (documented below, never renamed) and a message that
 * names the thing that is wrong, so an API or CLI can show it as is.
 *
 * | code | meaning |
 * |---|---|
 * | INVALID_DECIMAL | a money or amount field is not a plain decimal string, or is out of range |
 * | INVALID_FIELD | another input field is missing or malformed |
 * | INVALID_CLIENT_ORDER_ID | a client order id is malformed, or cannot fit the venue's length limit |
 * | INVALID_BOT_TRANSITION | a bot lifecycle change that its current status does not allow |
 * | POSITION_MISMATCH | a fill or trade that does not belong to the position it was applied to |
 * | POSITION_NOT_FOUND | no position has that id |
 * | POSITION_NOT_OPEN | the position is already closed, so it cannot be closed again |
 */
export type DomainErrorCode =
  | 'INVALID_DECIMAL'
  | 'INVALID_FIELD'
  | 'INVALID_CLIENT_ORDER_ID'
  | 'INVALID_BOT_TRANSITION'
  | 'POSITION_MISMATCH'
  | 'POSITION_NOT_FOUND'
  | 'POSITION_NOT_OPEN';

/**
 * Base of every domain error.
 *
 * @example
 * throw new DomainError('INVALID_FIELD', 'symbol must not be empty', { field: 'symbol' });
 */
export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A value that should be a decimal string is not (names the field). */
export class InvalidDecimalError extends DomainError {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super('INVALID_DECIMAL', message, { field });
  }
}
