/**
 * TEMPORARY stand-in for src/app/users.ts (being written by the users helper, issue 9), with the
 * exact signatures of design9.md, so that the service and `botledger serve` compile and run before
 * it lands. It stores nothing: the tokens it returns authenticate nothing. At merge, the one import
 * of it (src/app/service-users.ts) points at './users.ts' and this file is deleted.
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

const newToken = () => `blt_${randomBytes(32).toString('base64url')}`;

export async function listUsers(_ledger: Pick<Ledger, 'database'>): Promise<UserView[]> {
  return [];
}

export async function ensureFirstLogin(
  _ledger: Pick<Ledger, 'database' | 'clock'>,
): Promise<{ username: string; token: string } | undefined> {
  return { username: 'admin', token: newToken() };
}

export async function issueApiToken(
  _ledger: Pick<Ledger, 'database' | 'clock'>,
  _userId: string,
  input: { name: string; scopes: TokenScope[]; expiresInDays?: number; kind?: 'personal' | 'one_time' | 'local' },
): Promise<{ token: string; view: ApiTokenView }> {
  const view: ApiTokenView = {
    id: randomUUID(),
    name: input.name,
    kind: input.kind ?? 'personal',
    scopes: input.scopes,
    createdAt: new Date().toISOString(),
    expiresAt: null,
    lastUsedAt: null,
    revokedAt: null,
  };
  return { token: newToken(), view };
}

export async function revokeApiToken(_ledger: Pick<Ledger, 'database' | 'clock'>, _userId: string, _tokenId: string): Promise<void> {}
