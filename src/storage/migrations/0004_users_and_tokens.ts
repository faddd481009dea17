/**
 * Users, roles and API tokens (issue 9):
 * - users: `role` ('admin' | 'trader' | 'viewer', CHECK), `password_hash` (scrypt, null: no
 *   password, log in with a token), `disabled_at`, `updated_at`. `name` (the username) keeps the
 *   UNIQUE constraint 0001 gave it, which is already a unique index on both dialects; a second
 *   one would only cost writes. Users made before 0004 become admins: before roles existed every
 *   user could do everything, and a ledger must keep someone who can manage users.
 * - api_tokens: `kind` ('session' | 'personal' | 'one_time' | 'local', CHECK), `scopes` (a comma
 *   list of read, trade, admin), `expires_at` (null: never), and an index on user_id (a user's
 *   tokens are listed, and checked when a user is disabled). token_hash keeps 0001's UNIQUE.
 *   Tokens made before 0004 keep what they could do: personal, every scope (a token's scopes are
 *   always cut down to its user's role when it is used).
 * - Ownership: when the ledger has no user, `admin` is made (role admin, no password: `botledger
 *   serve` prints a one-time login token for it), and every bot, order, position and trade
 *   without a user is given the first admin. exchange_accounts keep user_id null where it is: the
 *   built-in paper account is a venue every user's bots share.
 *
 * Value sets are copied, not imported from src/domain: an applied migration is frozen.
 * `down` drops the new columns and index; users and owners it set stay (0003's schema holds them).
 * It refuses while a user has a role other than admin, a password or is disabled, or a token has a
 * kind, scopes or an expiry: 0003 cannot hold those, and migrating up again would turn them into
 * admins with unlimited tokens (the engine's forecast counts rows, not a .ts down's dropped columns).
 *
 * Frozen once released: change it with a new migration, never by editing this.
 */
import { randomBytes } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { MigrationContext } from '../../migrate/migration.ts';

const ROLES = ['admin', 'trader', 'viewer'];
const TOKEN_KINDS = ['session', 'personal', 'one_time', 'local'];
const OWNED_TABLES = ['bots', 'orders', 'positions', 'trades'];

const oneOf = (column: string, values: readonly string[]) => sql.raw(`${column} in (${values.map((value) => `'${value}'`).join(', ')})`);

/** Before any user has an updated_at of its own (set from created_at right after). */
const EPOCH = '1970-01-01T00:00:00.000Z';

export async function up(db: Kysely<any>, context: MigrationContext): Promise<void> {
  const time = sql.raw(context.capabilities.timestampType);
  await db.schema
    .alterTable('users')
    .addColumn('role', 'text', (c) => c.notNull().defaultTo('viewer').check(oneOf('role', ROLES)))
    .execute();
  await db.schema.alterTable('users').addColumn('password_hash', 'text').execute();
  await db.schema.alterTable('users').addColumn('disabled_at', time).execute();
  await db.schema
    .alterTable('users')
    .addColumn('updated_at', time, (c) => c.notNull().defaultTo(EPOCH))
    .execute();
  await sql`update users set role = 'admin', updated_at = created_at`.execute(db);

  await db.schema
    .alterTable('api_tokens')
    .addColumn('kind', 'text', (c) => c.notNull().defaultTo('personal').check(oneOf('kind', TOKEN_KINDS)))
    .execute();
  await db.schema
    .alterTable('api_tokens')
    .addColumn('scopes', 'text', (c) => c.notNull().defaultTo('read'))
    .execute();
  await db.schema.alterTable('api_tokens').addColumn('expires_at', time).execute();
  await sql`update api_tokens set scopes = 'read,trade,admin'`.execute(db);
  await db.schema.createIndex('api_tokens_user_id_idx').on('api_tokens').column('user_id').execute();

  const owner = await firstAdmin(db, context);
  for (const table of OWNED_TABLES) await sql`update ${sql.table(table)} set user_id = ${owner} where user_id is null`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  // Refused while a user or token holds something the old schema cannot: up again would make every
  // user an admin and every token unlimited, so a viewer or a read-only token would gain power.
  const count = async (query: ReturnType<typeof sql<{ n: string | number }>>) => Number((await query.execute(db)).rows[0]?.n ?? 0);
  const users = await count(
    sql`select count(*) as n from users where role <> 'admin' or password_hash is not null or disabled_at is not null`,
  );
  const tokens = await count(
    sql`select count(*) as n from api_tokens where kind <> 'personal' or scopes <> 'read,trade,admin' or expires_at is not null`,
  );
  if (users + tokens > 0) {
    throw new Error(
      `${users} user(s) have a role other than admin, a password or are disabled, and ${tokens} token(s) have a kind, scopes or an expiry, which the schema before 0004 cannot hold; reverting and migrating again would make them admins with unlimited tokens. Restore a backup taken before 0004 instead`,
    );
  }
  await db.schema.dropIndex('api_tokens_user_id_idx').execute();
  for (const column of ['expires_at', 'scopes', 'kind']) await db.schema.alterTable('api_tokens').dropColumn(column).execute();
  for (const column of ['updated_at', 'disabled_at', 'password_hash', 'role'])
    await db.schema.alterTable('users').dropColumn(column).execute();
}

/** The user that may gain a row (`admin`, when the ledger had none). */
export const config = { allowRowChange: ['users'] };

/**
 * Must return no rows, now and whenever `migrate verify` runs it again: someone can manage users.
 * (That every row has an owner is checked by the migration's own test, not here: rows written
 * later by code that does not name a user yet must not fail `migrate verify`.)
 */
export const verify = [`select 'no admin' as problem where not exists (select 1 from users where role = 'admin')`];

/** The oldest admin's id, after making `admin` when there is no user at all. */
async function firstAdmin(db: Kysely<any>, context: MigrationContext): Promise<string> {
  const found = await sql<{ id: string }>`select id from users where role = 'admin' order by created_at, id limit 1`.execute(db);
  if (found.rows[0]) return found.rows[0].id;
  const id = `usr_${randomBytes(8).toString('hex')}`;
  const now = context.dialect === 'postgres' ? sql`now()` : sql`strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`;
  await sql`insert into users (id, name, role, created_at, updated_at) values (${id}, 'admin', 'admin', ${now}, ${now})`.execute(db);
  return id;
}
