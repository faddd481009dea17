/**
 * API tokens (migrations 0001 and 0004): stored only as the sha256 of the token, with a kind
 * (session, personal, one_time, local), scopes (a comma list) and an optional expiry. All token
 * SQL lives here; what a token may do is src/app/users.ts's business.
 */
import type { Role, TokenKind } from '../../domain/user/roles.ts';
import type { SqlExecutor } from '../sql/executor.ts';
import { timeIn, timeOut, timeOutOrNull } from './codec.ts';

export interface ApiTokenRecord {
  readonly id: string;
  readonly userId: string;
  readonly name: string;
  readonly kind: TokenKind;
  /** As stored: `read,trade`. */
  readonly scopes: string;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
}

/** A token found by its hash, with what its user is now. */
export interface TokenWithUser extends ApiTokenRecord {
  readonly username: string;
  readonly role: Role;
  readonly userDisabledAt: string | null;
}

const COLUMNS = 't.id, t.user_id, t.name, t.kind, t.scopes, t.created_at, t.expires_at, t.last_used_at, t.revoked_at';

function tokenFromRow(row: Record<string, unknown>): ApiTokenRecord {
  return {
    id: String(row.id),
    userId: String(row.user_id),
    name: String(row.name),
    kind: String(row.kind) as TokenKind,
    scopes: String(row.scopes),
    createdAt: timeOut(row.created_at),
    expiresAt: timeOutOrNull(row.expires_at),
    lastUsedAt: timeOutOrNull(row.last_used_at),
    revokedAt: timeOutOrNull(row.revoked_at),
  };
}

/**
 * Stores a token by its hash (the caller hashes it; the token itself never reaches storage).
 *
 * @example
 * await insertApiToken(q, { id: 'tok_...', userId, name: 'laptop', kind: 'personal', scopes: 'read', createdAt: t, expiresAt: null }, hash);
 */
export async function insertApiToken(
  q: SqlExecutor,
  token: Omit<ApiTokenRecord, 'lastUsedAt' | 'revokedAt'>,
  tokenHash: string,
): Promise<void> {
  await q.run(
    `insert into api_tokens (id, user_id, name, token_hash, kind, scopes, created_at, expires_at, last_used_at, revoked_at)
     values (?, ?, ?, ?, ?, ?, ?, ?, null, null)`,
    [
      token.id,
      token.userId,
      token.name,
      tokenHash,
      token.kind,
      token.scopes,
      timeIn(token.createdAt, 'createdAt'),
      token.expiresAt === null ? null : timeIn(token.expiresAt, 'expiresAt'),
    ],
  );
}

/** The token with this hash (live or not) and its user. */
export async function findTokenByHash(q: SqlExecutor, tokenHash: string): Promise<TokenWithUser | undefined> {
  const row = await q.get(
    `select ${COLUMNS}, u.name as username, u.role, u.disabled_at as user_disabled_at
     from api_tokens t join users u on u.id = t.user_id where t.token_hash = ?`,
    [tokenHash],
  );
  if (!row) return undefined;
  return {
    ...tokenFromRow(row),
    username: String(row.username),
    role: String(row.role) as Role,
    userDisabledAt: timeOutOrNull(row.user_disabled_at),
  };
}

/**
 * Sets last_used_at unless it is already later than `staleBefore`, so a busy token is written at
 * most once per interval. True when it wrote.
 */
export async function touchApiToken(q: SqlExecutor, id: string, at: string, staleBefore: string): Promise<boolean> {
  const changed = await q.run('update api_tokens set last_used_at = ? where id = ? and (last_used_at is null or last_used_at < ?)', [
    timeIn(at, 'at'),
    id,
    timeIn(staleBefore, 'staleBefore'),
  ]);
  return changed > 0;
}

/** A user's tokens, newest first. */
export async function listUserTokens(q: SqlExecutor, userId: string): Promise<ApiTokenRecord[]> {
  const rows = await q.all(`select ${COLUMNS} from api_tokens t where t.user_id = ? order by t.created_at desc, t.id desc`, [userId]);
  return rows.map(tokenFromRow);
}

/** One token of one user (another user's is undefined, as a missing one). */
export async function findUserToken(q: SqlExecutor, userId: string, tokenId: string): Promise<ApiTokenRecord | undefined> {
  const row = await q.get(`select ${COLUMNS} from api_tokens t where t.user_id = ? and t.id = ?`, [userId, tokenId]);
  return row ? tokenFromRow(row) : undefined;
}

/** Revokes a token if it is live; true when this call revoked it (so a one-time token is consumed once). */
export async function revokeToken(q: SqlExecutor, id: string, at: string): Promise<boolean> {
  return (await q.run('update api_tokens set revoked_at = ? where id = ? and revoked_at is null', [timeIn(at, 'at'), id])) > 0;
}

/** Revokes a user's live tokens of these kinds; returns how many. */
export async function revokeUserTokens(q: SqlExecutor, userId: string, kinds: readonly TokenKind[], at: string): Promise<number> {
  if (kinds.length === 0) return 0;
  return q.run(
    `update api_tokens set revoked_at = ? where user_id = ? and revoked_at is null and kind in (${kinds.map(() => '?').join(', ')})`,
    [timeIn(at, 'at'), userId, ...kinds],
  );
}
