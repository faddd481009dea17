/**
 * Ownership (issue 9): every bot, order, position, trade, event and exchange account belongs to a
 * user, and the application core's functions take an optional owner (a user id). With an owner,
 * another user's object is exactly like a missing one (the same code and message: BOT_NOT_FOUND,
 * ORDER_NOT_FOUND, ...), so the API answers 404 and ids do not leak; lists are filtered in SQL.
 * Without an owner (the CLI, admin tools), everything.
 */

/** Who asks: a user id, or nobody in particular (everything is visible). */
export interface OwnerOption {
  readonly owner?: string;
}

/**
 * True when the object is the owner's, or when no owner is given.
 *
 * @example
 * ownedBy({ userId: 'u1' }, 'u2'); // false
 * ownedBy({ userId: 'u1' }, undefined); // true
 */
export function ownedBy(object: { readonly userId: string | null }, owner: string | undefined): boolean {
  return owner === undefined || object.userId === owner;
}
