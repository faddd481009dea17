/**
 * The one optimistic-update contract of the ledger: every versioned update (orders and bots,
 * one row or a batch) writes only rows still at the version the unit of work read them with,
 * and throws this when one moved. The engine runs the whole transaction again (`transact`).
 */
export class StaleRowError extends Error {
  readonly code = 'STALE_ROW';
  override readonly name = 'StaleRowError';
}
