/**
 * Sync with the exchange, run now (`botledger sync`): the account's open positions, open orders
 * and recent fills compared with the venue, what fills explain fixed, the rest marked `mismatch`
 * for a person (engine/recovery/position-sync.ts). Returns the report; the account's
 * sync_status row and the event log (source `reconciliation`) keep it too.
 */
import type { AccountSyncReport } from '../engine/recovery/position-sync.ts';
import { getExchangeAccount } from '../storage/repositories/accounts.ts';
import { getBot } from '../storage/repositories/bots.ts';
import { listAccountsOf } from '../storage/repositories/owned-accounts.ts';
import { getSyncStatus, listSyncStatus, type SyncStatus } from '../storage/repositories/sync-status.ts';
import { LedgerError } from './ledger-error.ts';
import { type Ledger, venueOf } from './open-ledger.ts';
import { type OwnerOption, ownedBy } from './ownership.ts';

export type { AccountSyncReport };

/** What {@link syncNow} returns: the report, and the account's sync_status row as stored after it. */
export interface SyncNowResult {
  readonly report: AccountSyncReport;
  readonly status: SyncStatus | undefined;
}

/**
 * Syncs the ledger's venue account with the venue now. ACCOUNT_NOT_FOUND for another account
 * (a ledger opens one venue, so it can sync only that venue's account); SYNC_FAILED when a venue
 * call failed (the report's error, also in the account's sync_status row).
 *
 * @example
 * const { report } = await syncNow(ledger);
 * report.discrepanciesFound; // 0 when the ledger equals the venue
 */
export async function syncNow(ledger: Ledger, options: { account?: string; owner?: string } = {}): Promise<SyncNowResult> {
  const { runtime } = venueOf(ledger);
  const accountId = runtime.positionSync.accountId;
  if (options.account !== undefined && options.account !== accountId) {
    const found = await getExchangeAccount(ledger.database.db, options.account);
    // Another user's account is exactly a missing one.
    const known = found && (found.userId === null || ownedBy(found, options.owner)) ? found : undefined;
    const why = known ? `is an account of ${known.exchange}, not of this ledger's venue` : 'does not exist';
    throw new LedgerError('ACCOUNT_NOT_FOUND', `--account: account "${options.account}" ${why}; this ledger's venue trades on account "${accountId}"`, {
      flag: '--account',
      account: options.account,
      venueAccount: accountId,
    });
  }
  const report = await runtime.sync();
  await ledger.settle();
  if (report.status === 'error') throw new LedgerError('SYNC_FAILED', report.error ?? `sync of account ${accountId} failed`, { accountId, report });
  const status = await getSyncStatus(ledger.database.db, accountId);
  if (options.owner === undefined) return { report, status };
  return { report: await reportFor(ledger, report, options.owner), status };
}

/**
 * The report as one user sees it on the shared venue account: only the discrepancies of their own
 * bots (those of no bot or of another user's bot are left out), counted again.
 */
async function reportFor(ledger: Pick<Ledger, 'database'>, report: AccountSyncReport, owner: string): Promise<AccountSyncReport> {
  const named = [...new Set(report.discrepancies.flatMap((d) => (d.botId == null ? [] : [d.botId])))];
  const bots = await Promise.all(named.map((id) => getBot(ledger.database.db, id)));
  const mine = new Set(bots.flatMap((bot) => (bot && bot.userId === owner ? [bot.id] : [])));
  const discrepancies = report.discrepancies.filter((d) => d.botId != null && mine.has(d.botId));
  return {
    ...report,
    discrepancies,
    discrepanciesFound: discrepancies.length,
    discrepanciesFixed: discrepancies.filter((d) => d.fixed).length,
  };
}

/** One exchange account's sync state, as a user sees it. */
export interface AccountSyncState {
  readonly accountId: string;
  readonly name: string;
  readonly exchange: string;
  /** Null until the account was synced once. */
  readonly status: SyncStatus | null;
}

/**
 * The sync state of every account the owner may see (theirs and the shared paper account; every
 * account without an owner), by account id.
 *
 * @example
 * (await listSyncStates(ledger, { owner: 'u1' }))[0].status?.lastSyncAt;
 */
export async function listSyncStates(ledger: Pick<Ledger, 'database'>, options: OwnerOption = {}): Promise<AccountSyncState[]> {
  const accounts = await listAccountsOf(ledger.database.db, options.owner);
  const states = new Map((await listSyncStatus(ledger.database.db)).map((status) => [status.exchangeAccountId, status]));
  return accounts.map((account) => ({ accountId: account.id, name: account.name, exchange: account.exchange, status: states.get(account.id) ?? null }));
}
