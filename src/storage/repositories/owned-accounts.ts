/**
 * Exchange accounts by owner (issue 9): the accounts a user sees (their own and the shared ones,
 * user_id null: the built-in paper exchange), what still trades on an account, and deleting one.
 * The keys of an account are stored only encrypted, by the application (app/accounts.ts), in
 * credentials_ref; this file never reads them for anyone but the application.
 */
import type { Kysely } from 'kysely';
import type { BotledgerDatabase } from '../database.ts';
import type { LedgerSchema } from '../schema.ts';
import { writeTransaction } from '../sql/executor.ts';
import { accountFromRow, type ExchangeAccount } from './accounts.ts';

/**
 * The accounts a user may see, by id: theirs and the shared ones (user_id null). Without a user, every account.
 *
 * @example
 * (await listAccountsOf(db, 'u1')).map((a) => a.id); // ['paper', 'acc-...']
 */
export async function listAccountsOf(db: Kysely<LedgerSchema>, userId?: string): Promise<ExchangeAccount[]> {
  let query = db.selectFrom('exchange_accounts').selectAll();
  if (userId !== undefined) query = query.where((eb) => eb.or([eb('user_id', '=', userId), eb('user_id', 'is', null)]));
  return (await query.orderBy('id').execute()).map(accountFromRow);
}

/**
 * How many bots (of any status: a deleted bot's row still names its account) and positions name the account.
 *
 * @example
 * await accountUses(db, 'acc-1'); // { bots: 2, positions: 0 }
 */
export async function accountUses(db: Kysely<LedgerSchema>, accountId: string): Promise<{ bots: number; positions: number }> {
  const bots = await db.selectFrom('bots').select(db.fn.countAll().as('n')).where('exchange_account_id', '=', accountId).executeTakeFirst();
  const positions = await db
    .selectFrom('positions')
    .select(db.fn.countAll().as('n'))
    .where('exchange_account_id', '=', accountId)
    .executeTakeFirst();
  return { bots: Number(bots?.n ?? 0), positions: Number(positions?.n ?? 0) };
}

/**
 * Deletes an account nothing trades on (and its sync status row), in one transaction; false when it
 * was not there. The caller checks {@link accountUses} first; the foreign keys refuse anyway.
 *
 * @example
 * await deleteExchangeAccount(database, 'acc-1'); // true
 */
export async function deleteExchangeAccount(database: BotledgerDatabase, accountId: string): Promise<boolean> {
  return writeTransaction(database, async (q) => {
    await q.run('delete from sync_status where exchange_account_id = ?', [accountId]);
    return (await q.run('delete from exchange_accounts where id = ?', [accountId])) === 1;
  });
}
