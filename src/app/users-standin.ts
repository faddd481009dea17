/**
 * TEMPORARY stand-in for src/app/users.ts (being written by the users helper, issue 9), with the
 * exact signatures of design9.md, so that the service and `botledger serve` compile and run before
 * it lands. It stores nothing in the database: one pretend admin, and the tokens it issues are
 * known in this process only (they authenticate as that admin). At merge, the one import of it
 * (src/app/service-users.ts) points at './users.ts' and this file is deleted.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Ledger } from './open-ledger.ts';

export type Role = 'admin' | 'trader' | 'viewer';
export type TokenScope = 'read' | 'trade' | 'admin';
export interface UserView {
  id: string;
  username: string;
  role: Role;
  createdAt: string;
  disabled: boolean;
  hasPassword: boolean;
}
export interface ApiTokenView {
  id: string;
  name: string;
  kind: 'session' | 'personal' | 'one_time' | 'local';
  scopes: TokenScope[];
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}
export interface Principal {
  readonly userId: string;
  readonly username: string;
  readonly role: Role;
  readonly scopes: readonly TokenScope[];
  readonly tokenId: string;
  readonly tokenKind: 'session' | 'personal' | 'one_time' | 'local';
}

const ADMIN: UserView = {
  id: 'standin-admin',
  username: 'admin',
  role: 'admin',
  createdAt: '2026-01-01T00:00:00.000Z',
  disabled: false,
  hasPassword: false,
};
const issued = new Map<string, Principal>();

function newToken(kind: Principal['tokenKind']): { token: string; tokenId: string } {
  const token = `blt_${randomBytes(32).toString('base64url')}`;
  const tokenId = randomUUID();
  issued.set(token, {
    userId: ADMIN.id,
    username: ADMIN.username,
    role: 'admin',
    scopes: ['read', 'trade', 'admin'],
    tokenId,
    tokenKind: kind,
  });
  return { token, tokenId };
}

export async function listUsers(_ledger: Pick<Ledger, 'database'>): Promise<UserView[]> {
  return [ADMIN];
}

export async function authenticateToken(_ledger: Pick<Ledger, 'database' | 'clock'>, token: string): Promise<Principal | undefined> {
  return issued.get(token);
}

export async function ensureFirstLogin(
  _ledger: Pick<Ledger, 'database' | 'clock'>,
): Promise<{ username: string; token: string } | undefined> {
  return { username: ADMIN.username, token: newToken('one_time').token };
}

export async function issueApiToken(
  _ledger: Pick<Ledger, 'database' | 'clock'>,
  _userId: string,
  input: { name: string; scopes: TokenScope[]; expiresInDays?: number; kind?: 'personal' | 'one_time' | 'local' },
): Promise<{ token: string; view: ApiTokenView }> {
  const kind = input.kind ?? 'personal';
  const { token, tokenId } = newToken(kind);
  const view: ApiTokenView = {
    id: tokenId,
    name: input.name,
    kind,
    scopes: input.scopes,
    createdAt: new Date().toISOString(),
    expiresAt: null,
    lastUsedAt: null,
    revokedAt: null,
  };
  return { token, view };
}

export async function revokeApiToken(_ledger: Pick<Ledger, 'database' | 'clock'>, _userId: string, tokenId: string): Promise<void> {
  for (const [token, principal] of issued) if (principal.tokenId === tokenId) issued.delete(token);
}
