/**
 * Who is asking: what the auth hook (auth.ts) attaches to a request once its token is known. The
 * users module of the application core (src/app/users.ts) produces it; the routes read only the
 * owner (the user id) and the scopes.
 */
import type { Principal } from '../app/users.ts';

export type { Principal, Role, TokenScope } from '../app/users.ts';

/** Resolves a bearer token to its principal; undefined for an unknown, revoked or expired one. */
export type Authenticate = (token: string) => Promise<Principal | undefined>;

/** Resolves a username to the principal a `local` token acts as (x-botledger-user); undefined when unknown. */
export type ActAs = (local: Principal, username: string) => Promise<Principal | undefined>;
