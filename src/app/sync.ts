/**
 * Sync with the exchange, run now (`botledger sync`): the account's open positions, open orders
 * and recent fills compared with the venue, what fills explain fixed, the rest marked `mismatch`
 * for a person (engine/recovery/position-sync.ts). Returns the report; the account's
 * sync_status row and the event log (source `reconciliation`) keep it too.
 */
import type { AccountSyncReport } from '../engine/recovery/position-sync.ts';
import { getExchangeAccount, listExchangeAccounts } from '../storage/repositories/accounts.ts';
import { getSyncStatus, listSyncStatus, type SyncStatus } from '../storage/repositories/sync-status.ts';
import { LedgerError } from './ledger-error.ts';
import { type Ledger, venueOf } from './open-ledger.ts';

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
export async function syncNow(ledger: Ledger, options: { account?: string } = {}): Promise<SyncNowResult> {
  const { runtime } = venueOf(ledger);
  const accountId = runtime.positionSync.accountId;
  if (options.account !== undefined && options.account !== accountId) {
    const known = await getExchangeAccount(ledger.database.db, options.account);
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
  return { report, status: await getSyncStatus(ledger.database.db, accountId) };
}

/** An exchange account and how its last sync with the venue went (null: never synced). */
export interface AccountSyncStatus {
  readonly accountId: string;
  readonly name: string;
  readonly exchange: string;
  readonly sync: SyncStatus | null;
}

/**
 * Every exchange account with its sync status, by account id (the accounts the owner may see,
 * once accounts have owners: theirs and the shared paper account).
 *
 * @example
 * (await listSyncStatuses(ledger)).map((a) => [a.accountId, a.sync?.status]); // [['paper', 'ok']]
 */
export async function listSyncStatuses(ledger: Pick<Ledger, 'database'>): Promise<AccountSyncStatus[]> {
  const db = ledger.database.db;
  const statuses = new Map((await listSyncStatus(db)).map((status) => [status.exchangeAccountId, status]));
  return (await listExchangeAccounts(db)).map((account) => ({
    accountId: account.id,
    name: account.name,
    exchange: account.exchange,
    sync: statuses.get(account.id) ?? null,
  }));
}
