/**
 * Exchange accounts. An account stores a reference to where its keys live (credentials_ref),
 * never the keys. (Users and API tokens: users.ts and api-tokens.ts.)
 */
import type { Kysely } from 'kysely';
import type { LedgerSchema } from '../schema.ts';
import type { BotledgerDatabase } from '../database.ts';
import { type SqlExecutor, writeTransaction } from '../sql/executor.ts';
import { insertEvents } from './events.ts';
import { boolIn, boolOut, timeIn, timeOut } from './codec.ts';

export interface ExchangeAccount {
  readonly id: string;
  readonly userId: string | null;
  readonly name: string;
  /** `paper`, or a ccxt exchange id. */
  readonly exchange: string;
  readonly sandbox: boolean;
  /** Where the keys live (an environment variable name, a file path); never the keys. */
  readonly credentialsRef: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** @example await insertExchangeAccount(db, { id: 'paper1', userId: null, name: 'Paper', exchange: 'paper', sandbox: true, credentialsRef: null, createdAt: t, updatedAt: t }); */
export async function insertExchangeAccount(db: Kysely<LedgerSchema>, account: ExchangeAccount): Promise<void> {
  await db
    .insertInto('exchange_accounts')
    .values({
      id: account.id,
      user_id: account.userId,
      name: account.name,
      exchange: account.exchange,
      sandbox: boolIn(account.sandbox),
      credentials_ref: account.credentialsRef,
      created_at: timeIn(account.createdAt, 'createdAt'),
      updated_at: timeIn(account.updatedAt, 'updatedAt'),
    })
    .execute();
}

/** A row of `exchange_accounts` as an ExchangeAccount. */
export function accountFromRow(row: Record<string, unknown>): ExchangeAccount {
  return {
    id: String(row.id),
    userId: (row.user_id as string | null) ?? null,
    name: String(row.name),
    exchange: String(row.exchange),
    sandbox: boolOut(row.sandbox),
    credentialsRef: (row.credentials_ref as string | null) ?? null,
    createdAt: timeOut(row.created_at),
    updatedAt: timeOut(row.updated_at),
  };
}

/** @example const account = await getExchangeAccount(db, 'paper1'); */
export async function getExchangeAccount(db: Kysely<LedgerSchema>, id: string): Promise<ExchangeAccount | undefined> {
  const row = await db.selectFrom('exchange_accounts').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? accountFromRow(row) : undefined;
}

/**
 * Inserts the accounts the ledger does not have yet; an existing row is left as it is (run at
 * every open and with every new bot, so it must be idempotent).
 *
 * @example
 * await ensureExchangeAccounts(q, [{ id: 'paper', userId: null, name: 'Paper exchange', exchange: 'paper', sandbox: true, credentialsRef: null, createdAt: t, updatedAt: t }]);
 */
export async function ensureExchangeAccounts(q: SqlExecutor, accounts: readonly ExchangeAccount[]): Promise<void> {
  for (const account of accounts) {
    await q.run(
      `insert into exchange_accounts (id, user_id, name, exchange, sandbox, credentials_ref, created_at, updated_at)
       values (?, ?, ?, ?, ?, ?, ?, ?) on conflict (id) do nothing`,
      [
        account.id,
        account.userId,
        account.name,
        account.exchange,
        boolIn(account.sandbox),
        account.credentialsRef,
        timeIn(account.createdAt, 'createdAt'),
        timeIn(account.updatedAt, 'updatedAt'),
      ],
    );
  }
}

/**
 * Gives the bots and positions that have no exchange account (made before accounts were kept)
 * this one; bots get a new version, so a command holding an older copy retries. Returns how many
 * bots and positions changed.
 *
 * @example
 * const { bots } = await assignRowsWithoutAccount(q, 'paper', now.toISOString());
 */
export async function assignRowsWithoutAccount(
  q: SqlExecutor,
  accountId: string,
  at: string,
): Promise<{ bots: number; positions: number }> {
  const when = timeIn(at, 'at');
  const bots = await q.run(
    'update bots set exchange_account_id = ?, updated_at = ?, version = version + 1 where exchange_account_id is null',
    [accountId, when],
  );
  const positions = await q.run('update positions set exchange_account_id = ? where exchange_account_id is null', [accountId]);
  return { bots, positions };
}

/** Every exchange account, by id. */
export async function listExchangeAccounts(db: Kysely<LedgerSchema>): Promise<ExchangeAccount[]> {
  const rows = await db.selectFrom('exchange_accounts').selectAll().orderBy('id').execute();
  return rows.map(accountFromRow);
}

/**
 * At open: the account of the ledger's venue exists, and bots and positions made before accounts
 * were kept trade on it (one event-log row says so when there were any). Idempotent.
 *
 * @example
 * await ensureLedgerAccount(database, { id: 'paper', userId: null, name: 'Paper exchange', exchange: 'paper', sandbox: true, credentialsRef: null, createdAt: t, updatedAt: t });
 */
export async function ensureLedgerAccount(
  database: BotledgerDatabase,
  account: ExchangeAccount,
): Promise<{ bots: number; positions: number }> {
  return writeTransaction(database, async (q) => {
    await ensureExchangeAccounts(q, [account]);
    const assigned = await assignRowsWithoutAccount(q, account.id, account.updatedAt);
    if (assigned.bots + assigned.positions > 0) {
      const message = `${assigned.bots} bot(s) and ${assigned.positions} position(s) made before exchange accounts were kept now trade on account ${account.id} (${account.name})`;
      await insertEvents(
        q,
        [
          {
            source: 'engine',
            type: 'AccountAssigned',
            message,
            payload: { accountId: account.id, ...assigned },
            applied: true,
            at: account.updatedAt,
          },
        ],
        { ids: false },
      );
    }
    return assigned;
  });
}
