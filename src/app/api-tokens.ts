/**
 * Logging in and API tokens: who a bearer token is, login with a password or a one-time token
 * (rate-limited, src/app/login-limiter.ts), personal tokens shown once and stored as a sha256, and
 * the first login of a new ledger. Exported through src/app/users.ts.
 */
import { DUMMY_PASSWORD_HASH, MAX_PASSWORD_LENGTH, verifyPassword } from '../domain/user/passwords.ts';
import {
  checkScopes,
  effectiveScopes,
  formatScopes,
  parseStoredScopes,
  scopesOfRole,
  type TokenKind,
  type TokenScope,
  TOKEN_SCOPES,
} from '../domain/user/roles.ts';
import { hashApiToken, looksLikeApiToken, newApiToken, newTokenId, newUserId } from '../domain/user/tokens.ts';
import type { BotledgerDatabase } from '../storage/database.ts';
import {
  findTokenByHash,
  findUserToken,
  insertApiToken,
  listUserTokens,
  revokeToken,
  revokeUserTokens,
  touchApiToken,
} from '../storage/repositories/api-tokens.ts';
import { findUserByName, firstEnabledAdmin, insertUser, someoneCanLogIn, type UserRecord } from '../storage/repositories/users.ts';
import { readExecutor, type SqlExecutor, writeTransaction } from '../storage/sql/executor.ts';
import { LedgerError } from './ledger-error.ts';
import { LoginLimiter } from './login-limiter.ts';
import {
  type ApiTokenView,
  fieldError,
  isoFrom,
  type LedgerCore,
  type Principal,
  resolveUser,
  tokenView,
  type UserView,
  userView,
} from './user-views.ts';

export const SESSION_TTL_MS = 12 * 3_600_000;
export const FIRST_LOGIN_TTL_MS = 24 * 3_600_000;
/** last_used_at is written at most this often per token: a request must not cost a write. */
export const LAST_USED_EVERY_MS = 60_000;
export const MAX_TOKEN_DAYS = 3650;
const MAX_TOKEN_NAME = 100;

/** One limiter per open database: the counts of the process that serves it. */
const limiters = new WeakMap<BotledgerDatabase, LoginLimiter>();
function limiterOf(ledger: LedgerCore): LoginLimiter {
  let limiter = limiters.get(ledger.database);
  if (!limiter) {
    limiter = new LoginLimiter(ledger.clock);
    limiters.set(ledger.database, limiter);
  }
  return limiter;
}

const isLive = (token: { revokedAt: string | null; expiresAt: string | null }, now: string) =>
  token.revokedAt === null && (token.expiresAt === null || token.expiresAt > now);

/**
 * The principal a bearer token stands for, or undefined when it is unknown, revoked, expired, a
 * one-time token (good for login only) or its user is disabled. Writes last_used_at at most once
 * a minute per token.
 *
 * @example
 * const principal = await authenticateToken(ledger, request.headers.authorization.slice(7));
 */
export async function authenticateToken(ledger: LedgerCore, token: string): Promise<Principal | undefined> {
  if (typeof token !== 'string' || !looksLikeApiToken(token)) return undefined;
  const found = await findTokenByHash(readExecutor(ledger.database), hashApiToken(token));
  const now = isoFrom(ledger);
  if (!found || !isLive(found, now) || found.kind === 'one_time' || found.userDisabledAt !== null) return undefined;
  const staleBefore = isoFrom(ledger, -LAST_USED_EVERY_MS);
  if (found.lastUsedAt === null || found.lastUsedAt < staleBefore)
    await writeTransaction(ledger.database, (q) => touchApiToken(q, found.id, now, staleBefore));
  return {
    userId: found.userId,
    username: found.username,
    role: found.role,
    scopes: effectiveScopes(parseStoredScopes(found.scopes), found.role),
    tokenId: found.id,
    tokenKind: found.kind,
  };
}

export type LoginCredentials = { readonly username: string; readonly password: string } | { readonly token: string };

export interface LoginResult {
  /** The session token (12 h), shown once. */
  readonly token: string;
  readonly expiresAt: string;
  readonly user: UserView;
}

/** Stores a new token for `user`; returns the token text (never stored) and its view. */
async function storeToken(
  q: SqlExecutor,
  user: UserRecord,
  input: { name: string; kind: TokenKind; scopes: readonly TokenScope[]; createdAt: string; expiresAt: string | null },
): Promise<{ token: string; view: ApiTokenView }> {
  const token = newApiToken();
  const record = {
    id: newTokenId(),
    userId: user.id,
    name: input.name,
    kind: input.kind,
    scopes: formatScopes(input.scopes),
    createdAt: input.createdAt,
    expiresAt: input.expiresAt,
  };
  await insertApiToken(q, record, hashApiToken(token));
  return { token, view: tokenView({ ...record, lastUsedAt: null, revokedAt: null }) };
}

/**
 * Logs in with a username and password, or with a one-time token (consumed), and returns a
 * session token valid 12 h. An unknown user, a wrong password, a user without a password or a
 * disabled one all give the same LOGIN_FAILED; after 5 failures for a username or 20 from an
 * address within 15 minutes, LOGIN_RATE_LIMITED (details.retryAfterSeconds).
 *
 * @example
 * const { token, expiresAt } = await login(ledger, { username: 'alice', password: 'correct horse' }, { ip: '127.0.0.1' });
 */
export async function login(ledger: LedgerCore, credentials: LoginCredentials, context: { ip: string }): Promise<LoginResult> {
  const limiter = limiterOf(ledger);
  const byToken = 'token' in credentials;
  // Usernames are lower case; capped so a huge name cannot become a huge key.
  const username = byToken
    ? undefined
    : String(credentials.username ?? '')
        .toLowerCase()
        .slice(0, 64);
  const block = limiter.blocked(username, context.ip);
  if (block)
    throw new LedgerError(
      'LOGIN_RATE_LIMITED',
      `too many failed logins for this ${block.by === 'ip' ? 'address' : 'username'}; try again in ${block.retryAfterSeconds} s`,
      {
        retryAfterSeconds: block.retryAfterSeconds,
      },
    );
  const failed = (): never => {
    limiter.fail(username, context.ip);
    throw new LedgerError('LOGIN_FAILED', byToken ? 'the login token is not a live one-time token' : 'wrong username or password');
  };
  const now = isoFrom(ledger);
  const expiresAt = isoFrom(ledger, SESSION_TTL_MS);
  if ('token' in credentials) {
    const text = credentials.token;
    if (typeof text !== 'string' || !looksLikeApiToken(text)) return failed();
    const result = await writeTransaction(ledger.database, async (q) => {
      const found = await findTokenByHash(q, hashApiToken(text));
      if (found?.kind !== 'one_time' || !isLive(found, now) || found.userDisabledAt !== null) return undefined;
      // Consumed here, in the transaction that makes the session: a second login with it finds it revoked.
      if (!(await revokeToken(q, found.id, now))) return undefined;
      const user = await resolveUser(q, found.userId);
      const scopes = effectiveScopes(parseStoredScopes(found.scopes), user.role);
      const session = await storeToken(q, user, { name: `login from ${context.ip}`, kind: 'session', scopes, createdAt: now, expiresAt });
      return { token: session.token, expiresAt, user: userView(user) };
    });
    return result ?? failed();
  }
  const password = credentials.password;
  const tooLong = typeof password !== 'string' || password.length > MAX_PASSWORD_LENGTH;
  const user = username ? await findUserByName(readExecutor(ledger.database), username) : undefined;
  // The hash is checked even for an unknown user, so the answer takes as long either way.
  const matches = !tooLong && (await verifyPassword(password, user?.passwordHash ?? DUMMY_PASSWORD_HASH));
  if (!user || !matches || user.passwordHash === null || user.disabledAt !== null) return failed();
  limiter.succeed(user.name);
  const session = await writeTransaction(ledger.database, (q) =>
    storeToken(q, user, { name: `login from ${context.ip}`, kind: 'session', scopes: scopesOfRole(user.role), createdAt: now, expiresAt }),
  );
  return { token: session.token, expiresAt, user: userView(user) };
}

/**
 * Ends a session: revokes the session token the principal logged in with (other kinds of token
 * are revoked with {@link revokeApiToken}).
 */
export async function logout(ledger: LedgerCore, principal: Principal): Promise<void> {
  if (principal.tokenKind !== 'session') return;
  await writeTransaction(ledger.database, (q) => revokeToken(q, principal.tokenId, isoFrom(ledger)));
}

/** Control characters, DEL, and the bidirectional overrides and isolates (text that would display other than it is). */
function hasControlCharacters(text: string): boolean {
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    if (code < 0x20 || code === 0x7f || (code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069)) return true;
  }
  return false;
}

export interface IssueTokenInput {
  readonly name: string;
  readonly scopes: readonly TokenScope[];
  /** Whole days, 1 to 3650; default never (a one-time token: 1 day). */
  readonly expiresInDays?: number;
  readonly kind?: 'personal' | 'one_time' | 'local';
}

/**
 * Makes an API token for a user (by id or username). The token is returned once and stored only
 * as its hash. Scopes beyond the user's role are refused (SCOPE_INVALID).
 *
 * @example
 * const { token, view } = await issueApiToken(ledger, 'alice', { name: 'laptop', scopes: ['read', 'trade'], expiresInDays: 30 });
 */
export async function issueApiToken(
  ledger: LedgerCore,
  userId: string,
  input: IssueTokenInput,
): Promise<{ token: string; view: ApiTokenView }> {
  const name = typeof input.name === 'string' ? input.name.trim() : '';
  // Control and bidirectional-override characters would make a token list lie about its names.
  if (name.length === 0 || name.length > MAX_TOKEN_NAME || hasControlCharacters(name))
    throw fieldError('INVALID_FIELD', 'name', `must be 1 to ${MAX_TOKEN_NAME} printable characters`);
  const checked = checkScopes(input.scopes);
  if ('problem' in checked) throw fieldError('SCOPE_INVALID', 'scopes', checked.problem);
  const kind = input.kind ?? 'personal';
  if (!['personal', 'one_time', 'local'].includes(kind)) throw fieldError('INVALID_FIELD', 'kind', 'must be personal, one_time or local');
  const days = input.expiresInDays ?? (kind === 'one_time' ? 1 : undefined);
  if (days !== undefined && (!Number.isSafeInteger(days) || days < 1 || days > MAX_TOKEN_DAYS))
    throw fieldError('INVALID_FIELD', 'expiresInDays', `must be a whole number of days from 1 to ${MAX_TOKEN_DAYS}`);
  return writeTransaction(ledger.database, async (q) => {
    const user = await resolveUser(q, userId);
    const allowed = scopesOfRole(user.role);
    const beyond = checked.scopes.filter((scope) => !allowed.includes(scope));
    if (beyond.length > 0)
      throw fieldError('SCOPE_INVALID', 'scopes', `${beyond.join(', ')} is more than role ${user.role} allows (${allowed.join(', ')})`);
    const expiresAt = days === undefined ? null : isoFrom(ledger, days * 86_400_000);
    return storeToken(q, user, { name, kind, scopes: checked.scopes, createdAt: isoFrom(ledger), expiresAt });
  });
}

/** A user's tokens (every kind, revoked and expired ones too), newest first; never the token text. */
export async function listApiTokens(ledger: LedgerCore, userId: string): Promise<ApiTokenView[]> {
  const q = readExecutor(ledger.database);
  const user = await resolveUser(q, userId);
  return (await listUserTokens(q, user.id)).map(tokenView);
}

/**
 * Revokes one of a user's tokens (at once: the next request with it is refused). Another user's
 * token is TOKEN_NOT_FOUND, exactly like a missing one. Revoking twice is harmless.
 */
export async function revokeApiToken(ledger: LedgerCore, userId: string, tokenId: string): Promise<ApiTokenView> {
  return writeTransaction(ledger.database, async (q) => {
    const user = await resolveUser(q, userId);
    const token = await findUserToken(q, user.id, String(tokenId));
    if (!token) throw new LedgerError('TOKEN_NOT_FOUND', `user ${user.name} has no API token ${JSON.stringify(tokenId)}`, { tokenId });
    const at = isoFrom(ledger);
    await revokeToken(q, token.id, at);
    return tokenView({ ...token, revokedAt: token.revokedAt ?? at });
  });
}

/**
 * When nobody can log in (no enabled user with a password or a live personal or session token),
 * a one-time login token for the first admin, valid 24 h (the one made at an earlier start, if
 * unused, is revoked: only the last one printed works). Undefined when someone can log in.
 * Makes `admin` when the ledger has no enabled admin and no user of that name.
 *
 * @example
 * const first = await ensureFirstLogin(ledger); // { username: 'admin', token: 'blt_...' }
 */
export async function ensureFirstLogin(ledger: LedgerCore): Promise<{ username: string; token: string } | undefined> {
  return writeTransaction(ledger.database, async (q) => {
    const now = isoFrom(ledger);
    if (await someoneCanLogIn(q, now)) return undefined;
    let admin = await firstEnabledAdmin(q);
    if (!admin) {
      if (await findUserByName(q, 'admin')) return undefined;
      admin = { id: newUserId(), name: 'admin', role: 'admin', passwordHash: null, disabledAt: null, createdAt: now, updatedAt: now };
      await insertUser(q, admin);
    }
    await revokeUserTokens(q, admin.id, ['one_time'], now);
    const { token } = await storeToken(q, admin, {
      name: 'first login',
      kind: 'one_time',
      scopes: TOKEN_SCOPES,
      createdAt: now,
      expiresAt: isoFrom(ledger, FIRST_LOGIN_TTL_MS),
    });
    return { username: admin.name, token };
  });
}

/**
 * The principal a `local` token acts as when it names another user (the server's token for the
 * command line on the same machine, x-botledger-user): that user, with every scope of its role.
 * Undefined for a token that is not local, or a user that does not exist or is disabled.
 *
 * @example
 * const alice = await principalForUser(ledger, localPrincipal, 'alice');
 */
export async function principalForUser(ledger: LedgerCore, local: Principal, username: string): Promise<Principal | undefined> {
  if (local.tokenKind !== 'local') return undefined;
  const user = await findUserByName(readExecutor(ledger.database), username);
  if (!user || user.disabledAt !== null) return undefined;
  return {
    userId: user.id,
    username: user.name,
    role: user.role,
    scopes: scopesOfRole(user.role),
    tokenId: local.tokenId,
    tokenKind: 'local',
  };
}
