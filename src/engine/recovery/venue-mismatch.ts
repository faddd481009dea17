/**
 * The loud error of a venue that does not know orders it acknowledged to this ledger. That is not
 * something that happened to the orders (failing them would be wrong: they may be live at the
 * real venue); it means the ledger is talking to the wrong venue (another folder, another state
 * file, another account), and nothing must be reconciled against it.
 */

/** Raised instead of reconciling against a venue that does not know this ledger's acknowledged orders. */
export class VenueMismatchError extends Error {
  readonly code = 'VENUE_MISMATCH';
  constructor(
    message: string,
    readonly details: { readonly venue: string; readonly clientOrderIds: readonly string[] },
  ) {
    super(message);
    this.name = 'VenueMismatchError';
  }
}

/**
 * The error for orders the venue acknowledged (each has its exchange order id) and no longer knows.
 *
 * @example
 * throw unknownToVenue('Paper exchange', [{ clientOrderId: 'bl-s1-1', exchangeOrderId: '7' }]);
 */
export function unknownToVenue(venueName: string, orders: readonly { clientOrderId: string; exchangeOrderId: string | null }[]): VenueMismatchError {
  const listed = orders
    .slice(0, 5)
    .map((order) => `${order.clientOrderId} (its order ${order.exchangeOrderId})`)
    .join(', ');
  const more = orders.length > 5 ? ` and ${orders.length - 5} more` : '';
  return new VenueMismatchError(
    `${venueName} does not know ${listed}${more}, which it acknowledged to this ledger: this is not the ledger's venue. Nothing was reconciled and no order was changed`,
    { venue: venueName, clientOrderIds: orders.map((order) => order.clientOrderId) },
  );
}
