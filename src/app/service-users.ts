/**
 * What the running service needs of users and tokens, through one import: the first admin (who
 * owns the demo bots and the `local` token of serve.json), the one-time first login, and the
 * local token's issue and revocation.
 */
import { authenticateToken, ensureFirstLogin, issueApiToken, listUsers, revokeApiToken } from './users.ts';
import type { Ledger } from './open-ledger.ts';

export { authenticateToken, ensureFirstLogin, issueApiToken, revokeApiToken };

/**
 * The id of the oldest enabled admin, or undefined when there is none.
 *
 * @example
 * const owner = await firstAdminId(ledger);
 */
export async function firstAdminId(ledger: Ledger): Promise<string | undefined> {
  const admins = (await listUsers(ledger)).filter((user) => user.role === 'admin' && !user.disabled);
  admins.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  return admins[0]?.id;
}

/** The owner of the demo bots: the first admin. */
export async function demoBotsOwner(ledger: Ledger): Promise<string | undefined> {
  return firstAdminId(ledger);
}
