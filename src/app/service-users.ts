/**
 * What the running service needs of users and tokens, through one import: the first admin (who
 * owns the demo bots and the `local` token of serve.json), the one-time first login, and the
 * local token's issue and revocation.
 */
import { authenticateToken, ensureFirstLogin, firstAdminId, issueApiToken, revokeApiToken } from './users.ts';
import type { Ledger } from './open-ledger.ts';

export { authenticateToken, ensureFirstLogin, firstAdminId, issueApiToken, revokeApiToken };

/** The owner of the demo bots: the first admin. */
export async function demoBotsOwner(ledger: Ledger): Promise<string | undefined> {
  return firstAdminId(ledger);
}
