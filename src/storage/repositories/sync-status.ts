/**
 * Sync health per exchange account (seed 002's sync_status): when positions were last synced with
 * the venue, how many, and the discrepancies found and fixed.
 */
import type { Kysely } from 'kysely';
import type { LedgerSchema } from '../schema.ts';
import type { SqlExecutor } from '../sql/executor.ts';
import { intOut, timeIn, timeInOrNull, timeOut, timeOutOrNull } from './codec.ts';

export interface SyncStatus {
  readonly exchangeAccountId: string;
  readonly lastSyncAt: string | null;
  readonly positionsSynced: number;
  readonly discrepanciesFound: number;
  readonly discrepanciesFixed: number;
  /** 'ok', 'error', 'running', ... */
  readonly status: string;
  /** The whole error text of the last failed sync. */
  readonly error: string | null;
  readonly updatedAt: string;
}

function fromRow(row: Record<string, unknown>): SyncStatus {
  return {
    exchangeAccountId: String(row.exchange_account_id),
    lastSyncAt: timeOutOrNull(row.last_sync_at),
    positionsSynced: intOut(row.positions_synced),
    discrepanciesFound: intOut(row.discrepancies_found),
    discrepanciesFixed: intOut(row.discrepancies_fixed),
    status: String(row.status),
    error: (row.error as string | null) ?? null,
    updatedAt: timeOut(row.updated_at),
  };
}

/**
 * Inserts or replaces the account's sync status.
 *
 * @example
 * await upsertSyncStatus(db, { exchangeAccountId: 'acc1', lastSyncAt: now, positionsSynced: 12, discrepanciesFound: 1,
 *   discrepanciesFixed: 1, status: 'ok', error: null, updatedAt: now });
 */
export async function upsertSyncStatus(db: Kysely<LedgerSchema>, status: SyncStatus): Promise<void> {
  const values = {
    last_sync_at: timeInOrNull(status.lastSyncAt, 'lastSyncAt'),
    positions_synced: status.positionsSynced,
    discrepancies_found: status.discrepanciesFound,
    discrepancies_fixed: status.discrepanciesFixed,
    status: status.status,
    error: status.error,
    updated_at: timeIn(status.updatedAt, 'updatedAt'),
  };
  await db
    .insertInto('sync_status')
    .values({ exchange_account_id: status.exchangeAccountId, ...values })
    .onConflict((conflict) => conflict.column('exchange_account_id').doUpdateSet(values))
    .execute();
}

/**
 * {@link upsertSyncStatus} as one fixed statement on the executor of a write transaction (the
 * engine's sync writes it in the transaction that marks the positions).
 *
 * @example
 * await saveSyncStatus(q, status);
 */
export async function saveSyncStatus(q: SqlExecutor, status: SyncStatus): Promise<void> {
  await q.run(
    `insert into sync_status (exchange_account_id, last_sync_at, positions_synced, discrepancies_found, discrepancies_fixed, status, error, updated_at)
     values (?, ?, ?, ?, ?, ?, ?, ?)
     on conflict (exchange_account_id) do update set last_sync_at = excluded.last_sync_at, positions_synced = excluded.positions_synced,
       discrepancies_found = excluded.discrepancies_found, discrepancies_fixed = excluded.discrepancies_fixed, status = excluded.status,
       error = excluded.error, updated_at = excluded.updated_at`,
    [
      status.exchangeAccountId,
      timeInOrNull(status.lastSyncAt, 'lastSyncAt'),
      status.positionsSynced,
      status.discrepanciesFound,
      status.discrepanciesFixed,
      status.status,
      status.error,
      timeIn(status.updatedAt, 'updatedAt'),
    ],
  );
}

/** @example const status = await getSyncStatus(db, 'acc1'); */
export async function getSyncStatus(db: Kysely<LedgerSchema>, exchangeAccountId: string): Promise<SyncStatus | undefined> {
  const row = await db.selectFrom('sync_status').selectAll().where('exchange_account_id', '=', exchangeAccountId).executeTakeFirst();
  return row ? fromRow(row) : undefined;
}

/** Every account's sync status, by account id. */
export async function listSyncStatus(db: Kysely<LedgerSchema>): Promise<SyncStatus[]> {
  const rows = await db.selectFrom('sync_status').selectAll().orderBy('exchange_account_id').execute();
  return rows.map(fromRow);
}
