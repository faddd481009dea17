/**
 * The shapes src/app/users.ts hands out (a user, a token, the principal a token stands for) and
 * the lookups its functions share. Password hashes and token hashes never leave this layer.
 */
import { type Role, type TokenKind, type TokenScope, parseStoredScopes } from '../domain/user/roles.ts';
import type { SqlExecutor } from '../storage/sql/executor.ts';
import type { ApiTokenRecord } from '../storage/repositories/api-tokens.ts';
import { findUserById, findUserByName, type UserRecord } from '../storage/repositories/users.ts';
import { LedgerError } from './ledger-error.ts';
import type { Ledger } from './open-ledger.ts';

export type { Role, TokenKind, TokenScope };

/** What the user functions need of a ledger (no venue). */
export type LedgerCore = Pick<Ledger, 'database' | 'clock'>;

/** Who a request acts as: the token's user, and what the token may do (its scopes cut down to the user's role). */
export interface Principal {
  readonly userId: string;
  readonly username: string;
  readonly role: Role;
  readonly scopes: readonly TokenScope[];
  readonly tokenId: string;
  readonly tokenKind: TokenKind;
}

export interface UserView {
  readonly id: string;
  readonly username: string;
  readonly role: Role;
  readonly createdAt: string;
  readonly disabled: boolean;
  readonly hasPassword: boolean;
}

export interface ApiTokenView {
  readonly id: string;
  readonly name: string;
  readonly kind: TokenKind;
  /** As granted; what the token may do is these cut down to its user's role. */
  readonly scopes: readonly TokenScope[];
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
}

export function userView(user: UserRecord): UserView {
  return {
    id: user.id,
    username: user.name,
    role: user.role,
    createdAt: user.createdAt,
    disabled: user.disabledAt !== null,
    hasPassword: user.passwordHash !== null,
  };
}

export function tokenView(token: ApiTokenRecord): ApiTokenView {
  return {
    id: token.id,
    name: token.name,
    kind: token.kind,
    scopes: parseStoredScopes(token.scopes),
    createdAt: token.createdAt,
    expiresAt: token.expiresAt,
    lastUsedAt: token.lastUsedAt,
    revokedAt: token.revokedAt,
  };
}

/**
 * A user by id or username; USER_NOT_FOUND names what was asked for.
 *
 * @example
 * const user = await resolveUser(q, 'alice');
 */
export async function resolveUser(q: SqlExecutor, idOrName: string): Promise<UserRecord> {
  const text = typeof idOrName === 'string' ? idOrName : '';
  const user = (await findUserById(q, text)) ?? (await findUserByName(q, text.toLowerCase()));
  if (!user) throw new LedgerError('USER_NOT_FOUND', `no user has the id or username ${JSON.stringify(idOrName)}`, { user: idOrName });
  return user;
}

/** An input error that names its field (the API shows `field`). */
export function fieldError(
  code: 'INVALID_FIELD' | 'USERNAME_INVALID' | 'PASSWORD_TOO_SHORT' | 'SCOPE_INVALID',
  field: string,
  problem: string,
): LedgerError {
  return new LedgerError(code, `${field} ${problem}`, { field });
}

/** The clock's now as ISO-8601 UTC, plus `ms`. */
export const isoFrom = (ledger: LedgerCore, ms = 0): string => new Date(ledger.clock.now() + ms).toISOString();
