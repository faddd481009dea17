/**
 * Authentication and scopes. Every route says in its config what it needs: `public` (health,
 * login, metrics, the docs), `read`, `trade` or `admin`. A request for anything else must carry
 * `Authorization: Bearer <token>`; the token's principal (its user, role and effective scopes) is
 * attached to the request. No or a bad token: 401 UNAUTHENTICATED. A scope the token lacks: 403
 * FORBIDDEN, decided before anything is looked up, so it says nothing about other users' objects
 * (those are 404, by the application core's ownership rule).
 *
 * A `local` token (the one `botledger serve` leaves for the command line next to the database,
 * readable by whoever can read the database itself) may act as another user with the header
 * `x-botledger-user`.
 */
import type { FastifyRequest } from 'fastify';
import { ApiError } from './errors.ts';
import type { ActAs, Authenticate, Principal, TokenScope } from './principal.ts';

export type RouteAccess = 'public' | TokenScope;

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by the auth hook on every non-public route. */
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** What the route needs; a route without it is refused (closed by default). */
    access?: RouteAccess;
  }
}

/** The header a local token names the acting user with. */
export const ACT_AS_HEADER = 'x-botledger-user';

/** The bearer token of a request (header, or `?token=` for a browser's WebSocket), if any. */
export function bearerToken(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (typeof header === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match ? match[1] : undefined;
  }
  return undefined;
}

/** Resolves the request's token to a principal, or throws UNAUTHENTICATED. */
export async function principalOf(
  request: FastifyRequest,
  token: string | undefined,
  authenticate: Authenticate,
  actAs: ActAs,
): Promise<Principal> {
  if (token === undefined || token.length > 512)
    throw new ApiError('UNAUTHENTICATED', 'this needs a login: send Authorization: Bearer <token> (POST /api/v1/auth/login gives one)');
  const principal = await authenticate(token);
  if (!principal) throw new ApiError('UNAUTHENTICATED', 'the token is unknown, revoked or expired; log in again');
  const asUser = request.headers[ACT_AS_HEADER];
  if (typeof asUser !== 'string' || asUser === '' || asUser === principal.username) return principal;
  if (principal.tokenKind !== 'local')
    throw new ApiError('FORBIDDEN', `only the server's local token may act as another user (${ACT_AS_HEADER})`);
  const acting = await actAs(principal, asUser);
  if (!acting) throw new ApiError('UNAUTHENTICATED', `${ACT_AS_HEADER}: no user "${asUser.slice(0, 64)}"`);
  return acting;
}

/** Throws FORBIDDEN unless the principal holds the scope. */
export function requireScope(principal: Principal, scope: TokenScope): void {
  if (!principal.scopes.includes(scope)) {
    const why =
      principal.role === 'viewer' && scope !== 'read'
        ? 'a viewer may only read'
        : `this needs the "${scope}" scope, the token has ${principal.scopes.join(', ') || 'none'}`;
    throw new ApiError('FORBIDDEN', why, { needs: scope });
  }
}

/** The owner (user id) a route acts for: the principal's user. */
export function ownerOf(request: FastifyRequest): string {
  if (!request.principal) throw new ApiError('UNAUTHENTICATED', 'this needs a login');
  return request.principal.userId;
}

/** The principal of an authenticated route (set by the hook). */
export function principal(request: FastifyRequest): Principal {
  if (!request.principal) throw new ApiError('UNAUTHENTICATED', 'this needs a login');
  return request.principal;
}
