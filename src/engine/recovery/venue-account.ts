/**
 * The exchange account an engine trades on. Bots, positions and the per-account sync status
 * (`sync_status`, keyed by `exchange_accounts.id`) name it. A ledger opened on one venue has one
 * account, named after the adapter (`paper` for the paper exchange) unless the caller names it.
 */
import type { ExchangeAdapter } from '../../exchange/exchange-adapter.ts';
import type { BotledgerDatabase } from '../../storage/database.ts';
import { type ExchangeAccount, ensureLedgerAccount } from '../../storage/repositories/accounts.ts';

/**
 * The account row for a venue: id (default the adapter's id), its display name, no keys stored.
 *
 * @example
 * venueAccount(paper, now.toISOString()); // { id: 'paper', exchange: 'paper', name: 'Paper exchange', ... }
 */
export function venueAccount(exchange: Pick<ExchangeAdapter, 'id' | 'displayName'>, at: string, options: { id?: string; sandbox?: boolean } = {}): ExchangeAccount {
  return {
    id: options.id ?? exchange.id,
    userId: null,
    name: exchange.displayName,
    exchange: exchange.id,
    sandbox: options.sandbox ?? false,
    credentialsRef: null,
    createdAt: at,
    updatedAt: at,
  };
}

/**
 * Makes sure the venue's account row exists and gives it the bots and positions that have none
 * (made before accounts were kept). Idempotent; run when a ledger opens its venue.
 *
 * @example
 * const account = await ensureVenueAccount(database, paper, new Date(), { sandbox: true });
 */
export async function ensureVenueAccount(
  database: BotledgerDatabase,
  exchange: Pick<ExchangeAdapter, 'id' | 'displayName'>,
  now: Date,
  options: { id?: string; sandbox?: boolean } = {},
): Promise<ExchangeAccount & { readonly assigned: { readonly bots: number; readonly positions: number } }> {
  const account = venueAccount(exchange, now.toISOString(), options);
  const assigned = await ensureLedgerAccount(database, account);
  return { ...account, assigned };
}
