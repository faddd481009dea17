/**
 * What a sync with the exchange found and fixed, and its one closing transaction: the positions'
 * sync marks, the account's sync_status row, and the event log (source `reconciliation`): one row
 * per discrepancy found (`SyncDiscrepancy`, applied = false: an observation), one per fix
 * (`SyncFixed`), one per position left for a person (`PositionMismatch`), and one for the sync
 * itself (`SyncPerformed`, or `SyncFailed` with the whole error) unless there was nothing to sync
 * (no open position, nothing found: the account's row says when it was synced).
 */
import type { OrderStatusReport, PositionStatusReport, FillReport } from '../../exchange/exchange-adapter.ts';
import type { AccountSyncMarks } from '../../storage/repositories/position-sync.ts';
import type { ExecutionEngine } from '../orders/execution.ts';

/** One difference between the ledger and the venue. */
export interface SyncDiscrepancy {
  /** `order`: an order's state or fills differed; `position`: a symbol's net size differed. */
  readonly kind: 'order' | 'position';
  readonly symbol: string;
  readonly orderId?: string;
  readonly clientOrderId?: string;
  /** The bot concerned, when there is one. */
  readonly botId?: string | null;
  /** For a position: the ledger's and the venue's net sizes (signed) when sync looked. */
  readonly ledgerSize?: string;
  readonly venueSize?: string;
  /** For a position left for a person: the sizes after sync's fixes. */
  readonly ledgerSizeNow?: string;
  readonly venueSizeNow?: string;
  /** One sentence: what differed and what sync did. */
  readonly explanation: string;
  readonly fixed: boolean;
}

/** What one sync of an account did. */
export interface AccountSyncReport {
  readonly accountId: string;
  readonly venue: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  /** 'ok' (the ledger equals the venue now), 'mismatch' (something is left for a person), 'error' (the sync failed). */
  readonly status: 'ok' | 'mismatch' | 'error';
  /** Open positions marked (in_sync or mismatch). */
  readonly positionsSynced: number;
  /** Positions marked mismatch. */
  readonly positionsMismatched: number;
  readonly ordersAtVenue: number;
  /** Fills the venue listed since `fillsSince` (absent when it cannot list fills by time). */
  readonly fillsAtVenue?: number;
  readonly fillsSince: string;
  readonly discrepanciesFound: number;
  readonly discrepanciesFixed: number;
  readonly discrepancies: readonly SyncDiscrepancy[];
  /** Sentences about how the sync was done (a venue without position reports). */
  readonly notes: readonly string[];
  /** The whole error of a failed sync. */
  readonly error?: string;
}

/** What {@link writeSyncResult} records. */
export interface SyncResult {
  readonly accountId: string;
  readonly started: Date;
  readonly since: number;
  readonly venue: { readonly positions?: PositionStatusReport[]; readonly openOrders: OrderStatusReport[]; readonly fills?: FillReport[] };
  readonly discrepancies: readonly SyncDiscrepancy[];
  /** How the positions are marked; absent when positions were not compared. */
  readonly marks?: Omit<AccountSyncMarks, 'at'>;
  readonly positionsSynced: number;
  readonly notes: readonly string[];
}

/**
 * Writes a finished sync in one transaction and returns its report.
 *
 * @example
 * return writeSyncResult(execution, { accountId, started, since, venue, discrepancies, marks, positionsSynced, notes });
 */
export async function writeSyncResult(execution: ExecutionEngine, result: SyncResult): Promise<AccountSyncReport> {
  const finished = execution.now();
  const at = finished.toISOString();
  const found = result.discrepancies.length;
  const fixed = result.discrepancies.filter((entry) => entry.fixed).length;
  const mismatched = result.marks?.mismatches.length ?? 0;
  const status = found > fixed || mismatched > 0 ? 'mismatch' : 'ok';
  const report: AccountSyncReport = {
    accountId: result.accountId,
    venue: execution.venueName,
    startedAt: result.started.toISOString(),
    finishedAt: at,
    status,
    positionsSynced: result.positionsSynced,
    positionsMismatched: mismatched,
    ordersAtVenue: result.venue.openOrders.length,
    ...(result.venue.fills ? { fillsAtVenue: result.venue.fills.length } : {}),
    fillsSince: new Date(result.since).toISOString(),
    discrepanciesFound: found,
    discrepanciesFixed: fixed,
    discrepancies: result.discrepancies,
    notes: result.notes,
  };
  await execution.transact(async (uow) => {
    const base = { source: 'reconciliation' as const, at };
    for (const entry of result.discrepancies) {
      const ids = { botId: entry.botId ?? null, orderId: entry.orderId ?? null };
      uow.appendEvent({ ...base, ...ids, type: 'SyncDiscrepancy', message: entry.explanation, payload: { ...entry, accountId: result.accountId }, applied: false });
      if (entry.fixed) uow.appendEvent({ ...base, ...ids, type: 'SyncFixed', message: fixedSentence(entry), payload: { ...entry, accountId: result.accountId }, applied: true });
      else uow.appendEvent({ ...base, ...ids, type: 'PositionMismatch', message: entry.explanation, payload: { ...entry, accountId: result.accountId }, applied: true });
    }
    if (result.marks) uow.positions.markSynced({ ...result.marks, at });
    uow.positions.saveSyncStatus({
      exchangeAccountId: result.accountId,
      lastSyncAt: at,
      positionsSynced: result.positionsSynced,
      discrepanciesFound: found,
      discrepanciesFixed: fixed,
      status,
      error: null,
      updatedAt: at,
    });
    // A sync of an account with nothing open and nothing found (every command that opens the venue
    // syncs first) is kept in the account's row only; the event log gets the ones with something to say.
    if (report.positionsSynced > 0 || found > 0) uow.appendEvent({ ...base, type: 'SyncPerformed', message: describeSync(report), payload: summaryOf(report), applied: true });
  });
  return report;
}

/**
 * Records a failed sync: the account's row says `error` with the whole message (its last sync
 * time and counts stay those of the last good sync), and a `SyncFailed` event.
 */
export async function writeSyncFailure(execution: ExecutionEngine, accountId: string, started: Date, message: string): Promise<AccountSyncReport> {
  const at = execution.now().toISOString();
  const previous = await execution.ledger.syncStatus(accountId).catch(() => undefined);
  const report: AccountSyncReport = {
    accountId,
    venue: execution.venueName,
    startedAt: started.toISOString(),
    finishedAt: at,
    status: 'error',
    positionsSynced: 0,
    positionsMismatched: 0,
    ordersAtVenue: 0,
    fillsSince: started.toISOString(),
    discrepanciesFound: 0,
    discrepanciesFixed: 0,
    discrepancies: [],
    notes: [],
    error: message,
  };
  await execution
    .transact(async (uow) => {
      uow.positions.saveSyncStatus({
        exchangeAccountId: accountId,
        lastSyncAt: previous?.lastSyncAt ?? null,
        positionsSynced: previous?.positionsSynced ?? 0,
        discrepanciesFound: previous?.discrepanciesFound ?? 0,
        discrepanciesFixed: previous?.discrepanciesFixed ?? 0,
        status: 'error',
        error: message,
        updatedAt: at,
      });
      uow.appendEvent({ source: 'reconciliation', type: 'SyncFailed', message, payload: { accountId }, applied: false, at });
    })
    // The database itself may be what failed: the report still says why.
    .catch(() => undefined);
  return report;
}

function fixedSentence(entry: SyncDiscrepancy): string {
  if (entry.kind === 'order') return `${entry.clientOrderId ?? entry.orderId}: fixed by sync (${entry.explanation})`;
  return `${entry.symbol}: the ledger equals the venue again after sync applied what explained the difference`;
}

/**
 * One line for people: what the sync looked at, found and fixed.
 *
 * @example
 * describeSync(report); // 'Synced account paper with Paper exchange: 3 open position(s), 2 open order(s) at the venue, ...'
 */
export function describeSync(report: AccountSyncReport): string {
  if (report.status === 'error') return report.error ?? `sync of account ${report.accountId} failed`;
  const fills = report.fillsAtVenue === undefined ? 'fills asked per order' : `${report.fillsAtVenue} fill(s) since ${report.fillsSince}`;
  const left = report.discrepanciesFound - report.discrepanciesFixed;
  const parts = [
    `Synced account ${report.accountId} with ${report.venue}: ${report.positionsSynced} open position(s), ${report.ordersAtVenue} open order(s) at the venue, ${fills}`,
    `${report.discrepanciesFound} discrepanc${report.discrepanciesFound === 1 ? 'y' : 'ies'} found, ${report.discrepanciesFixed} fixed, ${left} left for a person`,
  ];
  if (report.positionsMismatched > 0) parts.push(`${report.positionsMismatched} position(s) marked mismatch`);
  return [...parts, ...report.notes].join('; ');
}

function summaryOf(report: AccountSyncReport): Record<string, unknown> {
  const { discrepancies: _list, ...summary } = report;
  return summary;
}
