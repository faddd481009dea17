/**
 * Who is asking: what the auth hook (auth.ts) attaches to a request once its token is known. The
 * users module of the application core (src/app/users.ts) produces it; the routes read only the
 * owner (the user id) and the scopes.
 */
export type Role = 'admin' | 'trader' | 'viewer';
export type TokenScope = 'read' | 'trade' | 'admin';

export interface Principal {
  readonly userId: string;
  readonly username: string;
  readonly role: Role;
  /** Effective scopes: the token's, limited by the user's role. */
  readonly scopes: readonly TokenScope[];
  readonly tokenId: string;
  readonly tokenKind: 'session' | 'personal' | 'one_time' | 'local';
}

/** Resolves a bearer token to its principal; undefined for an unknown, revoked or expired one. */
export type Authenticate = (token: string) => Promise<Principal | undefined>;

/** Resolves a username to the principal a `local` token acts as (x-botledger-user); undefined when unknown. */
export type ActAs = (local: Principal, username: string) => Promise<Principal | undefined>;
