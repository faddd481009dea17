/**
 * Users (migration 0004): username, role, scrypt password hash, disabled flag. All user SQL lives
 * here; the rules (who may be demoted, what a password must be) are src/app/users.ts's.
 */
import type { Role } from '../../domain/user/roles.ts';
import type { SqlExecutor } from '../sql/executor.ts';
import { timeIn, timeOut, timeOutOrNull } from './codec.ts';

export interface UserRecord {
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  /** `scrypt$...`; null: the user has no password. */
  readonly passwordHash: string | null;
  readonly disabledAt: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

const COLUMNS = 'id, name, role, password_hash, disabled_at, created_at, updated_at';

function userFromRow(row: Record<string, unknown>): UserRecord {
  return {
    id: String(row.id),
    name: String(row.name),
    role: String(row.role) as Role,
    passwordHash: row.password_hash == null ? null : String(row.password_hash),
    disabledAt: timeOutOrNull(row.disabled_at),
    createdAt: timeOut(row.created_at),
    updatedAt: timeOut(row.updated_at),
  };
}

/** @example await insertUser(q, { id: 'usr_...', name: 'alice', role: 'trader', passwordHash: null, disabledAt: null, createdAt: t, updatedAt: t }); */
export async function insertUser(q: SqlExecutor, user: UserRecord): Promise<void> {
  await q.run(`insert into users (${COLUMNS}) values (?, ?, ?, ?, ?, ?, ?)`, [
    user.id,
    user.name,
    user.role,
    user.passwordHash,
    user.disabledAt === null ? null : timeIn(user.disabledAt, 'disabledAt'),
    timeIn(user.createdAt, 'createdAt'),
    timeIn(user.updatedAt, 'updatedAt'),
  ]);
}

/** @example const user = await findUserById(q, 'usr_0123456789abcdef'); */
export async function findUserById(q: SqlExecutor, id: string): Promise<UserRecord | undefined> {
  const row = await q.get(`select ${COLUMNS} from users where id = ?`, [id]);
  return row ? userFromRow(row) : undefined;
}

/** @example const user = await findUserByName(q, 'alice'); */
export async function findUserByName(q: SqlExecutor, name: string): Promise<UserRecord | undefined> {
  const row = await q.get(`select ${COLUMNS} from users where name = ?`, [name]);
  return row ? userFromRow(row) : undefined;
}

/** Every user, oldest first. */
export async function listUsers(q: SqlExecutor): Promise<UserRecord[]> {
  const rows = await q.all(`select ${COLUMNS} from users order by created_at, id`);
  return rows.map(userFromRow);
}

/** The oldest enabled admin, if any. */
export async function firstEnabledAdmin(q: SqlExecutor): Promise<UserRecord | undefined> {
  const row = await q.get(`select ${COLUMNS} from users where role = 'admin' and disabled_at is null order by created_at, id limit 1`);
  return row ? userFromRow(row) : undefined;
}

/**
 * The ids of the enabled admins. With `lock` (PostgreSQL) their rows stay locked until the
 * transaction ends, so two admins demoting each other at once cannot leave none; SQLite's write
 * transaction already runs alone.
 */
export async function enabledAdminIds(q: SqlExecutor, lock: boolean): Promise<string[]> {
  const rows = await q.all<{ id: string }>(
    `select id from users where role = 'admin' and disabled_at is null order by id${lock ? ' for update' : ''}`,
  );
  return rows.map((row) => String(row.id));
}

/**
 * Changes the given fields (undefined: unchanged; `disabledAt: null` enables again).
 *
 * @example
 * await updateUserRow(q, 'usr_...', { role: 'viewer' }, now);
 */
export async function updateUserRow(
  q: SqlExecutor,
  id: string,
  changes: { role?: Role; passwordHash?: string | null; disabledAt?: string | null },
  at: string,
): Promise<void> {
  const sets: string[] = ['updated_at = ?'];
  const params: unknown[] = [timeIn(at, 'at')];
  if (changes.role !== undefined) {
    sets.push('role = ?');
    params.push(changes.role);
  }
  if (changes.passwordHash !== undefined) {
    sets.push('password_hash = ?');
    params.push(changes.passwordHash);
  }
  if (changes.disabledAt !== undefined) {
    sets.push('disabled_at = ?');
    params.push(changes.disabledAt === null ? null : timeIn(changes.disabledAt, 'disabledAt'));
  }
  await q.run(`update users set ${sets.join(', ')} where id = ?`, [...params, id]);
}

/** How many bots, orders, positions, trades and exchange accounts a user owns (a user who owns any cannot be deleted). */
export async function countOwnedRows(q: SqlExecutor, userId: string): Promise<number> {
  const row = await q.get<{ n: number | string }>(
    `select (select count(*) from bots where user_id = ?) + (select count(*) from orders where user_id = ?)
          + (select count(*) from positions where user_id = ?) + (select count(*) from trades where user_id = ?)
          + (select count(*) from exchange_accounts where user_id = ?) as n`,
    [userId, userId, userId, userId, userId],
  );
  return Number(row?.n ?? 0);
}

/** Deletes a user and their tokens. */
export async function deleteUserAndTokens(q: SqlExecutor, userId: string): Promise<void> {
  await q.run('delete from api_tokens where user_id = ?', [userId]);
  await q.run('delete from users where id = ?', [userId]);
}

/**
 * True when some enabled user can log in: with a password, or a live personal or session token
 * (one-time tokens do not count: one lost at a start must not stop the next start from making
 * another; `local` ones belong to a running server).
 */
export async function someoneCanLogIn(q: SqlExecutor, now: string): Promise<boolean> {
  const row = await q.get(
    `select 1 as found from users u where u.disabled_at is null and (u.password_hash is not null or exists (
       select 1 from api_tokens t where t.user_id = u.id and t.kind in ('personal', 'session') and t.revoked_at is null
         and (t.expires_at is null or t.expires_at > ?))) limit 1`,
    [timeIn(now, 'now')],
  );
  return row !== undefined;
}
