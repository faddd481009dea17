/**
 * Users, roles, passwords and API tokens (issue 9), for the REST API, the CLI and the service.
 * Roles: viewer (read), trader (read, trade), admin (read, trade, admin: users and the paper
 * venue). A token may do its scopes cut down to its user's role. The last enabled admin cannot be
 * deleted, disabled or demoted. Passwords are hashed with scrypt (src/domain/user/passwords.ts);
 * tokens are stored as sha256 only. Login and tokens live in api-tokens.ts and are exported here
 * too, so this module is the one import.
 */
import { checkPassword, hashPassword, MIN_PASSWORD_LENGTH } from '../domain/user/passwords.ts';
import { isRole, ROLES, type Role } from '../domain/user/roles.ts';
import { newUserId } from '../domain/user/tokens.ts';
import { checkUsername } from '../domain/user/usernames.ts';
import { revokeUserTokens } from '../storage/repositories/api-tokens.ts';
import {
  countOwnedRows,
  deleteUserAndTokens,
  enabledAdminIds,
  firstEnabledAdmin,
  findUserByName,
  insertUser,
  listUsers as listUserRows,
  updateUserRow,
  type UserRecord,
} from '../storage/repositories/users.ts';
import { readExecutor, type SqlExecutor, writeTransaction } from '../storage/sql/executor.ts';
import { LedgerError } from './ledger-error.ts';
import { fieldError, isoFrom, type LedgerCore, resolveUser, type UserView, userView } from './user-views.ts';

export {
  authenticateToken,
  ensureFirstLogin,
  type IssueTokenInput,
  issueApiToken,
  listApiTokens,
  type LoginCredentials,
  type LoginResult,
  login,
  logout,
  principalForUser,
  revokeApiToken,
} from './api-tokens.ts';
export type { ApiTokenView, LedgerCore, Principal, Role, TokenKind, TokenScope, UserView } from './user-views.ts';

function checkRole(role: unknown): Role {
  if (!isRole(role)) throw fieldError('INVALID_FIELD', 'role', `must be one of ${ROLES.join(', ')}`);
  return role;
}

/** Checks a new password and hashes it (slow on purpose: done before any transaction). */
async function passwordHashFor(password: unknown): Promise<string> {
  const problem = checkPassword(password);
  if (problem) {
    const short = typeof password === 'string' && [...password].length < MIN_PASSWORD_LENGTH;
    throw fieldError(short ? 'PASSWORD_TOO_SHORT' : 'INVALID_FIELD', 'password', problem);
  }
  return hashPassword(password as string);
}

/** Refuses when `user` is the last enabled admin and the change would leave none. */
async function keepAnAdmin(ledger: LedgerCore, q: SqlExecutor, user: UserRecord, change: string): Promise<void> {
  if (user.role !== 'admin' || user.disabledAt !== null) return;
  const admins = await enabledAdminIds(q, ledger.database.capabilities.rowLocks);
  if (admins.every((id) => id === user.id))
    throw new LedgerError(
      'USER_IS_LAST_ADMIN',
      `${user.name} is the last enabled admin and cannot be ${change}; make another admin first`,
      { user: user.name },
    );
}

/**
 * Makes a user. Without a password the user logs in with a token only.
 *
 * @example
 * const alice = await createUser(ledger, { username: 'alice', password: 'correct horse', role: 'trader' });
 */
export async function createUser(ledger: LedgerCore, input: { username: string; password?: string; role: Role }): Promise<UserView> {
  const problem = checkUsername(input.username);
  if (problem) throw fieldError('USERNAME_INVALID', 'username', problem);
  const role = checkRole(input.role);
  const passwordHash = input.password === undefined ? null : await passwordHashFor(input.password);
  const now = isoFrom(ledger);
  const user: UserRecord = { id: newUserId(), name: input.username, role, passwordHash, disabledAt: null, createdAt: now, updatedAt: now };
  const exists = () =>
    new LedgerError('USER_EXISTS', `a user named ${input.username} already exists`, { field: 'username', username: input.username });
  try {
    await writeTransaction(ledger.database, async (q) => {
      if (await findUserByName(q, user.name)) throw exists();
      await insertUser(q, user);
    });
  } catch (error) {
    // Two creations of one name at once: the UNIQUE constraint refuses the second.
    if (!(error instanceof LedgerError) && /unique|duplicate/i.test(String((error as Error)?.message))) throw exists();
    throw error;
  }
  return userView(user);
}

/** Every user, oldest first. */
export async function listUsers(ledger: LedgerCore): Promise<UserView[]> {
  return (await listUserRows(readExecutor(ledger.database))).map(userView);
}

/**
 * A user by id or username; USER_NOT_FOUND when there is none.
 *
 * @example
 * const { role } = await findUser(ledger, 'alice');
 */
export async function findUser(ledger: LedgerCore, idOrName: string): Promise<UserView> {
  return userView(await resolveUser(readExecutor(ledger.database), idOrName));
}

export interface UserChanges {
  readonly role?: Role;
  /** A new password (the user's sessions are ended). */
  readonly password?: string;
  /** True disables (every token of the user stops working at once), false enables again. */
  readonly disabled?: boolean;
}

/**
 * Changes a user's role, password or disabled state (by id or username). The last enabled admin
 * cannot be demoted or disabled (USER_IS_LAST_ADMIN).
 *
 * @example
 * await updateUser(ledger, 'alice', { role: 'viewer' });
 */
export async function updateUser(ledger: LedgerCore, id: string, changes: UserChanges): Promise<UserView> {
  const role = changes.role === undefined ? undefined : checkRole(changes.role);
  if (changes.disabled !== undefined && typeof changes.disabled !== 'boolean')
    throw fieldError('INVALID_FIELD', 'disabled', 'must be true or false');
  const passwordHash = changes.password === undefined ? undefined : await passwordHashFor(changes.password);
  return writeTransaction(ledger.database, async (q) => {
    const user = await resolveUser(q, id);
    const now = isoFrom(ledger);
    if (role !== undefined && role !== 'admin') await keepAnAdmin(ledger, q, user, `made ${role}`);
    if (changes.disabled === true) await keepAnAdmin(ledger, q, user, 'disabled');
    const disabledAt = changes.disabled === undefined ? undefined : changes.disabled ? (user.disabledAt ?? now) : null;
    await updateUserRow(q, user.id, { role, passwordHash, disabledAt }, now);
    // A new password or a disabled user ends every session: whoever had the old one is logged out.
    if (passwordHash !== undefined || changes.disabled === true) await revokeUserTokens(q, user.id, ['session'], now);
    return userView({
      ...user,
      role: role ?? user.role,
      passwordHash: passwordHash ?? user.passwordHash,
      disabledAt: disabledAt === undefined ? user.disabledAt : disabledAt,
      updatedAt: now,
    });
  });
}

/**
 * Deletes a user and their tokens (by id or username). Refused for the last enabled admin
 * (USER_IS_LAST_ADMIN) and for a user who still owns bots, orders, positions, trades or accounts
 * (USER_OWNS_DATA: disable them instead, their history stays).
 */
export async function deleteUser(ledger: LedgerCore, id: string): Promise<UserView> {
  return writeTransaction(ledger.database, async (q) => {
    const user = await resolveUser(q, id);
    await keepAnAdmin(ledger, q, user, 'deleted');
    const owned = await countOwnedRows(q, user.id);
    if (owned > 0)
      throw new LedgerError(
        'USER_OWNS_DATA',
        `${user.name} owns ${owned} bot(s), order(s), position(s), trade(s) or account(s); disable the user instead`,
        {
          user: user.name,
          owned,
        },
      );
    await deleteUserAndTokens(q, user.id);
    return userView(user);
  });
}

/**
 * The id of the oldest enabled admin (who the command line acts as by default, and who owns a bot
 * created without a user), or undefined when there is none.
 *
 * @example
 * const owner = await firstAdminId(ledger);
 */
export async function firstAdminId(ledger: LedgerCore): Promise<string | undefined> {
  return (await firstEnabledAdmin(readExecutor(ledger.database)))?.id;
}
